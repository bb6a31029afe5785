// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * guard.c - the guard's commands: the boot lifecycle and the operator's
 * view and steering of the state store.
 *
 * Every command that changes state takes the directory's lock, loads,
 * computes the new state with policy.c, saves it crash-safely and only
 * then acts on it (writes the loader's decision, logs).  "boot" persists
 * its decision before anything risky runs: if this boot dies while the
 * loader works, the next one still knows what was tried.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "content_json.h"
#include "evidence.h"
#include "guard.h"
#include "log.h"
#include "metrics.h"

static int lock_state(const struct bg_env *env, int *ret_fd)
{
	struct bulkhead_msg msg;
	int err;

	err = bg_state_lock(env->state_dir, ret_fd, &msg);
	if (err)
		bg_log(LOG_ERR, NULL, "%s", msg.text);
	return err;
}

/*
 * Boot numbers restart at 1 with a fresh state: lines of the old journal
 * would then name the new boots.  Keep it for people, out of the way.
 */
static void rotate_journal(const struct bg_env *env)
{
	_cleanup_free_ char *journal = NULL, *old = NULL;

	if (asprintf(&journal, "%s/loader.journal", env->state_dir) < 0 ||
	    asprintf(&old, "%s/loader.journal.lost", env->state_dir) < 0)
		return;
	if (rename(journal, old) < 0 && errno != ENOENT)
		bg_log(LOG_ERR, NULL, "journal %s: cannot move it aside after the state was lost: %s",
		       journal, strerror(errno));
}

/*
 * Load for an update.  Both copies unusable: say so loudly and start
 * afresh with the loss on record, rather than refuse to boot.
 */
static int load_state(const struct bg_env *env, struct bg_state *st, bool for_update)
{
	enum bg_load_source src;
	struct bulkhead_msg msg = { "" };
	int err;

	err = bg_state_load(env->state_dir, st, &src, &msg);
	if (!err) {
		if (src == BG_LOADED_PREVIOUS)
			bg_log(LOG_WARNING, BG_MSGID_STATE_RECOVERED,
			       "state %s: using the previous copy: %s", env->state_dir, msg.text);
		return 0;
	}
	/* only damage starts afresh: an I/O or memory error is not a lost state */
	if (!for_update || err != -EBADMSG) {
		bg_log(LOG_ERR, BG_MSGID_STATE_LOST, "state %s: unreadable: %s",
		       env->state_dir, msg.text);
		return err;
	}
	bg_log(LOG_CRIT, BG_MSGID_STATE_LOST,
	       "state %s: both copies damaged, starting afresh: %s", env->state_dir,
	       msg.text);
	rotate_journal(env);
	memset(st, 0, sizeof(*st));
	st->next_boot_id = 1;
	bg_state_decide(st, 0, bg_now(), BG_ACT_RESET, "", 0, 0,
			"state lost: both copies damaged; failure counts restart");
	return 0;
}

static int save_state(const struct bg_env *env, const struct bg_state *st)
{
	struct bulkhead_msg msg;
	int err;

	err = bg_state_save(env->state_dir, st, &bg_real_fsops, &msg);
	if (err)
		bg_log(LOG_ERR, NULL, "%s", msg.text);
	return err;
}

static void log_new_decisions(const struct bg_state *before, const struct bg_state *after)
{
	uint32_t i, skip = 0;

	/* the log may have dropped old entries: match on the last one we had */
	if (before->nr_decisions) {
		const struct bg_decision *last = &before->decisions[before->nr_decisions - 1];

		for (i = after->nr_decisions; i > 0; i--) {
			if (!memcmp(&after->decisions[i - 1], last, sizeof(*last))) {
				skip = i;
				break;
			}
		}
	}
	for (i = skip; i < after->nr_decisions; i++)
		bg_log_decision(&after->decisions[i]);
}

static const struct bg_guard_config default_guard_config = {
	.panic_timeout = 10,
	.panic_on_oops = true,
};

/*
 * A bad guard.conf must never turn healthy boots into failed ones: every
 * command runs on the defaults, says so at critical level, and status
 * shows the machine degraded until the file is fixed.
 */
static int load_config(const struct bg_env *env, struct bg_guard_config *cfg)
{
	struct bulkhead_msg msg;
	int err;

	err = bg_config_load(env->config, cfg, &msg);
	if (err) {
		bg_log(LOG_CRIT, BG_MSGID_CONFIG_BAD, "%s; using the defaults", msg.text);
		*cfg = default_guard_config;
		cfg->policy = bg_default_config;
	}
	return err;
}

/*
 * The metrics for node_exporter (docs/guard.md, "Metrics"), from the
 * state just saved, under the state lock.  They describe and never
 * decide: a failure is logged, and changes neither what was decided nor
 * the exit code.  Without node_exporter (no directory) that is said
 * quietly.
 */
static void write_metrics(const struct bg_env *env, const struct bg_guard_config *cfg,
			  const struct bg_state *st)
{
	const char *dir = cfg->metrics_dir_set ? cfg->metrics_dir : env->metrics_dir;
	struct bulkhead_msg msg;
	int err;

	err = bg_metrics_write(dir, st, &bg_real_fsops, &msg);
	if (err == -ENOENT)
		bg_log(LOG_INFO, NULL, "%s", msg.text);
	else if (err)
		bg_log(LOG_WARNING, NULL, "%s; the state is saved, its metrics are stale", msg.text);
}

/* @c from /proc/cmdline; @log: say what was skipped (boot does, once) */
static void read_cmdline(const struct bg_env *env, struct bg_cmdline *c, bool log)
{
	_cleanup_free_ uint8_t *buf = NULL;
	struct bulkhead_msg msg;
	size_t len;
	uint32_t i;

	memset(c, 0, sizeof(*c));
	/* /proc/cmdline has no size: read it to its end */
	if (bulkhead_read_pseudo_file(env->cmdline, 64 * 1024, &buf, &len, &msg)) {
		if (log)
			bg_log(LOG_WARNING, NULL, "kernel command line %s: no overrides this boot",
			       msg.text);
		return;
	}
	/* a bad value or name costs only itself: the rest of the line applies */
	bg_cmdline_parse((char *)buf, c);
	for (i = 0; log && i < c->nr_warnings && i < BG_CMDLINE_MAX_WARNINGS; i++)
		bg_log(LOG_WARNING, NULL, "%s", c->warnings[i].text);
	if (log && c->nr_warnings > BG_CMDLINE_MAX_WARNINGS)
		bg_log(LOG_WARNING, NULL, "kernel command line: %u more warnings not shown",
		       c->nr_warnings - BG_CMDLINE_MAX_WARNINGS);
}

/*
 * The loader's instructions for this boot: safe mode, what not to load,
 * which content version to push.  Kernel command line overrides apply
 * here, for this boot only, and never reach the stored state.
 */
static int write_boot_decision(const struct bg_env *env, const struct bg_state *st,
			       const struct bg_cmdline *cl)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_free_ char *path = NULL, *text = NULL;
	struct json_object *dis = json_object_new_array();
	struct json_object *content = json_object_new_array();
	struct json_object *floors = json_object_new_array();
	struct bulkhead_msg msg;
	char kbid[BG_BOOT_ID_LEN];
	uint32_t i;
	int err;

	if (!o || !dis || !content || !floors ||
	    asprintf(&path, "%s/boot.json", env->state_dir) < 0)
		goto err_nomem;
	for (i = 0; i < st->nr_ext; i++) {
		const struct bg_ext *e = &st->ext[i];
		struct json_object *c;

		/* the anti-rollback floor, whatever else is decided for it */
		if (e->floor) {
			c = json_object_new_object();
			if (!c)
				goto err_nomem;
			json_object_object_add(c, "extension", json_object_new_string(e->name));
			json_object_object_add(c, "floor", json_object_new_uint64(e->floor));
			json_object_array_add(floors, c);
		}
		if (e->status == BG_EXT_DISABLED) {
			json_object_array_add(dis, json_object_new_string(e->name));
			continue;
		}
		if (!e->chosen)
			continue;
		c = json_object_new_object();
		if (!c)
			goto err_nomem;
		json_object_object_add(c, "extension", json_object_new_string(e->name));
		json_object_object_add(c, "version", json_object_new_uint64(e->chosen));
		json_object_array_add(content, c);
	}
	for (i = 0; i < cl->nr_disable; i++)
		json_object_array_add(dis, json_object_new_string(cl->disable[i]));
	json_object_object_add(o, "format", json_object_new_int(1));
	json_object_object_add(o, "boot_id", json_object_new_uint64(st->current_boot));
	/* the loader's proof that this decision was made in this kernel boot */
	if (!bg_kernel_boot_id(env, kbid))
		json_object_object_add(o, "kernel_boot_id", json_object_new_string(kbid));
	json_object_object_add(o, "safe_mode", json_object_new_boolean(st->safe_mode || cl->safe_mode));
	/* only when the shim itself is to blame: a loader of before reads no such key */
	if (st->no_shim)
		json_object_object_add(o, "load_shim", json_object_new_boolean(false));
	json_object_object_add(o, "disable", dis);
	dis = NULL;
	json_object_object_add(o, "content", content);
	content = NULL;
	json_object_object_add(o, "floors", floors);
	floors = NULL;
	if (asprintf(&text, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY)) < 0) {
		text = NULL;
		goto err_nomem;
	}
	err = bulkhead_write_file_atomic(path, text, strlen(text), 0644, &msg);
	if (err)
		bg_log(LOG_ERR, NULL, "%s", msg.text);
	return err;

