// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * metrics.c - the guard's state as Prometheus metrics for node_exporter's
 * textfile collector: DIR/bulkhead.prom, replaced whole after every saved
 * change of the state (docs/guard.md, "Metrics").
 *
 * The collector reads the file whenever it is scraped, so a scrape must
 * never see half of it: it is written as DIR/bulkhead.prom.tmp (a name
 * the collector does not read), fsynced, renamed over bulkhead.prom and
 * the directory fsynced.  Callers hold the state lock, so two writers
 * never share the temporary file.
 *
 * The metrics describe; they never decide.  A caller that cannot write
 * them logs why and carries on with what it decided.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "metrics.h"

/*
 * A label value as the text format wants it: backslash, double quote and
 * newline escaped.  Names in a state that loaded are valid extension
 * names already (state.c); the format's rule holds whatever they are.
 */
static void put_label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\':
			fputs("\\\\", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* one sample of extension @name: NAME{extension="@name"@labels} @value */
static void ext_sample(FILE *f, const char *family_name, const char *name, const char *labels,
		       unsigned long long value)
{
	fprintf(f, "%s{extension=\"", family_name);
	put_label_value(f, name);
	fprintf(f, "\"%s} %llu\n", labels, value);
}

/* one family's HELP and TYPE lines; @help holds no backslash or newline */
static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/**
 * bg_metrics_render() - the metrics file's text for a state
 * @st: the state
 * @ret_text: malloc'd text, written on success only (free() it)
 * @ret_len: its length
 *
 * Every family has its HELP and TYPE lines, and is there even without a
 * sample (no extension known yet); decisions are counted for every action,
 * 0 included, so that a rate over them starts from the first scrape.
 *
 * Return: 0 or -ENOMEM.
 */
int bg_metrics_render(const struct bg_state *st, char **ret_text, size_t *ret_len)
{
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	uint32_t i;
	FILE *f;
	int a;

	f = open_memstream(&text, &size);
	if (!f)
		return -ENOMEM;
	family(f, "bulkhead_boots_total", "counter",
	       "Boots the guard has started on this state.");
	fprintf(f, "bulkhead_boots_total %llu\n",
		(unsigned long long)(st->next_boot_id ? st->next_boot_id - 1 : 0));
	family(f, "bulkhead_consecutive_failures", "gauge",
	       "Failed boots since the last good one.");
	fprintf(f, "bulkhead_consecutive_failures %u\n", st->consecutive_failures);
	family(f, "bulkhead_safe_mode", "gauge",
	       "1 while the guard keeps the machine in safe mode (no extension loads).");
	fprintf(f, "bulkhead_safe_mode %d\n", st->safe_mode ? 1 : 0);
	family(f, "bulkhead_decisions_total", "counter",
	       "Decisions recorded in the state since it was created, by action.");
	for (a = BG_ACT_NONE + 1; a < BG_ACT__COUNT; a++)
		fprintf(f, "bulkhead_decisions_total{action=\"%s\"} %llu\n",
			bg_action_name(a), (unsigned long long)st->decision_counts[a]);
	family(f, "bulkhead_last_decision_timestamp_seconds", "gauge",
	       "When the latest decision was taken (wall clock, unix seconds); 0 for none.");
	fprintf(f, "bulkhead_last_decision_timestamp_seconds %lld\n",
		st->nr_decisions ? (long long)st->decisions[st->nr_decisions - 1].at : 0LL);
	family(f, "bulkhead_extension_disabled", "gauge",
	       "1 while the extension is disabled, by the guard or an operator.");
	for (i = 0; i < st->nr_ext; i++)
		ext_sample(f, "bulkhead_extension_disabled", st->ext[i].name, "",
			   st->ext[i].status == BG_EXT_DISABLED);
	family(f, "bulkhead_extension_content_version", "gauge",
	       "Content version of the extension: active (runs) or lkg (last known good); 0 for none.");
	for (i = 0; i < st->nr_ext; i++) {
		ext_sample(f, "bulkhead_extension_content_version", st->ext[i].name,
			   ",slot=\"active\"", st->ext[i].active);
		ext_sample(f, "bulkhead_extension_content_version", st->ext[i].name,
			   ",slot=\"lkg\"", st->ext[i].lkg);
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret_text = TAKE_PTR(text);
	*ret_len = size;
	return 0;
}

/**
 * bg_metrics_write() - replace DIR/bulkhead.prom with @st's metrics
 * @dir: node_exporter's textfile directory; NULL or "": metrics are off,
 *	nothing is written
 * @st: the state, as just saved
 * @ops: the syscalls to use (&bg_real_fsops; tests inject faults)
 * @msg: the reason on failure, naming the file
 *
 * The caller holds the state lock.  A scrape sees the old file or the new
 * one, never a mix; a failed call leaves the old file as it was and, but
 * for a crash, no temporary file.  The file is mode 0644 whatever the
 * umask: node_exporter reads it as its own user.
 *
 * Return: 0 (written, or off), -ENOENT when @dir does not exist
 * (node_exporter is not installed: the caller says so quietly), or
 * another negative errno.
 */
int bg_metrics_write(const char *dir, const struct bg_state *st,
		     const struct bg_fsops *ops, struct bulkhead_msg *msg)
{
	_cleanup_free_ char *text = NULL, *path = NULL, *tmp = NULL;
	struct stat sb;
	size_t len;
	int err;

	if (!dir || !*dir)
		return 0;
	if (stat(dir, &sb) < 0) {
		err = -errno;
		if (err == -ENOENT)
			bulkhead_msg_set(msg, "metrics %s: no such directory (node_exporter's textfile collector not installed?): not written",
					 dir);
		else
			bulkhead_msg_set(msg, "metrics %s: cannot stat: %s", dir, strerror(-err));
		return err;
	}
	if (!S_ISDIR(sb.st_mode)) {
		bulkhead_msg_set(msg, "metrics %s: not a directory", dir);
		return -ENOTDIR;
	}
	if (asprintf(&path, "%s/%s", dir, BG_METRICS_FILE) < 0) {
		path = NULL;
		goto err_nomem;
	}
	if (asprintf(&tmp, "%s/%s", dir, BG_METRICS_TMP) < 0) {
		tmp = NULL;
		goto err_nomem;
	}
	if (bg_metrics_render(st, &text, &len))
		goto err_nomem;
	err = bg_fsops_write_new(ops, tmp, 0644, text, len, "metrics", msg);
	if (err)
		return err;
	if (ops->rename(tmp, path) < 0) {
		err = -errno;
		bulkhead_msg_set(msg, "metrics %s: cannot rename into place: %s", path,
				 strerror(-err));
		ops->unlink(tmp);
		return err;
	}
	err = bg_fsops_fsync_dir(ops, dir);
	if (err)
		bulkhead_msg_set(msg, "metrics %s: written, but fsync of its directory failed: %s",
				 path, strerror(-err));
	return err;

err_nomem:
	bulkhead_msg_set(msg, "metrics %s: out of memory", dir);
	return -ENOMEM;
}
