// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * bulkhead-load - bring Bulkhead up for this boot (docs/loader.md).
 *
 *   bulkhead-load [--state-dir DIR] [--config-dir DIR]
 *
 * Reads the guard's decision (STATE_DIR/boot.json) and the extensions'
 * configuration (/etc/bulkhead/extensions.d), loads bulkhead.ko and the
 * enabled extensions with libkmod, pushes each one's chosen content, and
 * records the outcome in the guard's state.  Runs after bulkhead-guard
 * boot (bulkhead-load.service); tells systemd when it is done.
 *
 * Exit: 0 everything decided is running; 1 degraded (an optional
 * extension, its content, a config file or the journal failed); 2 usage;
 * 3 failed (the shim or a required extension is not running, or there was
 * no usable decision for this boot and safe mode was used).
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "loader.h"
#include "log.h"

static const char usage_text[] =
	"usage: bulkhead-load [--state-dir DIR] [--config-dir DIR]\n"
	"exit: 0 all loaded, 1 degraded, 2 usage, 3 shim or a required extension failed\n";

/*
 * The decision must be this kernel boot's: a guard that failed to run
 * leaves the previous boot's boot.json behind, and obeying it would load
 * extensions nobody counted for.
 */
static bool decision_current(const struct bl_decision *d, const struct bg_env *env,
			     char *why, size_t size)
{
	char now[BG_BOOT_ID_LEN];

	if (!d->kernel_boot_id[0] || bg_kernel_boot_id(env, now))
		return true;	/* cannot tell: trust the guard */
	if (!strcmp(now, d->kernel_boot_id))
		return true;
	snprintf(why, size, "it was made in kernel boot %s, this is %s (did bulkhead-guard boot run?)",
		 d->kernel_boot_id, now);
	return false;
}

/* no usable decision: boot in safe mode, and say so loudly */
static void fallback_decision(const char *state_dir, struct bl_decision *d)
{
	_cleanup_free_ struct bg_state *st = calloc(1, sizeof(*st));
	enum bg_load_source src;
	struct bulkhead_msg msg;

	memset(d, 0, sizeof(*d));
	d->safe_mode = true;
	if (st && !bg_state_load(state_dir, st, &src, &msg))
		d->boot_id = st->current_boot;
}

