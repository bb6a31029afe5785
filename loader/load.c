// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * load.c - bring the shim and the extensions up for this boot, the way
 * the guard decided (STATE_DIR/boot.json):
 *
 *  1. bulkhead.ko, with the disable list and safe mode as parameters, so
 *     its module notifier vetoes whatever must not run even if someone
 *     else (udev, a dependency) tries to load it;
 *  2. every enabled extension, in configuration order; a vendor module
 *     that reads its content itself first gets its content link pointed
 *     at the chosen version;
 *  3. the chosen content version to every registering extension.
 *
 * Each insert and push is a risky step: a "begin" is fsync'd to the
 * journal before it and an "end" after it, so a crash in the middle is
 * blamed on the right extension at the next boot.  One extension's
 * failure never stops the others.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content_json.h"
#include "journal.h"
#include "loader.h"
#include "schema_file.h"
#include "sign.h"
#include "store.h"

static const char *const result_names[BL_RES__COUNT] = {
	[BL_RES_LOADED] = BG_LOAD_LOADED,
	[BL_RES_DISABLED] = BG_LOAD_DISABLED,
	[BL_RES_SAFE_MODE] = BG_LOAD_SAFE_MODE,
	[BL_RES_NO_SHIM] = "no-shim",
	[BL_RES_MISSING] = "missing",
	[BL_RES_BLACKLISTED] = "blacklisted",
	[BL_RES_INSERT_FAILED] = "insert-failed",
	[BL_RES_CONTENT_MISSING] = "content-missing",
	[BL_RES_CONTENT_REFUSED] = "content-refused",
};

const char *bl_result_name(enum bl_result r)
{
	return (unsigned int)r < BL_RES__COUNT ? result_names[r] : "unknown";
}

bool bl_result_failed(enum bl_result r)
{
	return r != BL_RES_LOADED && r != BL_RES_DISABLED && r != BL_RES_SAFE_MODE;
}

/* ---- boot.json ------------------------------------------------------------ */

static int get_member(struct json_object *o, const char *key, enum json_type t,
		      struct json_object **ret, const char *path, struct bulkhead_msg *msg)
{
	if (!json_object_object_get_ex(o, key, ret) || json_object_get_type(*ret) != t) {
		bulkhead_msg_set(msg, "decision %s: '%s' missing or not a %s", path, key,
				 json_type_to_name(t));
		return -EBADMSG;
	}
	return 0;
}

static int get_name(struct json_object *v, const char *key, char *buf, const char *path,
		    struct bulkhead_msg *msg)
{
	const char *s = json_object_get_string(v);

	if (json_object_get_type(v) != json_type_string || !bh_name_valid(s)) {
		bulkhead_msg_set(msg, "decision %s: '%s': '%s' is not an extension name", path,
				 key, s ? s : "");
		return -EBADMSG;
	}
	snprintf(buf, BH_NAME_LEN + 1, "%s", s);
	return 0;
}