err_nomem:
	json_object_put(dis);
	json_object_put(content);
	json_object_put(floors);
	bg_log(LOG_ERR, NULL, "boot decision: out of memory");
	return -ENOMEM;
}

/*
 * @path, a file of @dir in /run for another part of the system (modprobe,
 * systemd-sysctl), replaced whole; @dir is created if need be.  A failure
 * is logged once at @prio, naming the file and what it costs (@costs).
 */
static int write_run_file(const char *dir, const char *path, const char *text, size_t len,
			  int prio, const char *msgid, const char *costs)
{
	struct bulkhead_msg msg;
	int err;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		err = -errno;
		bg_log(prio, msgid, "%s: cannot create: %s; %s", dir, strerror(-err), costs);
		return err;
	}
	err = bulkhead_write_file_atomic(path, text, len, 0644, &msg);
	if (err)
		bg_log(prio, msgid, "%s; %s", msg.text, costs);
	return err;
}

/*
 * Nothing loads around the guard: every extension that must not run this
 * boot (disabled, all of them in safe mode, the shim too when it is to
 * blame, and the command line's names) is blacklisted for modprobe and
 * its install command made to fail, by its extension and its module name,
 * in /run/modprobe.d, before udev, a vendor's own service or an initramfs
 * hook can load it.  Nothing to keep out: no file.
 */
