// SPDX-License-Identifier: GPL-2.0
/*
 * bh_bench_main.c - bh_bench, a test-only module: what `make bench`
 * measures inside the kernel, where the exec benchmark under TCG (15.9 ms
 * per exec, +-3 % between rounds) cannot see it.  Host side:
 * tests/vm/bench-kernel.sh; guest side: tests/vm/bench/kernel-bench.sh.
 *
 *   validate  bh_content_validate() of a 64 MiB content file against
 *             crypto_shash "sha256" alone over the same payload, and the
 *             record walk alone (digest skipped), interleaved over R
 *             rounds.  The file is built here with the generator and the
 *             record mix of tests/bench/bench_validate.c (same seed, same
 *             records), for a schema that mirrors the unit tests' one.
 *   signed    bh_content_validate() of unsigned content against
 *             bh_content_validate_signed() of the same content signed,
 *             its signature checked by verify_pkcs7_signature() against
 *             a keyring of this module's, R rounds, for a content size
 *             the guest chose.  The guest signs: "prepare SIZE SIGLEN"
 *             builds the content with sig_type 1 and sig_len SIGLEN and
 *             shows its 160-byte header in the sign_header parameter
 *             (hex); the guest writes the DER signature of those bytes to
 *             sign_sig and the signer's DER certificate to sign_cert, both
 *             in hex, then "signed" measures.
 *   dispatch  N events through the shim's dispatch path into this
 *             module's handle_event against N calls of the same handler
 *             through a function pointer, R rounds, preemption off while
 *             timing (in batches of 100000 events).  The dispatch path is
 *             entered the way the tracepoint enters it: the shim's probe
 *             is found in sched_process_exec's probe array and called
 *             with its data and (task, old pid, bprm) as
 *             __traceiter_sched_process_exec calls it, inside
 *             preempt_disable_notrace() as __DO_TRACE does; only the
 *             static key's branch is left out.  Other probes on the
 *             tracepoint (a tracer's) are counted and not called.  Two
 *             handlers: "empty" only counts the event; "rules" also
 *             matches the exec'd path against bench_rules path rules the
 *             way bh_execwatch does, a sensor's work to set the wrapper's
 *             cost against.
 *
 * The validator and hash.c are the shim's sources compiled into this
 * module (bh_bench_lib.c).  Writing "validate" or "dispatch" to
 * /sys/module/bh_bench/parameters/run runs one in the writer's context
 * (the write fails with its errno) and appends its raw figures, one line
 * per round, to /sys/module/bh_bench/parameters/results; the host does
 * the arithmetic.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/binfmts.h>
#include <linux/err.h>
#include <linux/kallsyms.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>
#include <linux/ctype.h>
#include <linux/key.h>
#include <linux/cred.h>
#include <linux/verification.h>

#include "bulkhead.h"
#include "hash.h"

static unsigned int bench_rounds = 7;
module_param_named(rounds, bench_rounds, uint, 0644);
MODULE_PARM_DESC(rounds, "Measured rounds of each benchmark (after one warm-up round)");

static unsigned long bench_events = 1000000;
module_param_named(events, bench_events, ulong, 0644);
MODULE_PARM_DESC(events, "Events per dispatch measurement");

static unsigned int bench_size_mib = 64;
module_param_named(size_mib, bench_size_mib, uint, 0644);
MODULE_PARM_DESC(size_mib, "Size of the validation benchmark's content file in MiB");

#define BENCH_RULES_MAX	256
static unsigned int bench_nr_rules = 64;
module_param_named(rules, bench_nr_rules, uint, 0644);
MODULE_PARM_DESC(rules, "Path rules the \"rules\" handler matches per event (at most 256)");

/* ---- results --------------------------------------------------------- */

/* a parameter reads at most a page */
static char bench_results[4000];
static size_t bench_results_len;
static bool bench_ready;

static __printf(1, 2) void bench_out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bench_results_len += vscnprintf(bench_results + bench_results_len,
					sizeof(bench_results) - bench_results_len,
					fmt, ap);
	va_end(ap);
}

static int bench_results_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%s", bench_results);
}

static const struct kernel_param_ops bench_results_ops = {
	.get = bench_results_get,
};
module_param_cb(results, &bench_results_ops, NULL, 0444);
MODULE_PARM_DESC(results, "The raw figures of every run so far, one line per round");