__attribute__((format(printf, 2, 3)))
static void decision_warn(struct bl_decision *d, const char *fmt, ...)
{
	va_list ap;

	if (d->nr_warnings++ >= BL_MAX_DECISION_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(d->warnings[d->nr_warnings - 1].text, sizeof(d->warnings[0].text), fmt, ap);
	va_end(ap);
}

/*
 * One entry of the disable list.  A bad one is skipped with a warning,
 * never the whole decision: safe mode for it would switch every healthy
 * extension off, and it names no configured extension anyway (those have
 * valid names).
 */
static void add_disable(struct bl_decision *d, struct json_object *v, size_t i, const char *path)
{
	char shown[BULKHEAD_SHOW_LEN], bad[BULKHEAD_SHOW_LEN];
	const char *s = json_object_get_string(v);
	size_t len, j;

	if (json_object_get_type(v) != json_type_string) {
		decision_warn(d, "decision %s: 'disable' entry %zu is not a string (JSON type %s): skipped",
			      path, i, json_type_to_name(json_object_get_type(v)));
		return;
	}
	/* json-c keeps a \u0000 inside the string: the length tells */
	len = (size_t)json_object_get_string_len(v);
	bulkhead_show_name(shown, s, len);
	if (!len) {
		decision_warn(d, "decision %s: 'disable' entry %zu is an empty name: skipped", path, i);
		return;
	}
	if (len > BH_NAME_MAX) {
		decision_warn(d, "decision %s: 'disable' entry %zu '%s' (%zu characters) longer than %d: skipped",
			      path, i, shown, len, BH_NAME_MAX);
		return;
	}
	for (j = 0; j < len; j++) {
		char one[2] = { s[j], '\0' };

		if (!bh_name_valid(one)) {
			decision_warn(d, "decision %s: 'disable' entry %zu '%s' is not an extension name: "
				      "character '%s' is not one of A-Z a-z 0-9 _ . -: skipped",
				      path, i, shown, bulkhead_show_name(bad, s + j, 1));
			return;
		}
	}
	snprintf(d->disable[d->nr_disable++], BH_NAME_LEN + 1, "%s", s);
}

/**
 * bl_decision_load() - read the guard's decision for this boot
 * @path: STATE_DIR/boot.json
 * @ret: the decision, written on success only
 * @msg: the reason on failure, naming the file and the member
 *
 * A bad entry of the disable list is skipped, and named in @ret->warnings;
 * anything else malformed refuses the whole decision.
 *
 * Return: 0, -EBADMSG for a malformed decision, or another negative errno.
 */
int bl_decision_load(const char *path, struct bl_decision *ret, struct bulkhead_msg *msg)
{
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	_cleanup_free_ struct bl_decision *d = calloc(1, sizeof(*d));
	struct json_object *v, *a;
	struct bulkhead_msg why;
	size_t len, i, n;
	int err;

	if (!d) {
		bulkhead_msg_set(msg, "decision %s: out of memory", path);
		return -ENOMEM;
	}
	err = bulkhead_read_file(path, 1024 * 1024, &buf, &len, &why);
	if (err) {
		bulkhead_msg_set(msg, "decision %s", why.text);
		return err;
	}
	err = bulkhead_json_parse((const char *)buf, len, path, &root, &why);
	if (err) {
		bulkhead_msg_set(msg, "decision %s", why.text);
		return -EBADMSG;
	}
	if (json_object_get_type(root) != json_type_object) {
		bulkhead_msg_set(msg, "decision %s: not a JSON object", path);
		return -EBADMSG;
	}
	if (get_member(root, "format", json_type_int, &v, path, msg))
		return -EBADMSG;
	if (json_object_get_int64(v) != 1) {
		bulkhead_msg_set(msg, "decision %s: format %lld, this loader reads format 1",
				 path, (long long)json_object_get_int64(v));
		return -EBADMSG;
	}
	if (get_member(root, "boot_id", json_type_int, &v, path, msg))
		return -EBADMSG;
	if (json_object_get_int64(v) <= 0) {
		bulkhead_msg_set(msg, "decision %s: 'boot_id' must be above 0", path);
		return -EBADMSG;
	}
	d->boot_id = json_object_get_uint64(v);
	/* optional: a guard that could not read the kernel's boot id leaves it out */
	if (json_object_object_get_ex(root, "kernel_boot_id", &v)) {
		if (json_object_get_type(v) != json_type_string ||
		    json_object_get_string_len(v) >= (int)sizeof(d->kernel_boot_id)) {
			bulkhead_msg_set(msg, "decision %s: 'kernel_boot_id' is not a boot id", path);
			return -EBADMSG;
		}
		snprintf(d->kernel_boot_id, sizeof(d->kernel_boot_id), "%s",
			 json_object_get_string(v));
	}
	if (get_member(root, "safe_mode", json_type_boolean, &v, path, msg))
		return -EBADMSG;
	d->safe_mode = json_object_get_boolean(v);
	/* optional: only a guard that blamed the shim itself writes it */
	if (json_object_object_get_ex(root, "load_shim", &v)) {
		if (json_object_get_type(v) != json_type_boolean) {
			bulkhead_msg_set(msg, "decision %s: 'load_shim' is not a boolean", path);
			return -EBADMSG;
		}
		d->no_shim = !json_object_get_boolean(v);
		if (d->no_shim)
			d->safe_mode = true;
	}

	if (get_member(root, "disable", json_type_array, &a, path, msg))
		return -EBADMSG;
	n = json_object_array_length(a);
	if (n > BL_MAX_DISABLE) {
		bulkhead_msg_set(msg, "decision %s: 'disable' has %zu names, at most %d",
				 path, n, BL_MAX_DISABLE);
		return -EBADMSG;
	}
	for (i = 0; i < n; i++)
		add_disable(d, json_object_array_get_idx(a, i), i, path);

	if (get_member(root, "content", json_type_array, &a, path, msg))
		return -EBADMSG;
	n = json_object_array_length(a);
	if (n > BG_MAX_EXT) {
		bulkhead_msg_set(msg, "decision %s: 'content' has %zu entries, at most %d",
				 path, n, BG_MAX_EXT);
		return -EBADMSG;
	}
	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(a, i);

		if (json_object_get_type(c) != json_type_object) {
			bulkhead_msg_set(msg, "decision %s: 'content' entry %zu is not an object",
					 path, i);
			return -EBADMSG;
		}
		if (get_member(c, "extension", json_type_string, &v, path, msg) ||
		    get_name(v, "extension", d->content[i].extension, path, msg) ||
		    get_member(c, "version", json_type_int, &v, path, msg))
			return -EBADMSG;
		/* json-c keeps a u64 above INT64_MAX apart: only a negative is < 0 */
		if (json_object_get_int64(v) < 0) {
			bulkhead_msg_set(msg, "decision %s: content version of '%s' is negative",
					 path, d->content[i].extension);
			return -EBADMSG;
		}
		d->content[i].version = json_object_get_uint64(v);
		d->nr_content++;
	}

	/* optional: a guard of before floors writes none */
	if (!json_object_object_get_ex(root, "floors", &a))
		goto done;
	if (json_object_get_type(a) != json_type_array ||
	    json_object_array_length(a) > BG_MAX_EXT) {
		bulkhead_msg_set(msg, "decision %s: 'floors' is not an array of at most %d entries",
				 path, BG_MAX_EXT);
		return -EBADMSG;
	}
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(a, i);

		if (json_object_get_type(c) != json_type_object) {
			bulkhead_msg_set(msg, "decision %s: 'floors' entry %zu is not an object",
					 path, i);
			return -EBADMSG;
		}
		if (get_member(c, "extension", json_type_string, &v, path, msg) ||
		    get_name(v, "extension", d->floors[i].extension, path, msg) ||
		    get_member(c, "floor", json_type_int, &v, path, msg))
			return -EBADMSG;
		if (json_object_get_int64(v) < 0) {
			bulkhead_msg_set(msg, "decision %s: floor of '%s' is negative",
					 path, d->floors[i].extension);
			return -EBADMSG;
		}
		d->floors[i].floor = json_object_get_uint64(v);
		d->nr_floors++;
	}
