// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * stage.c - the one way new content enters a machine
 * ("bulkheadctl content stage EXT FILE"):
 *
 *  1. validate in userspace with lib/'s validator and the extension's
 *     schema (from the running shim, else its configured .schema file);
 *     a refusal changes nothing;
 *  2. refuse a version not above the active one, or one that crashed the
 *     machine before (policy.c), unless forced;
 *  3. copy it into the store, fsync, and record it as pending;
 *  4. hand it over: push it to the shim (journalled begin/end), or for a
 *     vendor module point its content link at it; the shim's refusal
 *     keeps the old content and says why; taken, it becomes active and
 *     its probation starts (the guard promotes it to last-known-good);
 *  5. prune the store, keeping active, LKG, pending, pinned and chosen.
 *
 * The whole of it runs under the state lock, so the guard and another
 * operator never see half of it.
 */
#include <errno.h>
#include <string.h>

#include "journal.h"
#include "loader.h"
#include "schema_file.h"
#include "store.h"

static const char shim_origin[] = "the running shim";

static int get_schema(const struct bl_ctx *c, const struct bl_ext_config *ec,
		      struct bulkhead_schema **ret, const char **ret_origin,
		      struct bulkhead_msg *msg)
{
	struct bl_kernel *k = c->kernel;
	_cleanup_free_ char *text = NULL;
	size_t len;
	int err;

	*ret = NULL;
	if (ec->registers) {
		err = k->ops->read(k, ec->name, "schema", &text, &len);
		if (!err) {
			*ret_origin = shim_origin;
			return bulkhead_schema_parse(text, "from the shim", ret, msg);
		}
		if (err != -ENOENT) {
			bulkhead_msg_set(msg, "schema of %s: cannot read it from the shim: %s",
					 ec->name, strerror(-err));
			return err;
		}
	}
	if (ec->schema) {
		*ret_origin = ec->schema;
		return bulkhead_schema_load(ec->schema, ret, msg);
	}
	if (ec->registers) {
		bulkhead_msg_set(msg, "no schema for %s: it is not registered with the shim now and %s sets no schema=",
				 ec->name, ec->origin);
		return -ENOENT;
	}
	return 0;	/* a vendor module's opaque content */
}

/* step 1: what the file is, and whether it is valid */
static int check_file(const struct bl_ctx *c, const struct bl_ext_config *ec,
		      const struct bl_stage_opts *o, const uint8_t *buf, size_t len,
		      uint64_t *ret_version, bool *ret_registered, struct bulkhead_msg *msg)
{
	_cleanup_schema_ struct bulkhead_schema *schema = NULL;
	const char *origin = NULL;
	struct bh_content view;
	struct bh_error e;
	int err;

	err = get_schema(c, ec, &schema, &origin, msg);
	if (err)
		return err;
	/* the shim gave its schema: the extension is registered right now */
	*ret_registered = origin == shim_origin;
	if (!schema) {
		if (!o->version) {
			bulkhead_msg_set(msg, "content %s for %s: no schema to read its version from (vendor content): give --version",
					 o->file, ec->name);
			return -EINVAL;
		}
		*ret_version = o->version;
		return 0;
	}
	/* a signature is the shim's to check, against its sealed keyring */
	if (bh_content_validate(buf, len, &schema->s, BH_VALIDATE_SIG_UNCHECKED, &view, &e)) {
		bulkhead_msg_set(msg, "content %s: refused (%s): %s (schema from %s)", o->file,
				 bh_err_name(e.code), e.msg, origin);
		return -EBADMSG;
	}
	if (!view.content_version) {
		bulkhead_msg_set(msg, "content %s: content version 0 cannot be staged", o->file);
		return -EINVAL;
	}
	if (o->version && o->version != view.content_version) {
		bulkhead_msg_set(msg, "content %s: --version %llu, but the file says %llu",
				 o->file, (unsigned long long)o->version,
				 (unsigned long long)view.content_version);
		return -EINVAL;
	}
	*ret_version = view.content_version;
	return 0;
}