static int write_modprobe(const struct bg_env *env, const struct bg_state *st,
			  const struct bg_cmdline *cl)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t size = 0;
	FILE *f;
	uint32_t i;
	bool any = false;
	int err;

	if (asprintf(&path, "%s/bulkhead.conf", env->modprobe_dir) < 0)
		return -ENOMEM;
	f = open_memstream(&text, &size);
	if (!f)
		return -ENOMEM;
	fprintf(f, "# Written by bulkhead-guard for boot %llu: what the boot guard keeps out\n"
		"# (docs/guard.md); rewritten at every boot and operator change.\n",
		(unsigned long long)st->current_boot);
#define KEEP_OUT(n) do { \
		fprintf(f, "blacklist %s\ninstall %s /bin/false\n", (n), (n)); \
		any = true; \
	} while (0)
	for (i = 0; i < st->nr_ext; i++) {
		const struct bg_ext *e = &st->ext[i];

		if (e->status != BG_EXT_DISABLED && !st->safe_mode)
			continue;
		KEEP_OUT(e->name);
		if (e->module[0] && strcmp(e->module, e->name))
			KEEP_OUT(e->module);
	}
	for (i = 0; cl && i < cl->nr_disable; i++)
		KEEP_OUT(cl->disable[i]);
	if (st->no_shim)
		KEEP_OUT("bulkhead");
#undef KEEP_OUT
	if (fclose(f) != 0)
		return -ENOMEM;
	if (!any) {
		if (unlink(path) < 0 && errno != ENOENT) {
			err = -errno;
			bg_log(LOG_ERR, NULL, "%s: cannot remove: %s", path, strerror(-err));
			return err;
		}
		return 0;
	}
	return write_run_file(env->modprobe_dir, path, text, size, LOG_ERR, NULL,
			      "modprobe may load what the guard keeps out");
}

static int write_sysctl(const struct bg_env *env, const char *name, int value)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	char text[16];
	int n, err;

	if (asprintf(&path, "%s/%s", env->proc_sys_kernel, name) < 0)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	n = snprintf(text, sizeof(text), "%d\n", value);
	if (fd < 0 || write(fd, text, (size_t)n) != n) {
		err = -errno;
		bg_log(LOG_WARNING, BG_MSGID_NO_REBOOT, "%s: cannot set to %d: %s", path, value,
		       strerror(-err));
		return err;
	}
	return 0;
}

/*
 * The kernel values the guard just set, for systemd-sysctl: under systemd
 * it runs after the guard (it is ordered after systemd-modules-load, the
 * guard before) and would put back whatever /etc/sysctl.d says, the
 * package's 90-bulkhead.conf included.  Named to sort after that file, so
 * that guard.conf decides; an operator's /etc/sysctl.conf (99-sysctl.conf)
 * still comes last.
 */
static int write_sysctl_dropin(const struct bg_env *env, const struct bg_guard_config *cfg)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	char costs[64];
	int n;

	if (asprintf(&path, "%s/99-bulkhead-guard.conf", env->sysctl_dir) < 0)
		return -ENOMEM;
	n = asprintf(&text, "# Written by bulkhead-guard at boot from %s ([kernel]);\n"
		     "# systemd-sysctl applies it after /etc/sysctl.d/90-bulkhead.conf.\n"
		     "kernel.panic = %d\nkernel.panic_on_oops = %d\n",
		     env->config, cfg->panic_timeout, cfg->panic_on_oops ? 1 : 0);
	if (n < 0) {
		text = NULL;
		return -ENOMEM;
	}
	snprintf(costs, sizeof(costs), "systemd-sysctl may undo kernel.panic = %d", cfg->panic_timeout);
	return write_run_file(env->sysctl_dir, path, text, (size_t)n, LOG_WARNING,
			      BG_MSGID_NO_REBOOT, costs);
}