done:
	*ret = *d;
	return 0;
}

static uint64_t chosen_version(const struct bl_decision *d, const char *name)
{
	uint32_t i;

	for (i = 0; i < d->nr_content; i++)
		if (bh_name_eq(d->content[i].extension, name))
			return d->content[i].version;
	return 0;
}

static bool is_disabled(const struct bl_decision *d, const struct bl_ext_config *e)
{
	uint32_t i;

	for (i = 0; i < d->nr_disable; i++)
		if (bh_name_eq(d->disable[i], e->name) || bh_name_eq(d->disable[i], e->module))
			return true;
	return false;
}

/* ---- the shim ------------------------------------------------------------- */

/* what bulkhead.ko's disable= takes (module/internal.h: BH_DISABLE_MAX) */
#define SHIM_DISABLE_MAX	32
#define SHIM_PARAMS_LEN		(sizeof("disable=") + SHIM_DISABLE_MAX * (BH_NAME_LEN + 1) + \
				 sizeof(" safe_mode=1"))

struct name_list {
	uint32_t nr;
	const char *name[SHIM_DISABLE_MAX];
	uint32_t dropped;		/* did not fit, or too long for the shim */
	const char *first_dropped;
};

static void add_name(struct name_list *l, const char *name)
{
	uint32_t i;

	for (i = 0; i < l->nr; i++)
		if (bh_name_eq(l->name[i], name))
			return;
	if (l->nr == SHIM_DISABLE_MAX || strlen(name) > BH_NAME_MAX) {
		if (!l->dropped++)
			l->first_dropped = name;
		return;
	}
	l->name[l->nr++] = name;
}