static void report(const struct bl_config *cfg, const struct bl_decision *d,
		   const struct bl_report *rep)
{
	uint32_t i;

	if (!rep->shim_ok)
		bg_log(LOG_CRIT, BL_MSGID_LOAD_FAILED, "shim %s: %s", BL_SHIM_MODULE,
		       rep->shim_error);
	if (rep->shim_warning[0])
		bg_log(LOG_ERR, BL_MSGID_LOAD_FAILED, "%s", rep->shim_warning);
	if (rep->journal_error[0])
		bg_log(LOG_ERR, BL_MSGID_LOAD_FAILED, "%s; steps were taken unjournalled",
		       rep->journal_error);
	if (rep->trust_warning[0])
		bg_log(LOG_ERR, BL_MSGID_LOAD_FAILED, "%s%s", rep->trust_warning,
		       rep->nr_trust_warnings > 1 ? " (and more key or policy problems)" : "");
	if (rep->shim_ok)
		bg_log(LOG_INFO, NULL, "shim %s: %u key(s) enrolled, keyring sealed",
		       BL_SHIM_MODULE, rep->nr_keys);
	for (i = 0; i < cfg->nr_ext; i++) {
		const struct bl_ext_config *e = &cfg->ext[i];
		const struct bl_ext_report *er = &rep->ext[i];

		switch (er->result) {
		case BL_RES_LOADED:
			if (er->version)
				bg_log(LOG_INFO, BL_MSGID_LOADED, "extension %s: loaded (module %s), content %llu",
				       e->name, e->module, (unsigned long long)er->version);
			else
				bg_log(LOG_INFO, BL_MSGID_LOADED, "extension %s: loaded (module %s), no content staged yet",
				       e->name, e->module);
			break;
		case BL_RES_DISABLED:
			bg_log(LOG_WARNING, BL_MSGID_LOAD_SKIPPED,
			       "extension %s: not loaded: disabled for boot %llu (bulkheadctl status says why)",
			       e->name, (unsigned long long)d->boot_id);
			break;
		case BL_RES_SAFE_MODE:
			bg_log(LOG_WARNING, BL_MSGID_LOAD_SKIPPED,
			       "extension %s: not loaded: safe mode", e->name);
			break;
		default:
			bg_log(e->required ? LOG_CRIT : LOG_ERR, BL_MSGID_LOAD_FAILED,
			       "extension %s: %s%s: %s", e->name, bl_result_name(er->result),
			       e->required ? " (required)" : "", er->error);
			break;
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 'd' },
		{ "config-dir", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *config_dir;
	const char *state_dir;
	_cleanup_(bl_config_freep) struct bl_config *cfg = calloc(1, sizeof(*cfg));
	_cleanup_free_ struct bl_decision *d = calloc(1, sizeof(*d));
	_cleanup_free_ struct bl_report *rep = calloc(1, sizeof(*rep));
	_cleanup_free_ char *decision_path = NULL;
	struct bl_kernel k = {};
	struct bl_trust_config trust = {};
	struct bulkhead_msg msg;
	bool no_decision = false;
	char why[BULKHEAD_MSG_LEN];
	struct bg_env env;
	struct bl_ctx ctx;
	uint32_t i;
	int c, code;

	bg_env_init(&env);
	state_dir = env.state_dir;
	config_dir = env.extensions_dir;
	while ((c = getopt_long(argc, argv, "d:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			state_dir = optarg;
			break;
		case 'c':
			config_dir = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return BL_EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return BL_EXIT_USAGE;
		}
	}
	if (optind != argc || !cfg || !d || !rep ||
	    asprintf(&decision_path, "%s/boot.json", state_dir) < 0) {
		fputs(usage_text, stderr);
		return BL_EXIT_USAGE;
	}
	bg_notify("STATUS=reading the boot guard's decision");

	if (bl_config_load_dir(config_dir, state_dir, cfg) && !cfg->nr_errors)
		bg_log(LOG_ERR, BL_MSGID_CONFIG, "extensions.d %s: cannot read", config_dir);
	for (i = 0; i < cfg->nr_errors && i < BL_MAX_CONFIG_ERRORS; i++)
		bg_log(LOG_ERR, BL_MSGID_CONFIG, "%s; that extension is not loaded",
		       cfg->errors[i].text);

	trust.keys_dir = env.keys_dir;
	if (bl_trust_config_load(env.trust_conf, &trust, &msg))
		bg_log(LOG_ERR, BL_MSGID_CONFIG, "%s; format 1 content is not allowed", msg.text);

	if (bl_decision_load(decision_path, d, &msg)) {
		bg_log(LOG_CRIT, BL_MSGID_NO_DECISION, "%s: booting in safe mode", msg.text);
		no_decision = true;
	} else if (!decision_current(d, &env, why, sizeof(why))) {
		bg_log(LOG_CRIT, BL_MSGID_NO_DECISION, "decision %s is stale: %s: booting in safe mode",
		       decision_path, why);
		no_decision = true;
	}
	if (no_decision)
		fallback_decision(state_dir, d);
	/* a bad name in the disable list cost only itself, not safe mode */
	for (i = 0; i < d->nr_warnings && i < BL_MAX_DECISION_WARNINGS; i++)
		bg_log(LOG_ERR, NULL, "%s", d->warnings[i].text);
	if (d->nr_warnings > BL_MAX_DECISION_WARNINGS)
		bg_log(LOG_ERR, NULL, "decision %s: %u more entries skipped", decision_path,
		       d->nr_warnings - BL_MAX_DECISION_WARNINGS);

	if (bl_kernel_real(&k, BL_SECURITYFS_ROOT, true, &msg)) {
		bg_log(LOG_CRIT, BL_MSGID_LOAD_FAILED, "%s: nothing loaded", msg.text);
		bg_notify("READY=1\nSTATUS=failed: %s", msg.text);
		return BL_EXIT_FAILED;
	}
	ctx = (struct bl_ctx){ .state_dir = state_dir, .cfg = cfg, .trust = &trust, .kernel = &k,
			       .fsops = &bg_real_fsops, .now = bg_now() };
	bg_notify("STATUS=loading %s and %u extension(s)%s", BL_SHIM_MODULE, cfg->nr_ext,
		   d->safe_mode ? " (safe mode)" : "");
	code = bl_load(&ctx, d, rep);
	bl_kernel_release(&k);
	report(cfg, d, rep);
	if (no_decision)
		code = BL_EXIT_FAILED;
	/* every push is done: probation is counted from here, never earlier */
	ctx.uptime = bg_uptime();
	if (bl_record(&ctx, d, rep, &msg)) {
		bg_log(LOG_ERR, NULL, "%s: this boot's load results are not recorded", msg.text);
		if (code == BL_EXIT_OK)
			code = BL_EXIT_DEGRADED;
	}
	snprintf(why, sizeof(why), "boot %llu: shim %s, %u of %u extension(s) loaded, %u failed%s%s",
		 (unsigned long long)d->boot_id,
		 rep->shim_ok ? "loaded" : d->no_shim ? "not loaded (the guard's last rung)" : "FAILED",
		 rep->nr_loaded, cfg->nr_ext, rep->nr_failed,
		 d->safe_mode ? ", safe mode" : "",
		 cfg->nr_errors ? ", config errors" : "");
	bg_log(code == BL_EXIT_OK ? LOG_INFO : code == BL_EXIT_DEGRADED ? LOG_WARNING : LOG_ERR,
	       BL_MSGID_LOADER_DONE, "%s", why);
	bg_notify("READY=1\nSTATUS=%s", why);
	return code;
}
