// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * log.c - one message per decision, to the journal or to stderr.
 *
 * Rollback, disable and safe mode are logged at warning priority or
 * higher with their evidence: whoever can crash a machine at will could
 * otherwise use the guard to switch a security sensor off unnoticed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"

/*
 * libsystemd is optional at run time: it is opened on first use, and
 * only where systemd is there to talk to (its journal socket, or
 * NOTIFY_SOCKET).  Busybox initramfs, rescue shells and the VM tests run
 * without it, and a short-lived tool does not pay for loading it.
 */
static struct {
	bool tried;
	void *lib;
	int (*journal_send)(const char *format, ...);
	int (*notify)(int unset_environment, const char *state);
} sd;

static bool libsystemd(void)
{
	if (!sd.tried) {
		sd.tried = true;
		sd.lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
		if (sd.lib) {
			*(void **)&sd.journal_send = dlsym(sd.lib, "sd_journal_send");
			*(void **)&sd.notify = dlsym(sd.lib, "sd_notify");
		}
	}
	return sd.lib;
}

/*
 * Whether stderr already goes to the journal: systemd sets JOURNAL_STREAM
 * to the device and inode of the stream it connects a service's stderr to
 * (systemd.exec(5)).  An operator's bulkheadctl in a terminal, or a
 * script's, writes to stderr too, or its errors reach only the journal.
 */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

static bool journal_available(void)
{
	return access("/run/systemd/journal/socket", W_OK) == 0 && libsystemd() &&
	       sd.journal_send;
}

/**
 * bg_notify() - tell systemd how the service is doing (sd_notify(3))
 * @fmt: "STATUS=...", "READY=1\nSTATUS=...", printf-style
 *
 * Does nothing when not started by systemd with a notify socket.
 */
void bg_notify(const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	if (!getenv("NOTIFY_SOCKET") || !libsystemd() || !sd.notify)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sd.notify(0, text);
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
	    sd.journal_send("MESSAGE=%s", text, "PRIORITY=%d", priority,
			    "MESSAGE_ID=%s", msgid ? msgid : "",
			    "SYSLOG_IDENTIFIER=%s", program_invocation_short_name, NULL) >= 0 &&
	    stderr_is_journal())
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