/*
 * The shim's parameters: the disable list (by extension and by module
 * name) and safe mode.  A vendor module that does not link against the
 * shim cannot be recognised by safe mode, so in safe mode every one of
 * them goes on the list by module name (docs/module.md).  The shim takes
 * at most SHIM_DISABLE_MAX names of up to BH_NAME_MAX characters and
 * refuses to load with more: names are listed once ('-' and '_' alike),
 * the configured extensions first (they are what this loader could
 * otherwise load), and what does not fit is reported, never sent.
 */
/*
 * The names the shim must refuse, each with its module name: the disabled
 * extensions and the command line's; in safe mode also every vendor module
 * (the shim cannot tell one otherwise), or with @every, every extension.
 */
static void disable_names(const struct bl_config *cfg, const struct bl_decision *d,
			  bool every, struct name_list *l)
{
	uint32_t i;

	for (i = 0; i < cfg->nr_ext; i++) {
		const struct bl_ext_config *e = &cfg->ext[i];

		if (is_disabled(d, e) || (d->safe_mode && (every || !e->registers))) {
			add_name(l, e->name);
			add_name(l, e->module);
		}
	}
	for (i = 0; i < d->nr_disable; i++)
		add_name(l, d->disable[i]);
}

/*
 * The shim was loaded before the loader (an initramfs, modules-load.d, a
 * vendor's own service pulled it in): libkmod would report it loaded and
 * its parameters would never apply.  The decision reaches it through
 * securityfs instead: its disable list, whose write also stops at once
 * the registered extensions it names; in safe mode every extension goes
 * on it, since safe_mode can only be set when the shim loads.
 */
static void shim_loaded_before(struct bl_kernel *k, const struct bl_config *cfg,
			       const struct bl_decision *d, struct bl_report *rep)
{
	char list[SHIM_PARAMS_LEN] = "", note[BULKHEAD_MSG_LEN];
	struct name_list l = {};
	size_t len;
	uint32_t i;
	int err;

	disable_names(cfg, d, true, &l);
	for (i = 0; i < l.nr; i++) {
		len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s%s", i ? "," : "", l.name[i]);
	}
	err = k->ops->write(k, NULL, "disable", l.nr ? list : "\n");
	if (err) {
		snprintf(rep->shim_error, sizeof(rep->shim_error),
			 "shim %s: loaded before the loader, and its disable list (%u names) cannot be set through securityfs: %s",
			 BL_SHIM_MODULE, l.nr, strerror(-err));
		return;
	}
	rep->shim_ok = true;
	snprintf(note, sizeof(note), "shim %s was loaded before the loader (an initramfs, modules-load.d or another service): its disable list (%u names) set through securityfs%s",
		 BL_SHIM_MODULE, l.nr, d->safe_mode ? " (safe mode: every extension is on it)" : "");
	if (!rep->shim_warning[0])
		snprintf(rep->shim_warning, sizeof(rep->shim_warning), "%s", note);
}

static void shim_params(const struct bl_config *cfg, const struct bl_decision *d,
			char *buf, size_t size, struct bl_report *rep)
{
	struct name_list l = {};
	size_t len;
	uint32_t i;

	disable_names(cfg, d, false, &l);
	buf[0] = '\0';
	for (i = 0; i < l.nr; i++) {
		len = strlen(buf);
		snprintf(buf + len, size - len, "%s%s", i ? "," : "disable=", l.name[i]);
	}
	if (d->safe_mode) {
		len = strlen(buf);
		snprintf(buf + len, size - len, "%ssafe_mode=1", len ? " " : "");
	}
	if (l.dropped)
		snprintf(rep->shim_warning, sizeof(rep->shim_warning),
			 "shim %s: %u name(s) left off its disable list (at most %d of at most %d characters), first '%s'; the loader still does not load them",
			 BL_SHIM_MODULE, l.dropped, SHIM_DISABLE_MAX, BH_NAME_MAX, l.first_dropped);
}