static int read_sysctl(const struct bg_env *env, const char *name, int *ret)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;

	if (asprintf(&path, "%s/%s", env->proc_sys_kernel, name) < 0 ||
	    bulkhead_read_pseudo_file(path, 64, &buf, &len, NULL) || !len)
		return -ENOENT;
	*ret = atoi((char *)buf);
	return 0;
}

/**
 * bg_cmd_boot() - early boot: judge the last boot, decide, persist
 * @env: paths
 *
 * Return: an exit code.
 */
int bg_cmd_boot(const struct bg_env *env)
{
	_cleanup_free_ struct bg_state *in = calloc(1, sizeof(*in));
	_cleanup_free_ struct bg_state *out = calloc(1, sizeof(*out));
	_cleanup_free_ char *journal = NULL, *archive = NULL;
	_cleanup_close_ int lock = -1;
	struct bg_guard_config cfg;
	struct bg_evidence ev = {};
	const struct bg_boot *prev;
	struct bg_cmdline cl;
	struct bg_sources src;
	struct bulkhead_msg msg;
	bool gathered = false;
	int err;

	if (!in || !out || asprintf(&journal, "%s/loader.journal", env->state_dir) < 0 ||
	    asprintf(&archive, "%s/pstore", env->state_dir) < 0)
		return BG_EXIT_FAILED;
	load_config(env, &cfg);
	/* a crash must turn into a reboot, or there is no loop to count */
	if (cfg.panic_timeout > 0) {
		write_sysctl(env, "panic", cfg.panic_timeout);
		write_sysctl(env, "panic_on_oops", cfg.panic_on_oops);
		write_sysctl_dropin(env, &cfg);
	}
	if (lock_state(env, &lock) || load_state(env, in, true))
		return BG_EXIT_FAILED;
	if (in->current_boot) {
		src = (struct bg_sources){ .pstore_dir = env->pstore_dir,
					   .watchdog_dir = env->watchdog_dir,
					   .journal_path = journal,
					   .archive_dir = archive };
		msg.text[0] = '\0';
		err = bg_evidence_gather(&src, in->current_boot, &ev, &msg);
		/* on success msg may still list what could not be archived */
		if (err || msg.text[0])
			bg_log(LOG_WARNING, NULL, "evidence: %s", msg.text);
		gathered = !err;
	}
	bg_policy_boot(in, &ev, &cfg.policy, bg_now(), bg_uptime(), out);
	/* which kernel boot this is: good and shutdown must be this boot's */
	bg_kernel_boot_id(env, bg_state_boot(out, out->current_boot)->kernel_id);
	/* a failed save keeps the evidence in pstore for the next attempt */
	if (save_state(env, out))
		return BG_EXIT_FAILED;
	if (gathered) {
		/* the decision that used it is saved: pstore may let it go */
		if (bg_evidence_erase(&src, in->current_boot, &msg) || msg.text[0])
			bg_log(LOG_WARNING, NULL, "evidence: %s", msg.text);
		if (ev.warning[0])
			bg_log(LOG_NOTICE, NULL, "boot %llu: a warning, not counted as the culprit: %s",
			       (unsigned long long)in->current_boot, ev.warning);
	}
	prev = in->current_boot ? bg_state_boot(out, in->current_boot) : NULL;
	bg_log(LOG_INFO, BG_MSGID_BOOT, "boot %llu started; previous boot %llu %s (evidence: %s%s%s); consecutive failures %u",
	       (unsigned long long)out->current_boot,
	       (unsigned long long)in->current_boot,
	       prev ? bg_boot_end_name(prev->end) : "none",
	       bg_evidence_kind_name(ev.kind), ev.extension[0] ? " " : "", ev.extension,
	       out->consecutive_failures);
	log_new_decisions(in, out);
	read_cmdline(env, &cl, true);
	if (cl.safe_mode || cl.nr_disable)
		bg_log(LOG_WARNING, cl.safe_mode ? BG_MSGID_SAFE_MODE : BG_MSGID_DISABLE,
		       "kernel command line overrides for boot %llu:%s%s%s",
		       (unsigned long long)out->current_boot, cl.safe_mode ? " safe mode" : "",
		       cl.nr_disable ? " disable " : "", cl.nr_disable ? cl.disable[0] : "");
	if (write_boot_decision(env, out, &cl)) {
		write_metrics(env, &cfg, out);
		return BG_EXIT_FAILED;
	}
	write_modprobe(env, out, &cl);
	/* last: what this boot needs comes first */
	write_metrics(env, &cfg, out);
	return BG_EXIT_OK;
}

/*
 * "good" and "shutdown" speak of the boot in progress, which must be the
 * one the guard started in this kernel boot: when "bulkhead-guard boot"
 * did not run (or failed) in this one, the boot in the state is an
 * earlier boot that never ended well, and marking it good or shut down
 * would hide its failure.  Unknown ids (an older state, no /proc) pass.
 */