/* ---- the content file ------------------------------------------------- */

#define BENCH_T_PATH_RULE	1	/* u32 id, string path, u32 action, bytes tag */
#define BENCH_T_COUNTER		2	/* u64 limit, u32 flags */
#define BENCH_T_CHANNEL		291	/* twenty strings */
#define BENCH_CHANNEL_FIELDS	20

static const struct bh_field_spec bench_path_rule_fields[] = {
	BH_FIELD_U32("id", 1, 1000000),
	BH_FIELD_STRING("path", 1, 255),
	BH_FIELD_U32("action", 0, 2),
	BH_FIELD_BYTES("tag", 0, 16),
};

static const struct bh_field_spec bench_counter_fields[] = {
	BH_FIELD_U64("limit", 10, 1ULL << 40),
	BH_FIELD_U32("flags", 0, 0xff),
};

#define BENCH_CH(n) BH_FIELD_STRING("f" #n, 0, 64)
static const struct bh_field_spec bench_channel_fields[BENCH_CHANNEL_FIELDS] = {
	BENCH_CH(0), BENCH_CH(1), BENCH_CH(2), BENCH_CH(3), BENCH_CH(4),
	BENCH_CH(5), BENCH_CH(6), BENCH_CH(7), BENCH_CH(8), BENCH_CH(9),
	BENCH_CH(10), BENCH_CH(11), BENCH_CH(12), BENCH_CH(13), BENCH_CH(14),
	BENCH_CH(15), BENCH_CH(16), BENCH_CH(17), BENCH_CH(18), BENCH_CH(19),
};

static const struct bh_template_spec bench_templates[] = {
	{ .id = BENCH_T_PATH_RULE, .name = "path-rule",
	  .nr_fields = ARRAY_SIZE(bench_path_rule_fields),
	  .fields = bench_path_rule_fields },
	{ .id = BENCH_T_COUNTER, .name = "counter",
	  .nr_fields = ARRAY_SIZE(bench_counter_fields),
	  .fields = bench_counter_fields },
	{ .id = BENCH_T_CHANNEL, .name = "channel-291",
	  .nr_fields = ARRAY_SIZE(bench_channel_fields),
	  .fields = bench_channel_fields },
};

static const struct bh_schema bench_schema = {
	.extension = "bh_bench",
	.name = "bench",
	.version = 1,
	.nr_templates = ARRAY_SIZE(bench_templates),
	.templates = bench_templates,
};

struct bench_buf {
	u8 *data;
	size_t len;
	size_t size;
	size_t rec;		/* offset of the open record */
	u32 records;
	u32 nr_kind[3];		/* path rules, counters, channel records */
	bool overflow;
};

/* bench_validate.c's xorshift, seed and all: the same records as there */
static u64 bench_rng_state;

static u32 bench_rng(u32 n)
{
	bench_rng_state ^= bench_rng_state << 13;
	bench_rng_state ^= bench_rng_state >> 7;
	bench_rng_state ^= bench_rng_state << 17;
	return (u32)(bench_rng_state % n);
}

static u8 *bench_grow(struct bench_buf *b, size_t n)
{
	u8 *p;

	if (b->overflow || n > b->size - b->len) {
		b->overflow = true;
		return NULL;
	}
	p = b->data + b->len;
	b->len += n;
	return p;
}