/* ---- one extension -------------------------------------------------------- */

struct run {
	const struct bl_ctx *c;
	struct bl_journal journal;
	bool journal_ok;
	char journal_error[BULKHEAD_MSG_LEN];
};

/*
 * Journal one side of a step.  A journal that cannot be written does not
 * stop the boot (that would turn a full disk into a machine without its
 * security extensions); the failure is reported and the boot marked
 * degraded, and the guard then falls back to weaker evidence.
 */
static void journal(struct run *r, bool begin, enum bl_journal_op op, const char *name,
		    uint64_t version)
{
	struct bulkhead_msg msg;

	if (!r->journal_ok)
		return;
	if (bl_journal_step(&r->journal, begin, op, name, version, &msg)) {
		snprintf(r->journal_error, sizeof(r->journal_error), "%s", msg.text);
		r->journal_ok = false;
	}
}

static void fail(struct bl_ext_report *er, enum bl_result res, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct bl_ext_report *er, enum bl_result res, const char *fmt, ...)
{
	va_list ap;

	er->result = res;
	va_start(ap, fmt);
	vsnprintf(er->error, sizeof(er->error), fmt, ap);
	va_end(ap);
}

/* check a vendor module's content against its schema file, if it has one */
static int check_vendor_content(const struct bl_ext_config *e, const char *path,
				struct bl_ext_report *er)
{
	_cleanup_schema_ struct bulkhead_schema *schema = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	struct bulkhead_msg msg;
	struct bh_content view;
	struct bh_error err;
	size_t len;

	if (!e->schema)
		return 0;
	if (bulkhead_schema_load(e->schema, &schema, &msg)) {
		fail(er, BL_RES_CONTENT_REFUSED, "%s", msg.text);
		return -EINVAL;
	}
	if (bulkhead_read_file(path, BL_STORE_FILE_MAX, &buf, &len, &msg)) {
		fail(er, BL_RES_CONTENT_MISSING, "content %s", msg.text);
		return -ENOENT;
	}
	/* a vendor module reads its file itself: no shim checks a signature */
	if (bh_content_validate(buf, len, &schema->s, BH_VALIDATE_SIG_UNCHECKED, &view, &err)) {
		fail(er, BL_RES_CONTENT_REFUSED, "content %s: refused (%s): %s", path,
		     bh_err_name(err.code), err.msg);
		return -EBADMSG;
	}
	return 0;
}

/* a vendor module reads its content itself: point its path at the choice */
static int link_content(struct run *r, const struct bl_ext_config *e, uint64_t v,
			struct bl_ext_report *er)
{
	_cleanup_free_ char *path = NULL;
	struct bulkhead_msg msg;
	int err;

	if (bl_store_path(e->content_dir, v, &path)) {
		fail(er, BL_RES_CONTENT_MISSING, "out of memory");
		return -ENOMEM;
	}
	if (access(path, R_OK) < 0) {
		fail(er, BL_RES_CONTENT_MISSING, "content %llu for %s: %s: %s",
		     (unsigned long long)v, e->name, path, strerror(errno));
		return -ENOENT;
	}
	err = check_vendor_content(e, path, er);
	if (err)
		return err;
	journal(r, true, BL_JOURNAL_PUSH, e->name, v);
	err = bl_store_link(e->content_link, path, &msg);
	journal(r, false, BL_JOURNAL_PUSH, e->name, v);
	if (err) {
		fail(er, BL_RES_CONTENT_REFUSED, "%s", msg.text);
		return err;
	}
	er->version = v;
	return 0;
}