/*
 * Step 4 is a risky step: journal "begin", take it, journal "end".  A step
 * that cannot be journalled is not taken (a crash in it could not be
 * blamed): -EIO with @msg saying why.  Otherwise @step's own result.
 */
static int journalled(const struct bl_ctx *c, const struct bg_state *st, const char *name,
		      uint64_t v, int (*step)(void *arg), void *arg, struct bulkhead_msg *msg)
{
	struct bl_journal j = { .fd = -1 };
	struct bulkhead_msg ignored;
	int err;

	err = bl_journal_open(c->state_dir, st->current_boot, c->fsops, &j, msg);
	if (!err)
		err = bl_journal_step(&j, true, BL_JOURNAL_PUSH, name, v, msg);
	if (err) {
		bl_journal_close(&j, &ignored);
		return -EIO;
	}
	err = step(arg);
	/* the step is over either way; a lost "end" only blames it wrongly */
	bl_journal_step(&j, false, BL_JOURNAL_PUSH, name, v, &ignored);
	bl_journal_close(&j, &ignored);
	return err;
}

struct push_arg {
	struct bl_kernel *k;
	const char *ext;
	const uint8_t *buf;
	size_t len;
};

static int push_step(void *arg)
{
	struct push_arg *p = arg;

	return p->k->ops->push(p->k, p->ext, p->buf, p->len);
}

/* step 4 for a registering extension: the shim validates and hands over */
static int push(const struct bl_ctx *c, const struct bl_ext_config *ec,
		const struct bg_state *st, uint64_t v, const uint8_t *buf, size_t len,
		char *why, size_t size)
{
	struct push_arg p = { .k = c->kernel, .ext = ec->name, .buf = buf, .len = len };
	struct bulkhead_msg msg;
	int err;

	err = journalled(c, st, ec->name, v, push_step, &p, &msg);
	if (err == -EIO)
		snprintf(why, size, "%s", msg.text);
	else if (err)
		bl_kernel_shim_reason(c->kernel, ec->name, err, why, size);
	return err;
}

/* the shim's anti-rollback floor for @name this boot; 0: none or no shim */
static uint64_t shim_floor(const struct bl_ctx *c, const char *name)
{
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL, word[BH_NAME_LEN + 1];
	unsigned long long f;
	uint64_t floor = 0;
	size_t len;

	if (c->kernel->ops->read(c->kernel, NULL, "floors", &text, &len))
		return 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%31s %llu", word, &f) == 2 && !strcmp(word, name))
			floor = f;
	return floor;
}

struct link_arg {
	const char *link;
	const char *target;
	struct bulkhead_msg msg;
};

static int link_step(void *arg)
{
	struct link_arg *l = arg;

	return bl_store_link(l->link, l->target, &l->msg);
}

/* step 4 for a vendor module: it reads the file at its next load */
static int relink(const struct bl_ctx *c, const struct bl_ext_config *ec,
		  const struct bg_state *st, uint64_t v, char *why, size_t size)
{
	_cleanup_free_ char *path = NULL;
	struct link_arg l = { .link = ec->content_link };
	struct bulkhead_msg msg;
	int err;

	if (bl_store_path(ec->content_dir, v, &path)) {
		snprintf(why, size, "out of memory");
		return -ENOMEM;
	}
	l.target = path;
	err = journalled(c, st, ec->name, v, link_step, &l, &msg);
	if (err)
		snprintf(why, size, "%s", err == -EIO ? msg.text : l.msg.text);
	return err;
}

/*
 * A version names one content for good: the guard's rollback and the next
 * boot push whatever the store holds under it, so a stored version is
 * never overwritten with other bytes (not even with --force).
 */
static int store_once(const struct bl_ext_config *ec, const struct bl_stage_opts *o,
		      uint64_t v, const uint8_t *buf, size_t len, struct bulkhead_msg *msg)
{
	_cleanup_free_ uint8_t *old = NULL;
	struct bulkhead_msg why;
	size_t old_len;
	int err;

	err = bl_store_get(ec->content_dir, v, &old, &old_len, &why);
	if (err == -ENOENT)
		return bl_store_put(ec->content_dir, v, buf, len, msg);
	if (err) {
		bulkhead_msg_set(msg, "%s", why.text);
		return err;
	}
	if (old_len == len && !memcmp(old, buf, len))
		return 0;
	bulkhead_msg_set(msg, "content %s for %s: version %llu is already stored with other bytes; a version names one content, give this one a new version",
			 o->file, ec->name, (unsigned long long)v);
	return -EEXIST;
}

