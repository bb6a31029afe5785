// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * bulkheadctl - the operator's command.
 *
 *   bulkheadctl content build SOURCE.json -o FILE [--schema S]
 *   bulkheadctl content sign FILE --key K --cert C [-o OUT]
 *   bulkheadctl content verify FILE --schema S [--cert C | --keys DIR]
 *                              [--require-signature]
 *   bulkheadctl content dump FILE [-o OUT.json]
 *   bulkheadctl content stage EXT FILE [--force] [--version V]
 *   bulkheadctl schema check S
 *   bulkheadctl [--state-dir D] status [--json] | history [--json]
 *   bulkheadctl [--state-dir D] enable EXT | disable EXT | pin EXT VERSION | reset
 *
 * Exit codes: 0 success; 1 the content or schema was refused (the reason
 * is on stderr), or for status: the machine is degraded; 2 usage error or
 * an input that could not be read; 3 the guard's state could not be read
 * or written.
 * This is the one place that prints: library calls return the reason and
 * the command reports it once.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "content_json.h"
#include "guard.h"
#include "loader.h"
#include "store.h"
#include "log.h"
#include "schema_file.h"
#include "sign.h"

#define EXIT_REFUSED	1
#define EXIT_USAGE	2

/* the tool reads files up to this size; the shim has its own, lower limit */
#define CONTENT_MAX	(1024UL * 1024 * 1024)

static const char usage_text[] =
	"usage: bulkheadctl content build SOURCE.json -o FILE [--schema S]\n"
	"       bulkheadctl content sign FILE --key K --cert C [-o OUT]\n"
	"       bulkheadctl content verify FILE --schema S [--cert C | --keys DIR]\n"
	"                   [--require-signature]\n"
	"       bulkheadctl content dump FILE [-o OUT.json]\n"
	"       bulkheadctl [--state-dir D] content stage EXT FILE [--force] [--version V]\n"
	"                   [--config-dir D]\n"
	"       bulkheadctl schema check S\n"
	"       bulkheadctl [--state-dir D] status [--json] | history [--json]\n"
	"       bulkheadctl [--state-dir D] enable EXT | disable EXT | pin EXT VERSION | reset\n"
	"exit: 0 ok, 1 refused or degraded, 2 usage or unreadable input, 3 state unusable\n";

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "bulkheadctl: %s\n", why);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