static void bench_store_le(u8 *p, u64 v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void bench_put_le(struct bench_buf *b, u64 v, unsigned int n)
{
	u8 *p = bench_grow(b, n);

	if (p)
		bench_store_le(p, v, n);
}

static void bench_put_var(struct bench_buf *b, u8 type, const void *s, size_t n)
{
	u8 *p = bench_grow(b, 3 + n);

	if (!p)
		return;
	p[0] = type;
	bench_store_le(p + 1, n, 2);
	memcpy(p + 3, s, n);
}

static void bench_u32(struct bench_buf *b, u32 v)
{
	bench_put_le(b, BH_FT_U32, 1);
	bench_put_le(b, v, 4);
}

static void bench_u64(struct bench_buf *b, u64 v)
{
	bench_put_le(b, BH_FT_U64, 1);
	bench_put_le(b, v, 8);
}

static void bench_record_begin(struct bench_buf *b, u16 tid, u16 nf)
{
	b->rec = b->len;
	bench_put_le(b, tid, 2);
	bench_put_le(b, nf, 2);
	bench_put_le(b, 0, 4);
}

static void bench_record_end(struct bench_buf *b)
{
	if (b->overflow)
		return;
	bench_store_le(b->data + b->rec + 4, b->len - b->rec, 4);
	b->records++;
}

static const char *const bench_dirs[] = {
	"/usr/bin/", "/usr/sbin/", "/usr/lib/x86_64-linux-gnu/",
	"/usr/local/bin/", "/opt/vendor/agent/bin/", "/usr/libexec/",
	"/home/build/.cache/tools/", "/var/lib/containers/storage/",
};

static size_t bench_make_path(char *buf, size_t want)
{
	const char *d = bench_dirs[bench_rng(ARRAY_SIZE(bench_dirs))];
	size_t n = min(strlen(d), want);

	memcpy(buf, d, n);
	while (n < want) {
		u32 r = bench_rng(40);

		buf[n++] = r < 26 ? 'a' + r : r < 36 ? '0' + (r - 26) :
			   r < 38 ? '-' : '.';
	}
	return n;
}

static void bench_path_rule(struct bench_buf *b, size_t path_len, size_t tag_len)
{
	char path[256];
	u8 tag[16];
	size_t i;

	for (i = 0; i < tag_len; i++)
		tag[i] = (u8)bench_rng(256);
	bench_record_begin(b, BENCH_T_PATH_RULE, 4);
	bench_u32(b, 1 + bench_rng(1000000));
	bench_put_var(b, BH_FT_STRING, path, bench_make_path(path, path_len));
	bench_u32(b, bench_rng(3));
	bench_put_var(b, BH_FT_BYTES, tag, tag_len);
	bench_record_end(b);
	b->nr_kind[0]++;
}

static void bench_counter_rec(struct bench_buf *b)
{
	bench_record_begin(b, BENCH_T_COUNTER, 2);
	bench_u64(b, 10 + bench_rng(1u << 30));
	bench_u32(b, bench_rng(256));
	bench_record_end(b);
	b->nr_kind[1]++;
}

static void bench_channel_rec(struct bench_buf *b)
{
	unsigned int i;
	char s[64];
	size_t n, j;

	bench_record_begin(b, BENCH_T_CHANNEL, BENCH_CHANNEL_FIELDS);
	for (i = 0; i < BENCH_CHANNEL_FIELDS; i++) {
		n = 4 + bench_rng(28);
		for (j = 0; j < n; j++)
			s[j] = 'a' + bench_rng(26);
		bench_put_var(b, BH_FT_STRING, s, n);
	}
	bench_record_end(b);
	b->nr_kind[2]++;
}

/* a path rule of exactly @size bytes, 25 to 295 (24 + path + tag) */
static void bench_path_rule_sized(struct bench_buf *b, size_t size)
{
	size_t tag = size - 24 > 255 ? size - 24 - 255 : 0;

	bench_path_rule(b, size - 24 - tag, tag);
}

static void bench_put_name(u8 *field, const char *name)
{
	memset(field, 0, BH_NAME_LEN);
	memcpy(field, name, strlen(name));
}

/*
 * Format 2's digest by @tfm, straight through the crypto API: every
 * header byte but the digest's own, then the payload in one update.
 */
static int bench_digest(const struct bench_buf *b, struct crypto_shash *tfm,
			u8 *out)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	int err;

	desc->tfm = tfm;
	err = crypto_shash_init(desc);
	if (!err)
		err = crypto_shash_update(desc, b->data, BH_OFF_DIGEST);
	if (!err)
		err = crypto_shash_update(desc, b->data + BH_OFF_DIGEST + BH_DIGEST_LEN,
					  BH_HEADER_LEN - BH_OFF_DIGEST - BH_DIGEST_LEN);
	if (!err)
		err = crypto_shash_finup(desc, b->data + BH_HEADER_LEN,
					 b->len - BH_HEADER_LEN, out);
	shash_desc_zero(desc);
	return err;
}

static int bench_put_digest(struct bench_buf *b, struct crypto_shash *tfm)
{
	return bench_digest(b, tfm, b->data + BH_OFF_DIGEST);
}

