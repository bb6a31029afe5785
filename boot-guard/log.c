// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * log.c - one message per decision, to the journal or to stderr.
 *
 * Rollback, disable and safe mode are logged at warning priority or
 * higher with their evidence: whoever can crash a machine at will could
 * otherwise use the guard to switch a security sensor off unnoticed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "log.h"

static bool journal_available(void)
{
	return access("/run/systemd/journal/socket", W_OK) == 0;
}

void bg_log(int priority, const char *msgid, const char *fmt, ...)
{
	static const char *const names[] = { "emerg", "alert", "crit", "error",
					     "warning", "notice", "info", "debug" };
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (journal_available() &&
	    sd_journal_send("MESSAGE=%s", text, "PRIORITY=%d", priority,
			    "MESSAGE_ID=%s", msgid ? msgid : "",
			    "SYSLOG_IDENTIFIER=%s", program_invocation_short_name, NULL) >= 0)
		return;
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, names[priority & 7], text);
}

void bg_log_decision(const struct bg_decision *d)
{
	static const struct {
		int prio;
		const char *id;
	} how[BG_ACT__COUNT] = {
		[BG_ACT_NONE] = { LOG_INFO, NULL },
		[BG_ACT_COUNT] = { LOG_WARNING, BG_MSGID_FAILED_BOOT },
		[BG_ACT_ROLLBACK] = { LOG_WARNING, BG_MSGID_ROLLBACK },
		[BG_ACT_DISABLE] = { LOG_ERR, BG_MSGID_DISABLE },
		[BG_ACT_SAFE_MODE] = { LOG_CRIT, BG_MSGID_SAFE_MODE },
		[BG_ACT_ENABLE] = { LOG_NOTICE, BG_MSGID_ENABLE },
		[BG_ACT_PIN] = { LOG_NOTICE, BG_MSGID_PIN },
		[BG_ACT_RESET] = { LOG_NOTICE, BG_MSGID_RESET },
		[BG_ACT_PROMOTE] = { LOG_INFO, BG_MSGID_PROMOTE },
	};
	unsigned int a = (unsigned int)d->action < BG_ACT__COUNT ? d->action : BG_ACT_NONE;

	if (d->extension[0])
		bg_log(how[a].prio, how[a].id, "boot %llu: %s %s (%llu -> %llu): %s",
		       (unsigned long long)d->boot_id, bg_action_name(d->action),
		       d->extension, (unsigned long long)d->from_version,
		       (unsigned long long)d->to_version, d->reason);
	else
		bg_log(how[a].prio, how[a].id, "boot %llu: %s: %s",
		       (unsigned long long)d->boot_id, bg_action_name(d->action),
		       d->reason);
}