static void prune(const struct bl_ext_config *ec, const struct bg_ext *e)
{
	const uint64_t keep[] = { e->active, e->lkg, e->pending, e->pinned, e->chosen };
	struct bulkhead_msg msg;

	/* a failed prune leaves old files behind: harmless, retried next time */
	bl_store_prune(ec->content_dir, keep, sizeof(keep) / sizeof(keep[0]), NULL, &msg);
}

static void make_active(const struct bl_ctx *c, struct bg_state *st, struct bg_ext *e,
			uint64_t v, bool running)
{
	e->active = v;
	e->active_since = c->now;
	e->changed_at = c->now;
	if (running) {
		/*
		 * It runs in this boot: "good" may promote it after
		 * probation, counted from now on CLOCK_BOOTTIME.
		 */
		e->chosen = v;
		if (e->load_boot == st->current_boot) {
			e->load_version = v;
			e->load_uptime = c->uptime;
		}
	}
	if (e->pending == v)
		e->pending = 0;
}

/**
 * bl_stage() - validate, store and hand over new content for one extension
 * @c: configuration, kernel interface (securityfs only), state directory
 * @o: what to stage
 * @res: how it ended, on success
 * @msg: the reason on failure, naming the file, the extension and the
 *	validator's or the shim's reason
 *
 * Return: 0 when staged (active or pending, see @res), -EBADMSG when the
 * content was refused (userspace or shim), -ESTALE for a version not
 * above the active one or one that crashed before, -EEXIST for a version stored with other bytes,
 * -ENOENT for an unknown extension or a missing
 * schema, or another negative errno.
 */
int bl_stage(const struct bl_ctx *c, const struct bl_stage_opts *o,
	     struct bl_stage_result *res, struct bulkhead_msg *msg)
{
	_cleanup_free_ struct bg_state *st = calloc(1, sizeof(*st));
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_close_ int lock = -1;
	const struct bl_ext_config *ec;
	enum bg_load_source src;
	struct bulkhead_msg why;
	char detail[BULKHEAD_MSG_LEN], reason[BULKHEAD_MSG_LEN];
	char note[BULKHEAD_MSG_LEN + 160];
	uint64_t v = 0, old_active, old_pending, old_floor, floor_now;
	bool registered = false;
	struct bg_ext *e;
	size_t len;
	int err;

	if (!st) {
		bulkhead_msg_set(msg, "stage: out of memory");
		return -ENOMEM;
	}
	ec = bl_config_find(c->cfg, o->ext);
	if (!ec) {
		bulkhead_msg_set(msg, "extension '%s' is not configured (no file in extensions.d names it)",
				 o->ext);
		return -ENOENT;
	}
	err = bulkhead_read_file(o->file, BL_STORE_FILE_MAX, &buf, &len, &why);
	if (err) {
		bulkhead_msg_set(msg, "content %s", why.text);
		return err;
	}
	err = check_file(c, ec, o, buf, len, &v, &registered, msg);
	if (err)
		return err;

	err = bg_state_lock(c->state_dir, &lock, msg);
	if (err)
		return err;
	err = bg_state_load(c->state_dir, st, &src, msg);
	if (err)
		return err;
	e = bg_state_ext(st, ec->name, true);
	if (!e) {
		bulkhead_msg_set(msg, "state %s: no room for extension '%s'", c->state_dir,
				 ec->name);
		return -ENOSPC;
	}
	old_active = e->active;
	old_pending = e->pending;
	old_floor = e->floor;
	err = bg_stage_check(e, v, o->force, &why);
	if (err) {
		bulkhead_msg_set(msg, "content %s for %s: %s", o->file, ec->name, why.text);
		return err;
	}
	/* --force below the floor: the operator's rollback lowers it */
	if (v < e->floor)
		e->floor = v;