struct opts {
	const char *output;
	const char *schema;
	const char *state_dir;
	const char *config_dir;
	const char *version;
	const char *key;
	const char *cert;
	const char *keys;
	bool require_sig;
	bool force;
	bool json;
	const char *args[2];
	int nargs;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "schema", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ "version", required_argument, NULL, 'V' },
		{ "config-dir", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'C' },
		{ "keys", required_argument, NULL, 'K' },
		{ "require-signature", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 's':
			o->schema = optarg;
			break;
		case 'd':
			o->state_dir = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'f':
			o->force = true;
			break;
		case 'V':
			o->version = optarg;
			break;
		case 'c':
			o->config_dir = optarg;
			break;
		case 'k':
			o->key = optarg;
			break;
		case 'C':
			o->cert = optarg;
			break;
		case 'K':
			o->keys = optarg;
			break;
		case 'r':
			o->require_sig = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fprintf(stderr, "bulkheadctl: %s: unknown option or missing argument\n",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	for (; optind < argc; optind++) {
		if (o->nargs == 2) {
			fprintf(stderr, "bulkheadctl: unexpected argument '%s'\n", argv[optind]);
			return -EINVAL;
		}
		o->args[o->nargs++] = argv[optind];
	}
	return 0;
}

static int load_schema(const char *path, struct bulkhead_schema **ret)
{
	struct bulkhead_msg msg;
	int err;

	err = bulkhead_schema_load(path, ret, &msg);
	if (err)
		fprintf(stderr, "%s\n", msg.text);
	return err;
}

/*
 * validate @buf (BH_VALIDATE_* @flags, signatures checked by @v if not
 * NULL); on refusal print the reason naming @path
 */
static int check_content(const char *path, const uint8_t *buf, size_t len,
			 const struct bh_schema *s, unsigned int flags,
			 const struct bh_sig_verifier *v, struct bh_content *view)
{
	struct bh_error e;

	if (bh_content_validate_signed(buf, len, s, flags, v, view, &e)) {
		fprintf(stderr, "content %s: refused (%s): %s\n", path,
			bh_err_name(e.code), e.msg);
		return EXIT_REFUSED;
	}
	return 0;
}

/*
 * Read the content file args[0] and check its structure only (any
 * schema, a signature shown and not checked), as sign and dump need it.
 */
static int read_content(const struct opts *o, uint8_t **ret_buf, size_t *ret_len,
			struct bh_content *view)
{
	struct bulkhead_msg msg;

	if (bulkhead_read_file(o->args[0], CONTENT_MAX, ret_buf, ret_len, &msg)) {
		fprintf(stderr, "content %s\n", msg.text);
		return EXIT_USAGE;
	}
	return check_content(o->args[0], *ret_buf, *ret_len, NULL,
			     BH_VALIDATE_SIG_UNCHECKED, NULL, view);
}

static int cmd_content_build(struct opts *o)
{
	_cleanup_schema_ struct bulkhead_schema *schema = NULL;
	_cleanup_json_ struct json_object *src = NULL;
	_cleanup_free_ uint8_t *text = NULL, *out = NULL;
	struct bulkhead_msg msg;
	struct bh_content view;
	size_t len, outlen;
	int r;

	if (o->nargs != 1 || !o->output)
		return usage("content build needs SOURCE.json and -o FILE");
	if (o->schema && load_schema(o->schema, &schema))
		return EXIT_USAGE;
	if (bulkhead_read_file(o->args[0], CONTENT_MAX, &text, &len, &msg)) {
		fprintf(stderr, "source %s\n", msg.text);
		return EXIT_USAGE;
	}
	if (bulkhead_json_parse((const char *)text, len, o->args[0], &src, &msg) ||
	    bulkhead_content_build(src, o->args[0], &out, &outlen, &msg)) {
		fprintf(stderr, "%s\n", msg.text);
		return EXIT_REFUSED;
	}
	if (schema) {
		r = check_content(o->output, out, outlen, &schema->s, 0, NULL, &view);
		if (r)
			return r;
	}
	if (bulkhead_write_file_atomic(o->output, out, outlen, 0644, &msg)) {
		fprintf(stderr, "content %s\n", msg.text);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * Sign FILE (common/sign.c): to OUT, or FILE replaced atomically with
 * its mode kept.  Exit 1 if FILE is refused, 2 for a key or certificate
 * that cannot be used, or an output that cannot be written.
 */
static int cmd_content_sign(struct opts *o)
{
	_cleanup_free_ uint8_t *buf = NULL, *out = NULL;
	struct bulkhead_msg msg;
	struct bh_content view;
	size_t len, outlen;
	mode_t mode = 0644;
	struct stat st;
	const char *dest;
	int r;

	if (o->nargs != 1 || !o->key || !o->cert)
		return usage("content sign needs FILE, --key K and --cert C");
	if (o->schema || o->keys || o->require_sig)
		return usage("content sign takes only --key, --cert and -o");
	/* the standard refusal line for content that cannot be signed */
	r = read_content(o, &buf, &len, &view);
	if (r)
		return r;
	r = bulkhead_content_sign(buf, len, o->key, o->cert, &out, &outlen, &msg);
	if (r) {
		fprintf(stderr, "content %s: %s\n", o->args[0], msg.text);
		return r == -EBADMSG ? EXIT_REFUSED : EXIT_USAGE;
	}
	dest = o->output ? o->output : o->args[0];
	if (!o->output && !stat(o->args[0], &st))
		mode = st.st_mode & 07777;
	if (bulkhead_write_file_atomic(dest, out, outlen, mode, &msg)) {
		fprintf(stderr, "content %s\n", msg.text);
		return EXIT_USAGE;
	}
	return 0;
}

/* the keys --cert or --keys names; *@ret stays NULL without either */
static int load_keyset(const struct opts *o, struct bulkhead_keyset **ret)
{
	struct bulkhead_msg msg;
	int err = 0;

	if (o->cert)
		err = bulkhead_keyset_load_cert(o->cert, ret, &msg);
	else if (o->keys)
		err = bulkhead_keyset_load_dir(o->keys, ret, &msg);
	if (err)
		fprintf(stderr, "%s\n", msg.text);
	return err;
}

/* what the summary line says about the signature */
static void signature_summary(const struct bh_content *view,
			      const struct bulkhead_keyset *ks, char *buf,
			      size_t size)
{
	char who[BULKHEAD_MSG_LEN];

	if (view->format_version == BH_FORMAT_V1)
		snprintf(buf, size, "format 1, unsigned");
	else if (view->sig_type == BH_SIG_NONE)
		snprintf(buf, size, "unsigned");
	else if (view->sig_verified && ks)
		snprintf(buf, size, "signed by %s, verified",
			 bulkhead_keyset_signer(ks));
	else if (!bulkhead_sig_describe(view->sig, view->sig_len, who, sizeof(who)))
		snprintf(buf, size, "signed (%s), signature not checked (no --cert or --keys)",
			 who);
	else
		snprintf(buf, size, "signed, signature not checked (no --cert or --keys; it does not parse: %s)",
			 who);
}

static int cmd_content_verify(struct opts *o)
{
	_cleanup_schema_ struct bulkhead_schema *schema = NULL;
	_cleanup_keyset_ struct bulkhead_keyset *ks = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	char sig[2 * BULKHEAD_MSG_LEN];
	struct bh_sig_verifier v;
	struct bulkhead_msg msg;
	struct bh_content view;
	unsigned int flags;
	size_t len;
	int r;

	if (o->nargs != 1 || !o->schema)
		return usage("content verify needs FILE and --schema S");
	if (o->cert && o->keys)
		return usage("content verify takes --cert C or --keys DIR, not both");
	if (o->require_sig && !o->cert && !o->keys)
		return usage("--require-signature needs --cert C or --keys DIR to check it with");
	if (o->key || o->output)
		return usage("content verify takes no --key or -o");
	if (load_schema(o->schema, &schema) || load_keyset(o, &ks))
		return EXIT_USAGE;
	if (bulkhead_read_file(o->args[0], CONTENT_MAX, &buf, &len, &msg)) {
		fprintf(stderr, "content %s\n", msg.text);
		return EXIT_USAGE;
	}
	/* without keys a signature is left unchecked, and the summary says so */
	flags = ks ? 0 : BH_VALIDATE_SIG_UNCHECKED;
	if (o->require_sig)
		flags |= BH_VALIDATE_REQUIRE_SIG;
	v = bulkhead_keyset_verifier(ks);
	r = check_content(o->args[0], buf, len, &schema->s, flags, ks ? &v : NULL,
			  &view);
	if (r)
		return r;
	signature_summary(&view, ks, sig, sizeof(sig));
	printf("content %s: valid: extension '%s', schema '%s' version %u, content version %llu, %u records, %s\n",
	       o->args[0], view.extension, view.schema_name, view.schema_version,
	       (unsigned long long)view.content_version, view.record_count, sig);
	return 0;
}

static int cmd_content_dump(struct opts *o)
{
	_cleanup_json_ struct json_object *doc = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	struct bulkhead_msg msg;
	struct bh_content view;
	const char *text;
	size_t len;
	int r;

	if (o->nargs != 1 || o->schema)
		return usage("content dump needs FILE (and no --schema)");
	/* the structure only: a signature is shown, not checked */
	r = read_content(o, &buf, &len, &view);
	if (r)
		return r;
	if (bulkhead_content_dump(&view, &doc, &msg)) {
		fprintf(stderr, "content %s: %s\n", o->args[0], msg.text);
		return EXIT_REFUSED;
	}
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (o->output) {
		_cleanup_free_ char *withnl = NULL;

		if (asprintf(&withnl, "%s\n", text) < 0) {
			fprintf(stderr, "content %s: out of memory\n", o->args[0]);
			return EXIT_USAGE;
		}
		if (bulkhead_write_file_atomic(o->output, withnl, strlen(withnl), 0644, &msg)) {
			fprintf(stderr, "dump %s\n", msg.text);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (printf("%s\n", text) < 0 || fflush(stdout)) {
		fprintf(stderr, "content %s: writing the dump failed: %s\n", o->args[0],
			strerror(errno));
		return EXIT_USAGE;
	}
	return 0;
}

static int cmd_schema_check(struct opts *o)
{
	_cleanup_schema_ struct bulkhead_schema *schema = NULL;
	_cleanup_free_ char *text = NULL;
	struct bulkhead_msg msg;
	int err;

	if (o->nargs != 1 || o->output || o->schema)
		return usage("schema check needs S");
	err = bulkhead_schema_load(o->args[0], &schema, &msg);
	if (err) {
		fprintf(stderr, "%s\n", msg.text);
		return err == -EINVAL ? EXIT_REFUSED : EXIT_USAGE;
	}
	text = bulkhead_schema_text(&schema->s);
	if (!text) {
		fprintf(stderr, "schema %s: out of memory\n", o->args[0]);
		return EXIT_USAGE;
	}
	fputs(text, stdout);
	return 0;
}

static void guard_env(const struct opts *o, struct bg_env *env)
{
	bg_env_init(env);
	if (o->state_dir) {
		env->state_dir = o->state_dir;
		/* the default metrics describe the default state only */
		env->metrics_dir = NULL;
	}
}

static int cmd_status(struct opts *o)
{
	struct bg_env env;

	if (o->nargs || o->output || o->schema)
		return usage("status takes only --json and --state-dir");
	guard_env(o, &env);
	return bg_cmd_status(&env, o->json);
}

static int cmd_history(struct opts *o)
{
	struct bg_env env;

	if (o->nargs || o->output || o->schema)
		return usage("history takes only --json and --state-dir");
	guard_env(o, &env);
	return bg_cmd_history(&env, o->json);
}

static int cmd_enable_disable(struct opts *o, bool enable)
{
	struct bg_env env;

	if (o->nargs != 1 || o->json || o->output || o->schema)
		return usage(enable ? "enable needs EXT" : "disable needs EXT");
	guard_env(o, &env);
	return bg_cmd_enable(&env, o->args[0], enable);
}

static int cmd_enable(struct opts *o)
{
	return cmd_enable_disable(o, true);
}

static int cmd_disable(struct opts *o)
{
	return cmd_enable_disable(o, false);
}

static int parse_version_arg(const char *text, uint64_t *ret)
{
	char *end;

	errno = 0;
	*ret = strtoull(text, &end, 10);
	return errno || *end || *text < '1' || *text > '9' ? -EINVAL : 0;
}

static const char *extensions_dir(const struct opts *o, const struct bg_env *env)
{
	return o->config_dir ? o->config_dir : env->extensions_dir;
}

/* a pin the loader cannot carry out is worth a word while it can be fixed */
static void warn_unstored_pin(const struct opts *o, const struct bg_env *env)
{
	_cleanup_(bl_config_freep) struct bl_config *cfg = calloc(1, sizeof(*cfg));
	_cleanup_free_ char *path = NULL;
	const struct bl_ext_config *ec;
	uint64_t v;

	if (!cfg || parse_version_arg(o->args[1], &v) ||
	    bl_config_load_dir(extensions_dir(o, env), env->state_dir, cfg))
		return;
	ec = bl_config_find(cfg, o->args[0]);
	if (!ec || bl_store_path(ec->content_dir, v, &path) || !access(path, F_OK))
		return;
	fprintf(stderr, "bulkheadctl: warning: pin %s %s: %s is not in the store; the loader will report content-missing until it is staged\n",
		o->args[0], o->args[1], path);
}

static int cmd_pin(struct opts *o)
{
	struct bg_env env;
	int r;

	if (o->nargs != 2 || o->json || o->output || o->schema)
		return usage("pin needs EXT VERSION (0 unpins)");
	guard_env(o, &env);
	r = bg_cmd_pin(&env, o->args[0], o->args[1]);
	if (!r)
		warn_unstored_pin(o, &env);
	return r;
}

static int cmd_reset(struct opts *o)
{
	struct bg_env env;

	if (o->nargs || o->json || o->output || o->schema)
		return usage("reset takes no arguments");
	guard_env(o, &env);
	return bg_cmd_reset(&env);
}

/*
 * Validate, store and hand over new content (loader/stage.c).  Exit 0
 * staged (active or held as pending), 1 refused (nothing changed), 2
 * usage or unreadable input, 3 state unusable.
 */
static int cmd_content_stage(struct opts *o)
{
	_cleanup_(bl_config_freep) struct bl_config *cfg = calloc(1, sizeof(*cfg));
	struct bl_stage_opts so = {};
	struct bl_stage_result res = {};
	struct bl_kernel k = {};
	struct bulkhead_msg msg;
	struct bg_env env;
	struct bl_ctx ctx;
	const char *config_dir;
	uint32_t i;
	int err;

	if (o->nargs != 2 || o->json || o->output || o->schema)
		return usage("content stage needs EXT FILE");
	if (!cfg)
		return EXIT_USAGE;
	so.ext = o->args[0];
	so.file = o->args[1];
	so.force = o->force;
	if (o->version && parse_version_arg(o->version, &so.version))
		return usage("--version needs a content version above 0");
	guard_env(o, &env);
	config_dir = extensions_dir(o, &env);
	bl_config_load_dir(config_dir, env.state_dir, cfg);
	for (i = 0; i < cfg->nr_errors && i < BL_MAX_CONFIG_ERRORS; i++)
		fprintf(stderr, "bulkheadctl: warning: %s\n", cfg->errors[i].text);
	if (bl_kernel_real(&k, BL_SECURITYFS_ROOT, false, &msg)) {
		fprintf(stderr, "bulkheadctl: %s\n", msg.text);
		return EXIT_USAGE;
	}
	ctx = (struct bl_ctx){ .state_dir = env.state_dir, .cfg = cfg, .kernel = &k,
			       .fsops = &bg_real_fsops, .now = bg_now(), .uptime = bg_uptime() };
	err = bl_stage(&ctx, &so, &res, &msg);
	bl_kernel_release(&k);
	if (err) {
		bg_log(LOG_ERR, BL_MSGID_STAGE_REFUSED, "stage %s: %s", so.ext, msg.text);
		switch (err) {
		case -EBADMSG:
		case -ESTALE:
		case -EEXIST:
		case -EIO:
			return EXIT_REFUSED;
		case -ENOSPC:
			return BG_EXIT_FAILED;
		default:
			return EXIT_USAGE;
		}
	}
	bg_log(LOG_NOTICE, BL_MSGID_STAGED, "stage %s: content %llu %s: %s", so.ext,
	       (unsigned long long)res.version, res.outcome, res.detail);
	/* a stage decision, and maybe a new active version */
	bg_refresh_metrics(&env);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *group, *verb;
		int (*fn)(struct opts *o);
	} cmds[] = {
		{ "content", "build", cmd_content_build },
		{ "content", "sign", cmd_content_sign },
		{ "content", "verify", cmd_content_verify },
		{ "content", "dump", cmd_content_dump },
		{ "content", "stage", cmd_content_stage },
		{ "schema", "check", cmd_schema_check },
	};
	static const struct {
		const char *word;
		int (*fn)(struct opts *o);
	} guard_cmds[] = {
		{ "status", cmd_status },
		{ "history", cmd_history },
		{ "enable", cmd_enable },
		{ "disable", cmd_disable },
		{ "pin", cmd_pin },
		{ "reset", cmd_reset },
	};
	struct opts o = {};
	int first = 1;
	size_t i;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_text, stdout);
		return 0;
	}
	/* the guard's commands may follow --state-dir D */
	if (argc >= 3 && !strcmp(argv[1], "--state-dir")) {
		o.state_dir = argv[2];
		first = 3;
	}
	for (i = 0; first < argc && i < sizeof(guard_cmds) / sizeof(guard_cmds[0]); i++) {
		if (strcmp(argv[first], guard_cmds[i].word))
			continue;
		if (parse_opts(argc - first, argv + first, &o))
			return usage(NULL);
		return guard_cmds[i].fn(&o);
	}
	if (argc < first + 2)
		return usage(NULL);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[first], cmds[i].group) || strcmp(argv[first + 1], cmds[i].verb))
			continue;
		if (parse_opts(argc - first - 1, argv + first + 1, &o))
			return usage(NULL);
		return cmds[i].fn(&o);
	}
	fprintf(stderr, "bulkheadctl: unknown command '%s %s'\n", argv[first], argv[first + 1]);
	return usage(NULL);
}