static bool this_kernel_boot(const struct bg_env *env, const struct bg_state *st,
			     const char *what)
{
	const struct bg_boot *b = st->current_boot ?
				  bg_state_boot((struct bg_state *)st, st->current_boot) : NULL;
	char kbid[BG_BOOT_ID_LEN];

	if (!b || !b->kernel_id[0] || bg_kernel_boot_id(env, kbid) || !strcmp(kbid, b->kernel_id))
		return true;
	bg_log(LOG_ERR, NULL, "state %s: boot %llu was started in kernel boot %s, this is %s: 'bulkhead-guard boot' did not run in this one; boot %llu is not marked %s",
	       env->state_dir, (unsigned long long)b->id, b->kernel_id, kbid,
	       (unsigned long long)b->id, what);
	return false;
}

/*
 * Load, change with @fn, save; @this_boot: only for the boot started in
 * this kernel boot (what it is marked, for the message); @after: acted on
 * once the new state is saved, with it, still under the lock.
 */
static int simple_update(const struct bg_env *env,
			 void (*fn)(const struct bg_state *in, const struct bg_config *cfg,
				    int64_t now, struct bg_state *out, void *arg),
			 void *arg, const char *this_boot,
			 void (*after)(const struct bg_env *env, const struct bg_state *st,
				       void *arg))
{
	_cleanup_free_ struct bg_state *in = calloc(1, sizeof(*in));
	_cleanup_free_ struct bg_state *out = calloc(1, sizeof(*out));
	_cleanup_close_ int lock = -1;
	struct bg_guard_config cfg;

	if (!in || !out)
		return BG_EXIT_FAILED;
	load_config(env, &cfg);
	if (lock_state(env, &lock) || load_state(env, in, true))
		return BG_EXIT_FAILED;
	if (this_boot && !this_kernel_boot(env, in, this_boot))
		return BG_EXIT_FAILED;
	fn(in, &cfg.policy, bg_now(), out, arg);
	if (save_state(env, out))
		return BG_EXIT_FAILED;
	log_new_decisions(in, out);
	if (after)
		after(env, out, arg);
	write_metrics(env, &cfg, out);
	return BG_EXIT_OK;
}

static void do_good(const struct bg_state *in, const struct bg_config *cfg, int64_t now,
		    struct bg_state *out, void *arg)
{
	(void)arg;
	bg_policy_good(in, cfg, now, bg_uptime(), out);
	bg_log(LOG_INFO, BG_MSGID_GOOD, "boot %llu is good; consecutive failures reset from %u",
	       (unsigned long long)out->current_boot, in->consecutive_failures);
}

static void do_shutdown(const struct bg_state *in, const struct bg_config *cfg,
			int64_t now, struct bg_state *out, void *arg)
{
	(void)cfg;
	(void)arg;
	bg_policy_shutdown(in, now, bg_uptime(), out);
	bg_log(LOG_INFO, BG_MSGID_SHUTDOWN, "boot %llu shutting down cleanly",
	       (unsigned long long)out->current_boot);
}

/*
 * After "good": content that became last-known-good raised its floor in
 * the state; raise the shim's too, so that this boot already refuses
 * anything older.  The shim keeps a floor that is higher.  A shim that is
 * not loaded gets the floors from the loader at the next boot.
 */
static void raise_shim_floors(const struct bg_env *env, const struct bg_state *st, void *arg)
{
	_cleanup_free_ char *path = NULL;
	char line[BH_NAME_LEN + 32];
	uint32_t i;
	int err;

	(void)arg;
	if (asprintf(&path, "%s/floors", env->securityfs_dir) < 0 || access(path, F_OK))
		return;
	for (i = 0; i < st->nr_ext; i++) {
		if (!st->ext[i].floor)
			continue;
		snprintf(line, sizeof(line), "%s %llu", st->ext[i].name,
			 (unsigned long long)st->ext[i].floor);
		err = bulkhead_write_pseudo_file(path, line);
		/* EPERM: the shim's floor is higher already, which is fine */
		if (err && err != -EPERM)
			bg_log(LOG_WARNING, NULL, "%s: cannot raise the floor of %s to %llu: %s",
			       path, st->ext[i].name, (unsigned long long)st->ext[i].floor,
			       strerror(-err));
	}
}

int bg_cmd_good(const struct bg_env *env)
{
	return simple_update(env, do_good, NULL, "good", raise_shim_floors);
}

int bg_cmd_shutdown(const struct bg_env *env)
{
	return simple_update(env, do_shutdown, NULL, "shut down", NULL);
}

struct steer {
	const char *ext;
	bool enable;
	uint64_t version;
	int result;
};

static void do_enable(const struct bg_state *in, const struct bg_config *cfg, int64_t now,
		      struct bg_state *out, void *arg)
{
	struct steer *s = arg;

	(void)cfg;
	s->result = bg_policy_enable(in, s->ext, s->enable, now, out);
}

static void do_pin(const struct bg_state *in, const struct bg_config *cfg, int64_t now,
		   struct bg_state *out, void *arg)
{
	struct steer *s = arg;

	(void)cfg;
	s->result = bg_policy_pin(in, s->ext, s->version, now, out);
}