	/* step 3: stored and recorded as pending before anything is risked */
	err = store_once(ec, o, v, buf, len, msg);
	if (err)
		return err;
	e->pending = v;
	err = bg_state_save(c->state_dir, st, c->fsops, msg);
	if (err)
		return err;

	/* step 4 */
	res->version = v;
	res->outcome = "active";
	if (e->status == BG_EXT_DISABLED) {
		res->outcome = "pending";
		snprintf(detail, sizeof(detail), "%s is disabled (%s): held as pending",
			 ec->name, e->reason[0] ? e->reason : "no reason recorded");
	} else if (e->pinned) {
		res->outcome = "pending";
		snprintf(detail, sizeof(detail), "%s is pinned to content %llu: held as pending until unpinned",
			 ec->name, (unsigned long long)e->pinned);
	} else if (!ec->registers) {
		if (ec->content_link) {
			err = relink(c, ec, st, v, reason, sizeof(reason));
			if (err) {
				bulkhead_msg_set(msg, "content %s for %s: %s; held as pending",
						 o->file, ec->name, reason);
				return err;
			}
			snprintf(detail, sizeof(detail), "%s now points at it; module %s reads it at its next load",
				 ec->content_link, ec->module);
		} else {
			snprintf(detail, sizeof(detail), "module %s reads it at its next load",
				 ec->module);
		}
		make_active(c, st, e, v, false);
	} else if (registered && v < (floor_now = shim_floor(c, ec->name))) {
		/* the shim's floor only rises until reboot: not pushed now */
		snprintf(detail, sizeof(detail), "the shim's floor for %s is %llu until reboot: it runs from the next boot",
			 ec->name, (unsigned long long)floor_now);
		make_active(c, st, e, v, false);
	} else {
		/* not registered: nothing to push now, and nothing to journal */
		err = registered ? push(c, ec, st, v, buf, len, reason, sizeof(reason)) : -ENOENT;
		if (err == -ENOENT || err == -ENODEV) {
			snprintf(detail, sizeof(detail), "%s is not registered with the shim now: pushed when it next loads",
				 ec->name);
			make_active(c, st, e, v, false);
		} else if (err == -ESHUTDOWN) {
			res->outcome = "pending";
			snprintf(detail, sizeof(detail), "the shim has %s disabled or faulted: held as pending",
				 ec->name);
		} else if (err) {
			/*
			 * Refused: as if never staged; the old content runs on.
			 * The state first: until it is saved, the one on disk
			 * names @v as pending, and its file must stay.
			 */
			e->pending = old_pending;
			e->floor = old_floor;
			if (!bg_state_save(c->state_dir, st, c->fsops, &why) &&
			    v != e->active && v != e->lkg && v != e->pinned && v != e->chosen &&
			    v != old_pending)
				bl_store_remove(ec->content_dir, v, &why);
			bulkhead_msg_set(msg, "content %s for %s: %s; content %llu stays active",
					 o->file, ec->name, reason, (unsigned long long)old_active);
			return err == -EIO ? -EIO : -EBADMSG;
		} else {
			snprintf(detail, sizeof(detail), "the shim took it; probation starts now");
			make_active(c, st, e, v, true);
		}
	}

	if (v < old_floor)
		snprintf(note, sizeof(note), "content %llu staged (forced below the floor %llu, which is now %llu: a rollback, degraded): %s",
			 (unsigned long long)v, (unsigned long long)old_floor,
			 (unsigned long long)e->floor, detail);
	else
		snprintf(note, sizeof(note), "content %llu staged%s: %s", (unsigned long long)v,
			 o->force && v <= old_active ? " (forced)" : "", detail);
	bg_state_decide(st, st->current_boot, c->now, BG_ACT_STAGE, ec->name, old_active, v,
			note);
	err = bg_state_save(c->state_dir, st, c->fsops, msg);
	if (err)
		return err;
	/* only now: until the save, the state on disk still names the old versions */
	prune(ec, e);
	snprintf(res->detail, sizeof(res->detail), "%s", detail);
	return 0;
}
