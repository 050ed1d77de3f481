// SPDX-License-Identifier: GPL-2.0-or-later
#include "sdnd/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static int log_max = LOG_INFO;
static bool log_syslog;

void sdnd_log_setup(int max_level, bool use_syslog)
{
	log_max = max_level;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog("sdnd", LOG_PID, LOG_DAEMON);
}

int sdnd_log_level(void)
{
	return log_max;
}

void sdnd_log(int level, const char *fmt, ...)
{
	static const char *const names[] = { "emerg", "alert", "crit", "error",
					     "warning", "notice", "info", "debug" };
	struct timespec ts;
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	if (log_syslog) {
		vsyslog(level, fmt, ap);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		fprintf(stderr, "sdnd[%ld.%03ld] %s: ", (long)ts.tv_sec, ts.tv_nsec / 1000000,
			names[level & 7]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