static void insert_one(struct run *r, const struct bl_decision *d,
		       const struct bl_ext_config *e, bool shim_ok, struct bl_ext_report *er)
{
	struct bl_kernel *k = r->c->kernel;
	uint64_t v = chosen_version(d, e->name);
	struct bulkhead_msg msg;
	int err;

	er->result = BL_RES_LOADED;
	if (d->safe_mode) {
		er->result = BL_RES_SAFE_MODE;
		return;
	}
	if (is_disabled(d, e)) {
		er->result = BL_RES_DISABLED;
		return;
	}
	if (e->registers && !shim_ok) {
		fail(er, BL_RES_NO_SHIM, "module %s needs the shim, which is not loaded",
		     e->module);
		return;
	}
	/* a module that reads content itself must find the chosen one there */
	if (!e->registers && e->content_link && v && link_content(r, e, v, er))
		return;
	journal(r, true, BL_JOURNAL_INSERT, e->name, v);
	err = k->ops->insert(k, e->module, e->params, &msg);
	journal(r, false, BL_JOURNAL_INSERT, e->name, v);
	if (err == BL_INSERT_BLACKLISTED)
		fail(er, BL_RES_BLACKLISTED, "%s", msg.text);
	else if (err == -ENOENT)
		fail(er, BL_RES_MISSING, "%s", msg.text);
	else if (err)
		fail(er, BL_RES_INSERT_FAILED, "%s", msg.text);
}

static void push_one(struct run *r, const struct bl_decision *d,
		     const struct bl_ext_config *e, struct bl_ext_report *er)
{
	struct bl_kernel *k = r->c->kernel;
	uint64_t v = chosen_version(d, e->name);
	_cleanup_free_ uint8_t *buf = NULL;
	char why[BULKHEAD_MSG_LEN];
	struct bulkhead_msg msg;
	size_t len;
	int err;

	if (er->result != BL_RES_LOADED || !e->registers || !v)
		return;
	err = bl_store_get(e->content_dir, v, &buf, &len, &msg);
	if (err) {
		fail(er, err == -ENOENT ? BL_RES_CONTENT_MISSING : BL_RES_CONTENT_REFUSED,
		     "content %llu for %s: %s", (unsigned long long)v, e->name, msg.text);
		return;
	}
	journal(r, true, BL_JOURNAL_PUSH, e->name, v);
	err = k->ops->push(k, e->name, buf, len);
	journal(r, false, BL_JOURNAL_PUSH, e->name, v);
	if (err) {
		bl_kernel_shim_reason(k, e->name, err, why, sizeof(why));
		fail(er, BL_RES_CONTENT_REFUSED, "content %llu for %s: %s",
		     (unsigned long long)v, e->name, why);
		return;
	}
	er->version = v;
}

/* the keys folder's certificates, by the rule `content verify --keys` uses */
static int is_cert_name(const struct dirent *de)
{
	return bulkhead_cert_file_name(de->d_name);
}