static void do_reset(const struct bg_state *in, const struct bg_config *cfg, int64_t now,
		     struct bg_state *out, void *arg)
{
	(void)cfg;
	(void)arg;
	bg_policy_reset(in, now, out);
}

/*
 * The shim's disable list (its module notifier vetoes what is on it) with
 * @names added or taken off.  -ENOENT: the shim is not loaded, and the
 * loader hands it the list when it loads it.
 */
static int shim_disable_list(const struct bg_env *env, const char *const *names,
			     bool add, struct bulkhead_msg *msg)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_free_ uint8_t *old = NULL;
	char *tok, *save = NULL;
	size_t len, n = 0, cap;
	uint32_t i;
	int err;

	if (asprintf(&path, "%s/disable", env->securityfs_dir) < 0)
		return -ENOMEM;
	err = bulkhead_read_pseudo_file(path, 4096, &old, &len, NULL);
	if (err)
		return err;
	cap = len + 2 * (BH_NAME_LEN + 2) + 2;
	text = calloc(1, cap);
	if (!text)
		return -ENOMEM;
	for (tok = strtok_r((char *)old, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save)) {
		bool named = false;

		for (i = 0; names[i]; i++)
			named |= bh_name_eq(tok, names[i]);
		if (!named)
			n += (size_t)snprintf(text + n, cap - n, "%s%s", n ? "," : "", tok);
	}
	for (i = 0; add && names[i]; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s%s", n ? "," : "", names[i]);
	err = bulkhead_write_pseudo_file(path, n ? text : "\n");
	if (err)
		bulkhead_msg_set(msg, "%s: cannot set '%s': %s", path, text, strerror(-err));
	return err;
}

/* after an operator's change: the modprobe.d file from the saved state */
static void refresh_modprobe(const struct bg_env *env, const struct bg_state *st, void *arg)
{
	struct bg_cmdline cl;

	(void)arg;
	/* the overrides of this boot stay kept out (quietly: boot logged them) */
	read_cmdline(env, &cl, false);
	write_modprobe(env, st, &cl);
}

/*
 * An operator's disable or enable takes effect at once, not only at the
 * next boot: the shim's kill switch for the running extension, its
 * disable list for a module loaded later, and /run/modprobe.d.  The state
 * (saved before this) keeps it for the boots to come.
 */
static void apply_now(const struct bg_env *env, const struct bg_state *st, void *arg)
{
	const struct steer *s = arg;
	const char *ext = s->ext;
	bool enable = s->enable;
	_cleanup_free_ char *state_path = NULL;
	const char *names[3] = { ext, NULL, NULL };
	const struct bg_ext *e;
	struct bulkhead_msg msg = { "" };
	int err, kerr;

	if (s->result ||
	    asprintf(&state_path, "%s/extensions/%s/state", env->securityfs_dir, ext) < 0)
		return;
	e = bg_state_ext((struct bg_state *)st, ext, false);
	if (e && e->module[0] && !bh_name_eq(e->module, ext))
		names[1] = e->module;
	refresh_modprobe(env, st, NULL);

	err = shim_disable_list(env, names, !enable, &msg);
	if (err && err != -ENOENT)
		bg_log(LOG_ERR, NULL, "%s", msg.text);
	kerr = bulkhead_write_pseudo_file(state_path, enable ? "enable" : "disable");
	if (!kerr)
		bg_log(LOG_NOTICE, NULL, "%s: %s now through the shim's kill switch, and for the boots to come",
		       ext, enable ? "enabled" : "disabled");
	else if (kerr == -ENOENT && !enable)
		bg_log(LOG_NOTICE, NULL, "%s: not running now; kept out from now on%s", ext,
		       err ? "" : " (on the shim's disable list)");
	else if (kerr == -ENOENT)
		bg_log(LOG_NOTICE, NULL, "%s: not running now; it loads at the next boot (or bulkhead-load)",
		       ext);
	else if (kerr == -EIO && enable)
		bg_log(LOG_WARNING, NULL, "%s: %s: the shim has it faulted; it stays stopped until the shim is reloaded (next boot)",
		       ext, state_path);
	else
		bg_log(LOG_ERR, NULL, "%s: %s: the kill switch refused: %s; the state takes effect at the next boot",
		       ext, state_path, strerror(-kerr));
}

int bg_cmd_enable(const struct bg_env *env, const char *ext, bool enable)
{
	struct steer s = { .ext = ext, .enable = enable };
	int r;

	if (!bh_name_valid(ext)) {
		fprintf(stderr, "bulkheadctl: extension name '%s' is not valid\n", ext);
		return BG_EXIT_USAGE;
	}
	r = simple_update(env, do_enable, &s, NULL, apply_now);
	if (!r && s.result) {
		fprintf(stderr, "bulkheadctl: state %s: no room for extension '%s'\n",
			env->state_dir, ext);
		return BG_EXIT_FAILED;
	}
	return r;
}

