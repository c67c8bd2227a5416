/*
 * state_result.c - what a decision of the key-state machine reports
 * (state.h): the result's reuse and release, and the 1.x log text of each
 * event, kept byte for byte. Pure: the caller logs the text.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "enforcer/state.h"

/* ------------------------------------------------------------- results */

void
state_result_reset(struct state_result *res)
{
	struct state_event *ev = res->events;
	size_t cap = res->cap;

	memset(res, 0, sizeof(*res));
	res->events = ev;
	res->cap = cap;
}

void
state_result_free(struct state_result *res)
{
	if (res == NULL)
		return;
	free(res->events);
	memset(res, 0, sizeof(*res));
}

static const char *
type_upper(int keytype)
{
	return keytype == STORE_KSK ? "KSK" : "ZSK";
}

int
state_event_text(const struct state_event *ev, const char *zone, char *buf, size_t len)
{
	const char *t = type_upper(ev->keytype);

	switch (ev->kind) {
	case EV_FIRST_PASS_PROMOTE:
		snprintf(buf, len,
			"INFO: Promoting %s from publish to active as this is the first "
			"pass for the zone",
			t);
		return LOG_INFO;
	case EV_ROLL_NOT_COMPLETED:
		snprintf(buf, len,
			"WARNING: %s rollover for zone '%s' not completed as there are no "
			"keys in the 'ready' state; ods-enforcerd will try again when it runs next",
			t, zone);
		return LOG_WARNING;
	case EV_MANUAL_DUE:
		snprintf(buf, len, "INFO: Manual rollover due for %s of zone %s", t, zone);
		return LOG_INFO;
	case EV_ROLLED:
		/* the trailing space is 1.x's and scripts match it */
		snprintf(buf, len, "INFO: %s has been rolled for %s ", t, zone);
		return LOG_INFO;
	case EV_KSK_READY:
		snprintf(buf, len,
			"WARNING: New KSK has reached the ready state; please submit the "
			"DS for %s and use ods-ksmutil key ds-seen when the DS appears in the DNS.",
			zone);
		return LOG_WARNING;
	case EV_NEW_DS:
		snprintf(buf, len,
			"INFO: New DS records needed for the zone %s; details will follow", zone);
		return LOG_INFO;
	case EV_SHORTAGE:
		snprintf(buf, len,
			"INFO: %ld %ss available in 'generate' state (need %ld) - unable "
			"to promote until more keys generated",
			ev->n, ev->keytype == STORE_KSK ? "ksk" : "zsk", ev->m);
		return LOG_INFO;
	case EV_BACKUP_REFUSED:
		snprintf(buf, len,
			"ERROR: Trying to make non-backed up %s active when RequireBackup "
			"flag is set",
			t);
		return LOG_ERR;
	case EV_BACKUP_WARNING:
		snprintf(buf, len,
			"WARNING: Making non-backed up %s active, PLEASE make sure that you "
			"know the potential problems of using keys which are not recoverable",
			t);
		return LOG_WARNING;
	case EV_ALLOC_SHORT:
	default:
		if (len > 0)
			buf[0] = '\0';
		return LOG_INFO;
	}
}