/*
 * Fill @b (of b->size bytes) with a header and records up to exactly its
 * size, as bench_validate.c's build() does, and put the payload's digest
 * by @tfm in the header.
 */
static int bench_build(struct bench_buf *b, struct crypto_shash *tfm)
{
	u8 *h = b->data;
	size_t rest;

	bench_rng_state = 0x9e3779b97f4a7c15ULL;
	memset(h, 0, BH_HEADER_LEN);
	memcpy(h + BH_OFF_MAGIC, BH_MAGIC, BH_MAGIC_LEN);
	bench_store_le(h + BH_OFF_FORMAT_VERSION, BH_FORMAT_VERSION, 2);
	bench_store_le(h + BH_OFF_HEADER_LEN, BH_HEADER_LEN, 2);
	bench_put_name(h + BH_OFF_EXTENSION, bench_schema.extension);
	bench_put_name(h + BH_OFF_SCHEMA, bench_schema.name);
	bench_store_le(h + BH_OFF_SCHEMA_VERSION, bench_schema.version, 4);
	bench_store_le(h + BH_OFF_CONTENT_VERSION, 1, 8);
	b->len = BH_HEADER_LEN;

	while (!b->overflow && b->size - b->len > 1024) {
		u32 k = bench_rng(100);

		if (k < 88)
			bench_path_rule(b, 30 + bench_rng(21), 4 + bench_rng(5));
		else if (k < 96)
			bench_counter_rec(b);
		else
			bench_channel_rec(b);
		if (!(b->records & 4095))
			cond_resched();
	}
	while (!b->overflow && b->size - b->len > 2 * 295)
		bench_path_rule_sized(b, 295);
	if (!b->overflow) {
		rest = b->size - b->len;
		bench_path_rule_sized(b, rest / 2);
		bench_path_rule_sized(b, rest - rest / 2);
	}
	if (b->overflow || b->len != b->size)
		return -EOVERFLOW;

	bench_store_le(h + BH_OFF_RECORD_COUNT, b->records, 4);
	bench_store_le(h + BH_OFF_PAYLOAD_LEN, b->len - BH_HEADER_LEN, 8);
	return bench_put_digest(b, tfm);
}

/* ---- validate against the kernel's SHA-256 alone ------------------------ */

static struct crypto_shash *bench_tfm;

/* the baseline: the digest by the crypto API, the payload in one piece */
static int bench_hash_alone(const struct bench_buf *b, u64 *ret_ns)
{
	u8 digest[BH_DIGEST_LEN];
	u64 t0;
	int err;

	t0 = ktime_get_ns();
	err = bench_digest(b, bench_tfm, digest);
	*ret_ns = ktime_get_ns() - t0;
	if (!err && memcmp(digest, b->data + BH_OFF_DIGEST, BH_DIGEST_LEN))
		err = -EBADMSG;
	return err;
}

static int bench_validate_once(const struct bench_buf *b, unsigned int flags,
			       u64 *ret_ns)
{
	struct bh_content c;
	struct bh_error e;
	u64 t0;
	int err;

	t0 = ktime_get_ns();
	err = bh_content_validate(b->data, b->len, &bench_schema, flags, &c, &e);
	*ret_ns = ktime_get_ns() - t0;
	if (err)
		bench_out("error validator refused the content: %s: %s\n",
			  bh_err_name(e.code), e.msg);
	return err;
}

/* one round: hash alone, full validation, walk alone; reversed on odd rounds */
static int bench_validate_round(const struct bench_buf *b, unsigned int r,
				u64 t[3])
{
	unsigned int i, op;
	int err = 0;

	for (i = 0; i < 3 && !err; i++) {
		op = r & 1 ? 2 - i : i;
		if (op == 0)
			err = bench_hash_alone(b, &t[0]);
		else
			err = bench_validate_once(b, op == 1 ? 0 : BH_VALIDATE_SKIP_DIGEST,
						  &t[op]);
		cond_resched();
	}
	return err;
}