int bg_cmd_pin(const struct bg_env *env, const char *ext, const char *version)
{
	struct steer s = { .ext = ext };
	char *end;

	if (!bh_name_valid(ext)) {
		fprintf(stderr, "bulkheadctl: extension name '%s' is not valid\n", ext);
		return BG_EXIT_USAGE;
	}
	errno = 0;
	s.version = strtoull(version, &end, 10);
	if (errno || *end || *version < '0' || *version > '9') {
		fprintf(stderr, "bulkheadctl: pin %s: version '%s' is not an unsigned integer (0 unpins)\n",
			ext, version);
		return BG_EXIT_USAGE;
	}
	return simple_update(env, do_pin, &s, NULL, NULL);
}

int bg_cmd_reset(const struct bg_env *env)
{
	return simple_update(env, do_reset, NULL, NULL, refresh_modprobe);
}

/**
 * bg_refresh_metrics() - rewrite the metrics from the saved state
 * @env: paths
 *
 * For a command outside the guard that changed the state (content
 * staging), after it released the state lock: under the lock again, so
 * that whoever writes last writes the newest state.  guard.conf is read
 * quietly (the guard's own commands say when it is bad, and the defaults
 * apply then); what goes wrong with the metrics is logged, and the
 * command's outcome stands.
 */
void bg_refresh_metrics(const struct bg_env *env)
{
	_cleanup_free_ struct bg_state *st = calloc(1, sizeof(*st));
	_cleanup_close_ int lock = -1;
	struct bg_guard_config cfg;

	if (bg_config_load(env->config, &cfg, NULL)) {
		cfg = default_guard_config;
		cfg.policy = bg_default_config;
	}
	if (!st || lock_state(env, &lock) || load_state(env, st, false))
		return;
	write_metrics(env, &cfg, st);
}

/* ---- status -------------------------------------------------------------- */

struct health {
	int panic_timeout;
	int panic_on_oops;
	bool watchdog_armed;
	bool degraded;
	struct json_object *reasons;
	struct json_object *command_line;
};

static bool watchdog_armed(const struct bg_env *env)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;

	if (asprintf(&path, "%s/watchdog0/state", env->watchdog_dir) < 0 ||
	    bulkhead_read_pseudo_file(path, 64, &buf, &len, NULL))
		return false;
	return len >= 6 && !memcmp(buf, "active", 6);
}

static void add_reason(void *arg, const char *reason)
{
	json_object_array_add(arg, json_object_new_string(reason));
}

/*
 * What the kernel command line holds back in this boot: never stored, so
 * bg_policy_health() cannot know it, yet the machine runs without it.
 */
static void cmdline_health(const struct bg_env *env, struct health *h)
{
	_cleanup_free_ struct bg_cmdline *cl = calloc(1, sizeof(*cl));
	struct json_object *names = json_object_new_array();
	char text[BH_NAME_LEN + 80];
	uint32_t i;

	h->command_line = json_object_new_object();
	if (!cl)
		goto out;
	read_cmdline(env, cl, false);
	if (cl->safe_mode) {
		add_reason(h->reasons, "safe mode for this boot: bulkhead.safe_mode on the kernel command line");
		h->degraded = true;
	}
	for (i = 0; i < cl->nr_disable; i++) {
		snprintf(text, sizeof(text), "%s held back for this boot: bulkhead.disable on the kernel command line",
			 cl->disable[i]);
		add_reason(h->reasons, text);
		json_object_array_add(names, json_object_new_string(cl->disable[i]));
		h->degraded = true;
	}
out:
	json_object_object_add(h->command_line, "safe_mode",
			       json_object_new_boolean(cl && cl->safe_mode));
	json_object_object_add(h->command_line, "disable", names);
}

static void health_check(const struct bg_env *env, const struct bg_state *st,
			 struct health *h)
{
	struct bg_guard_config cfg;
	struct bulkhead_msg msg;
	char text[BULKHEAD_MSG_LEN + 32];

	h->reasons = json_object_new_array();
	h->panic_timeout = h->panic_on_oops = -1;
	read_sysctl(env, "panic", &h->panic_timeout);
	read_sysctl(env, "panic_on_oops", &h->panic_on_oops);
	h->watchdog_armed = watchdog_armed(env);
	if (bg_policy_health(st, add_reason, h->reasons))
		h->degraded = true;
	cmdline_health(env, h);
	if (bg_config_load(env->config, &cfg, &msg)) {
		snprintf(text, sizeof(text), "%s; the guard runs on the defaults", msg.text);
		add_reason(h->reasons, text);
		h->degraded = true;
	}
}

static void fmt_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%SZ", &tm))
		snprintf(buf, size, "-");
}

static void print_version(const char *label, uint64_t v)
{
	if (v)
		printf(" %s %llu", label, (unsigned long long)v);
	else
		printf(" %s -", label);
}

static void print_decision(const struct bg_decision *d)
{
	char when[32];

	fmt_time(d->at, when, sizeof(when));
	printf("  %s boot %llu %-9s %s%s%s\n", when, (unsigned long long)d->boot_id,
	       bg_action_name(d->action), d->extension, d->extension[0] ? ": " : "", d->reason);
}

