// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>

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