static int bench_validate(void)
{
	struct bench_buf b = { .size = (size_t)bench_size_mib << 20 };
	unsigned int r;
	u64 t[3];
	int err;

	if (b.size < 4096 || b.size > SZ_1G)
		return -EINVAL;
	b.data = vmalloc(b.size);
	if (!b.data)
		return -ENOMEM;
	err = bench_build(&b, bench_tfm);
	if (err) {
		bench_out("error building the content: %d\n", err);
		goto out_free;
	}
	bench_out("info validate-driver %s\n", bh_hash_driver());
	bench_out("info hash-driver %s\n", crypto_shash_driver_name(bench_tfm));
	bench_out("info content %zu bytes %u records %u path-rule %u counter %u channel-291\n",
		  b.len, b.records, b.nr_kind[0], b.nr_kind[1], b.nr_kind[2]);
	/* round 0 warms up (and proves the content valid), unrecorded */
	for (r = 0; r <= bench_rounds; r++) {
		err = bench_validate_round(&b, r, t);
		if (err) {
			bench_out("error validate round %u: %d\n", r, err);
			break;
		}
		if (r)
			bench_out("validate %u %llu %llu %llu\n", r, t[0], t[1], t[2]);
	}
out_free:
	vfree(b.data);
	return err;
}

/* ---- signed content: what the signature check adds ------------------------ */

struct bench_blob {
	u8 *data;
	size_t len;
};

static struct bench_blob bench_sig, bench_cert;
static struct bench_buf bench_prepared;	/* content, room for the signature */
static u8 bench_header[BH_HEADER_LEN];
static bool bench_have_header;