int bg_cmd_status(const struct bg_env *env, bool json)
{
	_cleanup_free_ struct bg_state *st = calloc(1, sizeof(*st));
	_cleanup_json_ struct json_object *o = NULL;
	struct health h = {};
	const struct bg_boot *cur;
	char when[32];
	uint32_t i;

	if (!st || load_state(env, st, false))
		return BG_EXIT_FAILED;
	health_check(env, st, &h);
	if (json) {
		struct json_object *k = json_object_new_object();

		o = json_object_new_object();
		json_object_object_add(o, "format", json_object_new_int(1));
		json_object_object_add(o, "degraded", json_object_new_boolean(h.degraded));
		json_object_object_add(o, "degraded_reasons", h.reasons);
		json_object_object_add(k, "panic_timeout", json_object_new_int(h.panic_timeout));
		json_object_object_add(k, "panic_on_oops", json_object_new_int(h.panic_on_oops));
		json_object_object_add(k, "watchdog_armed", json_object_new_boolean(h.watchdog_armed));
		json_object_object_add(o, "kernel", k);
		json_object_object_add(o, "command_line", h.command_line);
		json_object_object_add(o, "state", bg_state_json(st));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
		return h.degraded ? BG_EXIT_DEGRADED : BG_EXIT_OK;
	}

	printf("machine: %s\n", h.degraded ? "DEGRADED" : "ok");
	for (i = 0; i < json_object_array_length(h.reasons); i++)
		printf("  %s\n", json_object_get_string(json_object_array_get_idx(h.reasons, i)));
	json_object_put(h.reasons);
	json_object_put(h.command_line);
	cur = st->current_boot ? bg_state_boot(st, st->current_boot) : NULL;
	fmt_time(cur ? cur->started : 0, when, sizeof(when));
	printf("boot: %llu since %s%s; consecutive failures %u (unexplained %u)\n",
	       (unsigned long long)st->current_boot, when,
	       cur && cur->good_at ? ", good" : "", st->consecutive_failures,
	       st->unexplained_failures);
	if (h.panic_timeout <= 0)
		printf("warning: a panic does not reboot (kernel.panic = %d): a crash loop cannot turn\n",
		       h.panic_timeout);
	if (!h.watchdog_armed)
		printf("warning: no watchdog armed: a hang will not reset the machine\n");
	printf("extensions:\n");
	for (i = 0; i < st->nr_ext; i++) {
		const struct bg_ext *e = &st->ext[i];

		printf("  %-20s %-8s", e->name, e->status == BG_EXT_ENABLED ? "enabled" : "DISABLED");
		print_version("active", e->active);
		print_version("lkg", e->lkg);
		/* the floor is the last-known-good unless an operator forced it lower */
		if (e->floor != e->lkg)
			print_version("floor", e->floor);
		print_version("pending", e->pending);
		print_version("pinned", e->pinned);
		if (e->load_result[0])
			printf(" load %s", e->load_result);
		printf("\n");
		if (e->load_error[0])
			printf("  %-20s %s\n", "", e->load_error);
	}
	if (!st->nr_ext)
		printf("  (none)\n");
	printf("recent decisions:\n");
	for (i = st->nr_decisions > 5 ? st->nr_decisions - 5 : 0; i < st->nr_decisions; i++)
		print_decision(&st->decisions[i]);
	return h.degraded ? BG_EXIT_DEGRADED : BG_EXIT_OK;
}

int bg_cmd_history(const struct bg_env *env, bool json)
{
	_cleanup_free_ struct bg_state *st = calloc(1, sizeof(*st));
	_cleanup_json_ struct json_object *o = NULL;
	char start[32];
	uint32_t i;

	if (!st || load_state(env, st, false))
		return BG_EXIT_FAILED;
	if (json) {
		struct json_object *all = bg_state_json(st), *v;

		o = json_object_new_object();
		json_object_object_add(o, "format", json_object_new_int(1));
		if (all && json_object_object_get_ex(all, "boots", &v))
			json_object_object_add(o, "boots", json_object_get(v));
		if (all && json_object_object_get_ex(all, "decisions", &v))
			json_object_object_add(o, "decisions", json_object_get(v));
		json_object_put(all);
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
		return BG_EXIT_OK;
	}
	printf("boots:\n");
	for (i = 0; i < st->nr_boots; i++) {
		const struct bg_boot *b = &st->boots[i];

		fmt_time(b->started, start, sizeof(start));
		printf("  %llu %s %-18s evidence %s%s%s\n", (unsigned long long)b->id, start,
		       bg_boot_end_name(b->end), bg_evidence_kind_name(b->evidence.kind),
		       b->evidence.extension[0] ? " " : "", b->evidence.extension);
		if (b->evidence.detail[0])
			printf("      %s\n", b->evidence.detail);
	}
	printf("decisions:\n");
	for (i = 0; i < st->nr_decisions; i++)
		print_decision(&st->decisions[i]);
	return BG_EXIT_OK;
}
