/* SPDX-License-Identifier: GPL-2.0-only */
/* One logging module for the whole binary: messages go to stderr as
 * "imaguard: <what failed>: <why>"; enforcer_log_libbpf routes libbpf's here too. */
#ifndef IMAGUARD_LOG_H
#define IMAGUARD_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_level;

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