/* a hex string (whitespace around it allowed) into a blob */
static int bench_blob_set(const char *val, const struct kernel_param *kp)
{
	struct bench_blob *bl = kp->arg;
	size_t n = strlen(val);
	u8 *data;

	while (n && isspace(val[n - 1]))
		n--;
	if (!n || n % 2 || n / 2 > BH_SIG_MAX)
		return -EINVAL;
	data = kvmalloc(n / 2, GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	if (hex2bin(data, val, n / 2)) {
		kvfree(data);
		return -EINVAL;
	}
	kvfree(bl->data);
	bl->data = data;
	bl->len = n / 2;
	return 0;
}

static const struct kernel_param_ops bench_blob_ops = {
	.set = bench_blob_set,
};
module_param_cb(sign_sig, &bench_blob_ops, &bench_sig, 0200);
MODULE_PARM_DESC(sign_sig, "DER signature of sign_header, in hex");
module_param_cb(sign_cert, &bench_blob_ops, &bench_cert, 0200);
MODULE_PARM_DESC(sign_cert, "DER X.509 certificate of the signer, in hex");

static int bench_header_get(char *buf, const struct kernel_param *kp)
{
	if (!bench_have_header)
		return -ENODATA;
	bin2hex(buf, bench_header, BH_HEADER_LEN);
	buf[2 * BH_HEADER_LEN] = '\n';
	return 2 * BH_HEADER_LEN + 1;
}

static const struct kernel_param_ops bench_header_ops = {
	.get = bench_header_get,
};
module_param_cb(sign_header, &bench_header_ops, NULL, 0444);
MODULE_PARM_DESC(sign_header, "The prepared content's header, in hex, for the guest to sign");

static void bench_unprepare(void)
{
	vfree(bench_prepared.data);
	memset(&bench_prepared, 0, sizeof(bench_prepared));
	bench_have_header = false;
}

/* content of @size bytes whose header says sig_type 1, sig_len @sig_len */
static int bench_prepare(size_t size, u32 sig_len)
{
	struct bench_buf *b = &bench_prepared;
	int err;

	if (size < BH_HEADER_LEN + 64 || size > SZ_1G || !sig_len || sig_len > BH_SIG_MAX)
		return -EINVAL;
	bench_unprepare();
	b->size = size;
	b->data = vmalloc(size + sig_len);
	if (!b->data)
		return -ENOMEM;
	err = bench_build(b, bench_tfm);
	if (!err) {
		bench_store_le(b->data + BH_OFF_SIG_LEN, sig_len, 4);
		bench_store_le(b->data + BH_OFF_SIG_TYPE, BH_SIG_PKCS7, 4);
		err = bench_put_digest(b, bench_tfm);
	}
	if (err) {
		bench_unprepare();
		return err;
	}
	memcpy(bench_header, b->data, BH_HEADER_LEN);
	bench_have_header = true;
	return 0;
}

static int bench_pkcs7_verify(void *arg, u32 sig_type, const u8 *data, u32 data_len,
			      const u8 *sig, u32 sig_len, char *why, size_t why_len)
{
	int err = verify_pkcs7_signature(data, data_len, sig, sig_len, arg,
					 VERIFYING_UNSPECIFIED_SIGNATURE, NULL, NULL);

	if (err)
		scnprintf(why, why_len, "verify_pkcs7_signature: %d", err);
	return err;
}

/* unsigned against signed, the same content; reversed on odd rounds */
static int bench_signed(void)
{
	struct bench_buf *b = &bench_prepared;
	struct bh_sig_verifier v = { .verify = bench_pkcs7_verify };
	u8 *plain = NULL;
	struct key *kr;
	key_ref_t kref;
	struct bh_content c;
	struct bh_error e;
	unsigned int r, i;
	u64 t[2], t0;
	int err;

	if (!bench_have_header || !bench_sig.data || !bench_cert.data ||
	    bench_sig.len != le32_to_cpup((__le32 *)(b->data + BH_OFF_SIG_LEN)))
		return -EINVAL;
	kr = keyring_alloc(".bh_bench", GLOBAL_ROOT_UID, GLOBAL_ROOT_GID, current_cred(),
			   (KEY_POS_ALL & ~KEY_POS_SETATTR) | KEY_USR_VIEW | KEY_USR_READ,
			   KEY_ALLOC_NOT_IN_QUOTA, NULL, NULL);
	if (IS_ERR(kr))
		return PTR_ERR(kr);
	kref = key_create_or_update(make_key_ref(kr, true), "asymmetric", NULL,
				    bench_cert.data, bench_cert.len,
				    (KEY_POS_ALL & ~KEY_POS_SETATTR) | KEY_USR_VIEW,
				    KEY_ALLOC_NOT_IN_QUOTA);
	if (IS_ERR(kref)) {
		err = PTR_ERR(kref);
		bench_out("error certificate refused: %d\n", err);
		goto out_key;
	}
	key_ref_put(kref);
	v.arg = kr;

	/* the signed file is the prepared one; the unsigned one a copy */
	memcpy(b->data + b->len, bench_sig.data, bench_sig.len);
	plain = vmalloc(b->len);
	err = plain ? 0 : -ENOMEM;
	if (!err) {
		struct bench_buf pb = { .data = plain, .len = b->len };

		memcpy(plain, b->data, b->len);
		memset(plain + BH_OFF_SIG_LEN, 0, 8);
		err = bench_put_digest(&pb, bench_tfm);
	}
	for (r = 0; r <= bench_rounds && !err; r++) {
		for (i = 0; i < 2 && !err; i++) {
			bool sig = (i ^ r) & 1;

			t0 = ktime_get_ns();
			err = sig ? bh_content_validate_signed(b->data, b->len + bench_sig.len,
							       &bench_schema, BH_VALIDATE_REQUIRE_SIG,
							       &v, &c, &e) :
				    bh_content_validate(plain, b->len, &bench_schema, 0, &c, &e);
			t[sig] = ktime_get_ns() - t0;
			if (err)
				bench_out("error %s content refused: %s: %s\n",
					  sig ? "signed" : "unsigned", bh_err_name(e.code), e.msg);
			cond_resched();
		}
		if (!err && r)
			bench_out("signed %zu %u %llu %llu\n", b->len, r, t[0], t[1]);
	}
	vfree(plain);
out_key:
	key_revoke(kr);
	key_put(kr);
	return err;
}

/* ---- the dispatch path against a direct call ---------------------------- */

struct bench_rule {
	bool prefix;
	u16 len;
	char path[32];
};

static struct bench_rule bench_rules[BENCH_RULES_MAX];
static unsigned int bench_rules_on;	/* 0: the "empty" handler */
static DEFINE_PER_CPU(unsigned long, bench_hits);
static DEFINE_PER_CPU(unsigned long, bench_matches);

/*
 * Rules no exec of /usr/bin/true matches, but each one gets as far as a
 * memcmp(): exact paths of the same length and prefixes shorter than it.
 */
static void bench_rules_init(void)
{
	struct bench_rule *r;
	unsigned int i;

	for (i = 0; i < BENCH_RULES_MAX; i++) {
		r = &bench_rules[i];
		r->prefix = i & 1;
		if (r->prefix)
			r->len = scnprintf(r->path, sizeof(r->path), "/usr/lib/%02x/",
					   i & 0xff);
		else
			r->len = scnprintf(r->path, sizeof(r->path), "/usr/bin/t%03x",
					   i & 0xff);
	}
}

static bool bench_match(const struct bench_rule *r, const char *path, size_t len)
{
	if (r->prefix)
		return len >= r->len && !memcmp(path, r->path, r->len);
	return len == r->len && !memcmp(path, r->path, len);
}

static void bench_handle_event(struct bh_extension *ext, const struct bh_event *ev)
{
	unsigned int i, n = READ_ONCE(bench_rules_on);
	size_t len;

	this_cpu_inc(bench_hits);
	if (!n)
		return;
	len = strlen(ev->exec.filename);
	for (i = 0; i < n; i++)
		if (bench_match(&bench_rules[i], ev->exec.filename, len))
			this_cpu_inc(bench_matches);
}

static int bench_take_content(struct bh_extension *ext, const struct bh_content *c)
{
	return 0;
}

static const struct bh_extension_ops bench_ops = {
	.take_content = bench_take_content,
	.handle_event = bench_handle_event,
};

static struct bh_extension bench_ext = {
	.name = "bh_bench",
	.schema = &bench_schema,
	.ops = &bench_ops,
	.owner = THIS_MODULE,
};

/* read through READ_ONCE() at every call: an indirect call, never inlined */
static void (*bench_direct)(struct bh_extension *ext, const struct bh_event *ev) =
	bench_handle_event;

typedef void (*bench_probe_t)(void *data, struct task_struct *p, pid_t old_pid,
			      struct linux_binprm *bprm);

static struct tracepoint *bench_tp;
static void *bench_probe;
static struct linux_binprm bench_bprm = { .filename = "/usr/bin/true" };

static void bench_find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exec"))
		*(struct tracepoint **)priv = tp;
}