static int byte_order(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* the first trust problem is the one reported; the boot is degraded */
static __attribute__((format(printf, 2, 3))) void trust_warn(struct bl_report *rep,
							     const char *fmt, ...)
{
	va_list ap;

	rep->nr_trust_warnings++;
	if (rep->trust_warning[0])
		return;
	va_start(ap, fmt);
	vsnprintf(rep->trust_warning, sizeof(rep->trust_warning), fmt, ap);
	va_end(ap);
}

static void enrol_keys(const struct bl_ctx *c, struct bl_report *rep)
{
	struct bl_kernel *k = c->kernel;
	struct dirent **list = NULL;
	struct bulkhead_msg msg;
	int i, n, err;

	n = scandir(c->trust->keys_dir, &list, is_cert_name, byte_order);
	if (n < 0) {
		if (errno != ENOENT)
			trust_warn(rep, "keys %s: cannot list: %s", c->trust->keys_dir,
				   strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		_cleanup_free_ char *path = NULL;
		_cleanup_free_ uint8_t *der = NULL;
		size_t len;

		if (asprintf(&path, "%s/%s", c->trust->keys_dir, list[i]->d_name) < 0) {
			path = NULL;
			trust_warn(rep, "keys %s: out of memory", c->trust->keys_dir);
			continue;
		}
		if (bulkhead_cert_load_der(path, &der, &len, &msg)) {
			trust_warn(rep, "%s: not enrolled", msg.text);
			continue;
		}
		err = k->ops->enrol(k, der, len);
		if (err)
			trust_warn(rep, "key %s: the shim refused it: %s", path,
				   err == -EPERM ? "the keyring is sealed, or Secure Boot takes keys from the machine keyring only" :
				   strerror(-err));
		else
			rep->nr_keys++;
	}
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/*
 * Before any extension loads: the keys of the keys folder, format 1 if
 * trust.conf allows it, the extensions that require signatures and the
 * floors, then the seal, which is written whatever failed before it: no
 * key gets in later this boot.  A failure degrades the boot.
 */
static void trust_setup(const struct bl_ctx *c, const struct bl_decision *d,
			struct bl_report *rep)
{
	struct bl_kernel *k = c->kernel;
	char line[BH_NAME_LEN + 32];
	uint32_t i;
	int err;

	if (c->trust && c->trust->keys_dir)
		enrol_keys(c, rep);
	if (c->trust && c->trust->allow_format1) {
		err = k->ops->write(k, NULL, "allow_format1", "1");
		if (err)
			trust_warn(rep, "allow_format1: the shim refused it: %s", strerror(-err));
	}
	for (i = 0; i < c->cfg->nr_ext; i++) {
		if (!c->cfg->ext[i].require_signature)
			continue;
		snprintf(line, sizeof(line), "%s 1", c->cfg->ext[i].name);
		err = k->ops->write(k, NULL, "require_signature", line);
		if (err)
			trust_warn(rep, "require_signature for %s: the shim refused it: %s",
				   c->cfg->ext[i].name, strerror(-err));
	}
	for (i = 0; i < d->nr_floors; i++) {
		const struct bl_ext_config *e = bl_config_find(c->cfg, d->floors[i].extension);

		/* the shim never sees a vendor module's content */
		if (e && !e->registers)
			continue;
		snprintf(line, sizeof(line), "%s %llu", d->floors[i].extension,
			 (unsigned long long)d->floors[i].floor);
		err = k->ops->write(k, NULL, "floors", line);
		if (err)
			trust_warn(rep, "floor %llu for %s: the shim refused it: %s",
				   (unsigned long long)d->floors[i].floor,
				   d->floors[i].extension, strerror(-err));
	}
	err = k->ops->write(k, NULL, "keys_sealed", "1");
	if (err)
		trust_warn(rep, "keys_sealed: the shim refused the seal: %s", strerror(-err));
}

/**
 * bl_load() - load the shim and the extensions as decided, push content
 * @c: configuration, kernel interface, state directory
 * @d: the guard's decision for this boot
 * @rep: what happened, per extension, and the exit code
 *
 * Never stops at one extension's failure.  Logs nothing: the caller
 * reports @rep (bulkhead-load's main.c).
 *
 * Return: the exit code, also in @rep->exit_code.
 */
int bl_load(const struct bl_ctx *c, const struct bl_decision *d, struct bl_report *rep)
{
	struct bl_kernel *k = c->kernel;
	struct run r = { .c = c };
	struct bulkhead_msg msg;
	char params[SHIM_PARAMS_LEN];
	char *text;
	size_t len;
	bool required_failed = false;
	uint32_t i;
	int err;

	memset(rep, 0, sizeof(*rep));
	if (bl_journal_open(c->state_dir, d->boot_id, c->fsops, &r.journal, &msg))
		snprintf(r.journal_error, sizeof(r.journal_error), "%s", msg.text);
	else
		r.journal_ok = true;

	shim_params(c->cfg, d, params, sizeof(params), rep);
	if (d->no_shim) {
		/* the guard's last rung: the shim itself crashed */
		snprintf(rep->shim_error, sizeof(rep->shim_error),
			 "module %s: not loaded: the boot guard blamed the shim itself", BL_SHIM_MODULE);
	} else if (!k->ops->read(k, NULL, "disable", &text, &len)) {
		free(text);
		shim_loaded_before(k, c->cfg, d, rep);
	} else {
		/* journalled like any module: a shim that crashes at init is named */
		journal(&r, true, BL_JOURNAL_INSERT, BL_SHIM_MODULE, 0);
		err = k->ops->insert(k, BL_SHIM_MODULE, params[0] ? params : NULL, &msg);
		journal(&r, false, BL_JOURNAL_INSERT, BL_SHIM_MODULE, 0);
		rep->shim_ok = !err;
		if (err)
			snprintf(rep->shim_error, sizeof(rep->shim_error), "%s", msg.text);
	}

	if (rep->shim_ok)
		trust_setup(c, d, rep);
	for (i = 0; i < c->cfg->nr_ext; i++)
		insert_one(&r, d, &c->cfg->ext[i], rep->shim_ok, &rep->ext[i]);
	for (i = 0; i < c->cfg->nr_ext; i++)
		push_one(&r, d, &c->cfg->ext[i], &rep->ext[i]);

	for (i = 0; i < c->cfg->nr_ext; i++) {
		if (rep->ext[i].result == BL_RES_LOADED)
			rep->nr_loaded++;
		if (!bl_result_failed(rep->ext[i].result))
			continue;
		rep->nr_failed++;
		if (c->cfg->ext[i].required)
			required_failed = true;
	}
	if (r.journal.path && bl_journal_close(&r.journal, &msg) && r.journal_ok)
		snprintf(r.journal_error, sizeof(r.journal_error), "%s", msg.text);
	snprintf(rep->journal_error, sizeof(rep->journal_error), "%s", r.journal_error);
	if ((!rep->shim_ok && !d->no_shim) || required_failed)
		rep->exit_code = BL_EXIT_FAILED;
	else if (d->no_shim)
		rep->exit_code = BL_EXIT_DEGRADED;
	else if (rep->nr_failed || c->cfg->nr_errors || rep->journal_error[0] ||
		 rep->shim_warning[0] || rep->trust_warning[0])
		rep->exit_code = BL_EXIT_DEGRADED;
	else
		rep->exit_code = BL_EXIT_OK;
	return rep->exit_code;
}

/**
 * bl_record() - write what the loader did into the guard's state
 * @c: context (state directory, configuration, time)
 * @d: the decision that was carried out
 * @rep: bl_load()'s report
 * @msg: the reason on failure
 *
 * Every configured extension gets a state entry (so the guard can blame
 * a vendor module by its name in an oops), its result and error for this
 * boot, and for one that runs, the content and @c->uptime: "good"
 * promotes that content only after probation counted from then; one seen
 * for the first time counts as a change now.
 *
 * Return: 0 or a negative errno.
 */
int bl_record(const struct bl_ctx *c, const struct bl_decision *d,
	      const struct bl_report *rep, struct bulkhead_msg *msg)
{
	_cleanup_free_ struct bg_state *st = calloc(1, sizeof(*st));
	_cleanup_close_ int lock = -1;
	enum bg_load_source src;
	uint32_t i;
	int err;

	if (!st) {
		bulkhead_msg_set(msg, "state %s: out of memory", c->state_dir);
		return -ENOMEM;
	}
	err = bg_state_lock(c->state_dir, &lock, msg);
	if (err)
		return err;
	err = bg_state_load(c->state_dir, st, &src, msg);
	if (err)
		return err;
	for (i = 0; i < c->cfg->nr_ext; i++) {
		const struct bl_ext_config *ec = &c->cfg->ext[i];
		const struct bl_ext_report *er = &rep->ext[i];
		bool known = bg_state_ext(st, ec->name, false);
		struct bg_ext *e = bg_state_ext(st, ec->name, true);

		if (!e)
			continue;	/* the state is full: BG_MAX_EXT == BL_MAX_EXT */
		if (!known) {
			e->changed_at = c->now;
			e->chosen = chosen_version(d, ec->name);
		}
		e->load_boot = d->boot_id;
		/* the guard keeps it out by this name too (/run/modprobe.d) */
		snprintf(e->module, sizeof(e->module), "%s", ec->module);
		/* the content it runs: pushed through the shim, or read itself */
		e->load_version = er->result != BL_RES_LOADED ? 0 :
				  ec->registers ? er->version : chosen_version(d, ec->name);
		/* its probation runs from here, on the clock no RTC moves */
		e->load_uptime = er->result == BL_RES_LOADED ? c->uptime : 0;
		snprintf(e->load_result, sizeof(e->load_result), "%s", bl_result_name(er->result));
		/* cut to the state's length: the log has the whole line */
		memcpy(e->load_error, er->error, sizeof(e->load_error) - 1);
		e->load_error[sizeof(e->load_error) - 1] = '\0';
	}
	return bg_state_save(c->state_dir, st, c->fsops, msg);
}
