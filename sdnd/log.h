/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging: one line per event that matters, to stderr or syslog. */
#ifndef SDND_LOG_H
#define SDND_LOG_H

#include <stdbool.h>
#include <syslog.h>

void sdnd_log_setup(int max_level, bool use_syslog);
void sdnd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sdnd_log_level(void);

#define log_err(...) sdnd_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...) sdnd_log(LOG_WARNING, __VA_ARGS__)
#define log_info(...) sdnd_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...) sdnd_log(LOG_DEBUG, __VA_ARGS__)

#endif