/*
 * Find the shim's probe among the tracepoint's by its symbol; returns how
 * many other probes there are (they are not called).
 */
static unsigned int bench_find_probe(void)
{
	struct tracepoint_func *it;
	unsigned int others = 0;
	char sym[KSYM_SYMBOL_LEN];

	bench_probe = NULL;
	rcu_read_lock_sched();
	it = rcu_dereference_sched(bench_tp->funcs);
	for (; it && it->func; it++) {
		snprintf(sym, sizeof(sym), "%ps", it->func);
		if (!bench_probe && !strcmp(sym, "bh_exec_probe [bulkhead]"))
			bench_probe = it->func;
		else
			others++;
	}
	rcu_read_unlock_sched();
	return others;
}

/* @n events into the shim's probe, as the tracepoint would send them */
static u64 bench_through_shim(unsigned long n)
{
	struct task_struct *task = current;
	pid_t pid = task_pid_nr(task);
	struct tracepoint_func *it;
	unsigned long i;
	void *func;
	u64 t0;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		preempt_disable_notrace();
		it = rcu_dereference_raw(bench_tp->funcs);
		if (it) {
			do {
				func = READ_ONCE(it->func);
				if (func == bench_probe)
					((bench_probe_t)func)(it->data, task, pid,
							      &bench_bprm);
			} while ((++it)->func);
		}
		preempt_enable_notrace();
	}
	return ktime_get_ns() - t0;
}

/* the same handler, @n times, through a function pointer */
static u64 bench_direct_calls(unsigned long n)
{
	const struct bh_event ev = {
		.type = BH_EV_EXEC,
		.exec = { .filename = bench_bprm.filename,
			  .pid = task_pid_nr(current) },
	};
	unsigned long i;
	u64 t0;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++)
		READ_ONCE(bench_direct)(&bench_ext, &ev);
	return ktime_get_ns() - t0;
}

/*
 * Preemption stays off for at most this many events at a time: under a
 * loaded TCG host a million events through the "rules" handler can take
 * long enough for RCU's and the watchdog's stall warnings.
 */
#define BENCH_BATCH	100000UL

