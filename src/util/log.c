// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "util/log.h"

enum log_level log_level = LOG_INFO;

static void vlog(enum log_level lvl, const char *fmt, va_list ap)
{
	if (lvl > log_level)
		return;
	fputs(lvl == LOG_WARN ? "imaguard: warning: " : "imaguard: ", stderr);
	vfprintf(stderr, fmt, ap);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > log_level)
		return;
	va_start(ap, fmt);
	vlog(lvl, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	/* libbpf's own lines end in a newline and are prefixed "libbpf: ". */
	enum log_level our = lvl == LIBBPF_WARN ? LOG_WARN : LOG_DEBUG;

	if (our > log_level)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
