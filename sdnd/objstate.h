/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state of a wanted object (or of an attachment) as the reconciler keeps it. */
#ifndef SDND_OBJSTATE_H
#define SDND_OBJSTATE_H

#include <stdint.h>
#include <stdio.h>

#include "sdnd/nl.h"

enum sdnd_obj_state {
	SDND_STATE_IN_SYNC,
	SDND_STATE_PENDING,
	SDND_STATE_FAILED,
	_SDND_STATE_MAX,
};

const char *sdnd_state_to_string(enum sdnd_obj_state s);

struct sdnd_objstate {
	enum sdnd_obj_state state;
	int err;
	char msg[SNL_EXTACK_MAX + 64];
	unsigned int attempts;       /* actions applied since it was last seen in sync */
	uint64_t next_retry_ms;      /* monotonic; 0 = now */
	uint64_t last_applied_ms;    /* monotonic: when an action on it last succeeded */
};

#define SDND_RETRY_MIN_MS 1000
#define SDND_RETRY_MAX_MS 60000

/* Mark s failed with err and msg; retry after a backoff that doubles with each attempt. */
static inline void sdnd_objstate_fail(struct sdnd_objstate *s, int err, const char *msg,
				      uint64_t now)
{
	unsigned int shift = s->attempts < 7 ? s->attempts : 6;
	uint64_t delay = (uint64_t)SDND_RETRY_MIN_MS << shift;

	s->state = SDND_STATE_FAILED;
	s->err = err;
	if (msg != s->msg)
		snprintf(s->msg, sizeof(s->msg), "%s", msg);
	s->next_retry_ms = now + (delay > SDND_RETRY_MAX_MS ? SDND_RETRY_MAX_MS : delay);
}

#endif