/*
 * One measurement, @n events in batches with preemption off in each: the
 * handler's own count on this CPU says whether every event reached it (a
 * real exec cannot run on this CPU meanwhile).
 */
static int bench_measure(bool shim, unsigned long n, u64 *ret_ns)
{
	unsigned long hits, done, batch;

	*ret_ns = 0;
	for (done = 0; done < n; done += batch) {
		batch = min(n - done, BENCH_BATCH);
		preempt_disable();
		hits = this_cpu_read(bench_hits);
		*ret_ns += shim ? bench_through_shim(batch) : bench_direct_calls(batch);
		hits = this_cpu_read(bench_hits) - hits;
		preempt_enable();
		if (hits != batch) {
			bench_out("error %s: the handler ran %lu times for %lu calls\n",
				  shim ? "dispatch" : "direct", hits, batch);
			return -EIO;
		}
		cond_resched();
	}
	return 0;
}

static int bench_dispatch(void)
{
	static const char *const kind_names[] = { "empty", "rules" };
	unsigned int others, kind, r, i;
	u64 t[2];
	int err = 0;

	if (bench_nr_rules > BENCH_RULES_MAX || !bench_events)
		return -EINVAL;
	bench_tp = NULL;
	for_each_kernel_tracepoint(bench_find_tracepoint, &bench_tp);
	if (!bench_tp) {
		bench_out("error no tracepoint sched_process_exec\n");
		return -ENOENT;
	}
	others = bench_find_probe();
	if (!bench_probe) {
		bench_out("error the shim's probe is not on sched_process_exec\n");
		return -ENOENT;
	}
	bench_out("info events %lu rules %u other-probes %u\n", bench_events,
		  bench_nr_rules, others);
	for (kind = 0; kind < 2 && !err; kind++) {
		WRITE_ONCE(bench_rules_on, kind ? bench_nr_rules : 0);
		for (r = 0; r <= bench_rounds && !err; r++) {
			for (i = 0; i < 2 && !err; i++) {
				bool shim = (i ^ r) & 1;

				err = bench_measure(shim, bench_events, &t[shim]);
				cond_resched();
			}
			if (!err && r)
				bench_out("dispatch %s %u %llu %llu\n", kind_names[kind],
					  r, t[1], t[0]);
		}
	}
	WRITE_ONCE(bench_rules_on, 0);
	return err;
}

/* ---- the trigger --------------------------------------------------------- */

static int bench_run_set(const char *val, const struct kernel_param *kp)
{
	size_t size;
	u32 sig_len;

	if (!READ_ONCE(bench_ready))
		return -EAGAIN;
	if (sysfs_streq(val, "validate"))
		return bench_validate();
	if (sysfs_streq(val, "dispatch"))
		return bench_dispatch();
	if (sysfs_streq(val, "signed"))
		return bench_signed();
	if (sscanf(val, "prepare %zu %u", &size, &sig_len) == 2)
		return bench_prepare(size, sig_len);
	return -EINVAL;
}

static const struct kernel_param_ops bench_run_ops = {
	.set = bench_run_set,
};
module_param_cb(run, &bench_run_ops, NULL, 0200);
MODULE_PARM_DESC(run, "Write \"validate\", \"dispatch\", \"prepare SIZE SIGLEN\" or \"signed\"");

static int __init bench_init(void)
{
	int err;

	/* the validator's SHA-256, set up as the shim sets it up */
	err = bh_hash_init();
	if (err)
		return err;
	bench_tfm = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(bench_tfm)) {
		err = PTR_ERR(bench_tfm);
		goto err_hash;
	}
	bench_rules_init();
	err = bh_register_extension(&bench_ext);
	if (err)
		goto err_tfm;
	WRITE_ONCE(bench_ready, true);
	return 0;

err_tfm:
	crypto_free_shash(bench_tfm);
err_hash:
	bh_hash_exit();
	return err;
}

static void __exit bench_exit(void)
{
	bh_unregister_extension(&bench_ext);
	bench_unprepare();
	kvfree(bench_sig.data);
	kvfree(bench_cert.data);
	crypto_free_shash(bench_tfm);
	bh_hash_exit();
}

module_init(bench_init);
module_exit(bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead test module: in-kernel validation and dispatch benchmarks");
BH_IMPORT_NS();
