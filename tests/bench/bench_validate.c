// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * bench_validate.c - validator throughput, measured against memcpy in the
 * same run (`make bench`).
 *
 * The content is 64 MiB for the test schema with the mix an exec-watching
 * sensor would carry: mostly path rules with paths of about 40 ASCII
 * bytes, some counters, and some 20-field channel-291 records.  It is
 * built with the unit tests' encoder (tests/unit/fixture.c), so the
 * benchmark measures content the validator is known to accept.
 *
 * Absolute figures depend on the machine; the ratio to memcpy of the same
 * buffer, measured seconds apart, is what carries from one machine to the
 * next.  Each figure is the best of several repetitions: the question is
 * what the code costs, not how noisy the machine is.
 *
 * The target: schema validation (digest skipped) at 1 GB/s or more, so
 * that validating even large content is lost in the time it takes to
 * read it from disk.
 *
 * With a key and its certificate (bench_validate KEY CERT, as `make
 * bench` passes them), the same content of 1 KiB, 1 MiB and 64 MiB is
 * also signed with common/sign.c and verified both ways in one run:
 * unsigned (digest and records) against signed (the same, after the
 * signature check against that certificate).  The signature is over the
 * header, so the aim is signed 64 MiB within 1.1x of unsigned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bh_content.h"
#include "sign.h"
#include "../unit/fixture.h"

#define BENCH_SIZE	(64u << 20)
#define BENCH_REPS	7
#define TARGET_GBPS	1.0
#define AIM_VERIFY_RATIO 0.8
#define AIM_SIGNED_RATIO 1.1

/* a small xorshift: the same content on every run and every machine */
static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u32 rng(u32 n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (u32)(rng_state % n);
}

static const char *const dirs[] = {
	"/usr/bin/", "/usr/sbin/", "/usr/lib/x86_64-linux-gnu/",
	"/usr/local/bin/", "/opt/vendor/agent/bin/", "/usr/libexec/",
	"/home/build/.cache/tools/", "/var/lib/containers/storage/",
};

/* an ASCII path of about 40 bytes: a directory and a generated name */
static size_t make_path(char *buf, size_t want)
{
	const char *d = dirs[rng(sizeof(dirs) / sizeof(dirs[0]))];
	size_t n = strlen(d) < want ? strlen(d) : want;

	memcpy(buf, d, n);
	while (n < want) {
		u32 r = rng(40);

		buf[n++] = r < 26 ? 'a' + r : r < 36 ? '0' + (r - 26) :
			   r < 38 ? '-' : '.';
	}
	return n;
}

static void path_rule(struct fx_buf *b, size_t path_len, size_t tag_len)
{
	char path[256];
	u8 tag[16];
	size_t i;

	for (i = 0; i < tag_len; i++)
		tag[i] = (u8)rng(256);
	fx_record_begin(b, FX_T_PATH_RULE, 4);
	fx_u32(b, 1 + rng(1000000));
	fx_string(b, path, make_path(path, path_len));
	fx_u32(b, rng(3));
	fx_bytes(b, tag, tag_len);
	fx_record_end(b);
}

static void counter(struct fx_buf *b)
{
	fx_record_begin(b, FX_T_COUNTER, 2);
	fx_u64(b, 10 + rng(1u << 30));
	fx_u32(b, rng(256));
	fx_record_end(b);
}

static void channel(struct fx_buf *b)
{
	char s[64];
	unsigned int i;

	fx_record_begin(b, FX_T_CHANNEL, FX_CHANNEL_FIELDS);
	for (i = 0; i < FX_CHANNEL_FIELDS; i++) {
		size_t n = 4 + rng(28), j;

		for (j = 0; j < n; j++)
			s[j] = 'a' + rng(26);
		fx_string(b, s, n);
	}
	fx_record_end(b);
}

/* a path rule of exactly @size bytes, 25 to 295 (24 + path + tag) */
static void path_rule_sized(struct fx_buf *b, size_t size)
{
	size_t tag = size - 24 > 255 ? size - 24 - 255 : 0;

	path_rule(b, size - 24 - tag, tag);
}

/*
 * Fill @b with records until it is exactly @size bytes long: 88% path
 * rules, 8% counters, 4% channel records.  The tail is made of path rules
 * sized to land on @size: the mix stops with more than 1024 - 688 (the
 * largest channel record) bytes left, the largest path rules bring that
 * down to at most 590, and two path rules of 25 to 295 bytes fill it.
 */
static int build(struct fx_buf *b, size_t size, u32 *nr_kind)
{
	size_t rest;

	fx_begin_fixture(b);
	while (!b->err && size - b->len > 1024) {
		u32 k = rng(100);

		if (k < 88) {
			path_rule(b, 30 + rng(21), 4 + rng(5));
			nr_kind[0]++;
		} else if (k < 96) {
			counter(b);
			nr_kind[1]++;
		} else {
			channel(b);
			nr_kind[2]++;
		}
	}
	while (!b->err && size - b->len > 2 * 295) {
		path_rule_sized(b, 295);
		nr_kind[0]++;
	}
	if (!b->err) {
		rest = size - b->len;
		path_rule_sized(b, rest / 2);
		path_rule_sized(b, rest - rest / 2);
		nr_kind[0] += 2;
	}
	return fx_finish(b);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum op { OP_MEMCPY, OP_SHA256, OP_SCHEMA, OP_FULL, OP__COUNT };

static const char *const op_names[OP__COUNT] = {
	[OP_MEMCPY] = "memcpy (baseline)",
	[OP_SHA256] = "sha256 alone (the digest)",
	[OP_SCHEMA] = "validate, skip digest (schema)",
	[OP_FULL] = "validate, full (digest+schema)",
};

/* Run @op once; returns 0, or the validator's error. */
static int run_op(enum op op, const struct fx_buf *b, u8 *dst,
		  struct bh_error *err)
{
	struct bh_content c;
	u8 digest[BH_DIGEST_LEN];

	switch (op) {
	case OP_MEMCPY:
		memcpy(dst, b->data, b->len);
		/* keep the copy observable so it cannot be elided */
		__asm__ volatile("" : : "r"(dst) : "memory");
		return 0;
	case OP_SHA256:
		/* the bytes the digest covers, and nothing else */
		bh_content_digest(b->data, digest);
		return memcmp(digest, b->data + BH_OFF_DIGEST, BH_DIGEST_LEN) ?
			-EBADMSG : 0;
	case OP_SCHEMA:
		return bh_content_validate(b->data, b->len, &fx_schema,
					   BH_VALIDATE_SKIP_DIGEST, &c, err);
	case OP_FULL:
		return bh_content_validate(b->data, b->len, &fx_schema, 0, &c,
					   err);
	default:
		return -EINVAL;
	}
}

/* best of BENCH_REPS of @iters validations of @buf, in seconds each */
static double time_validate(const u8 *buf, size_t len, unsigned int flags,
			    const struct bh_sig_verifier *v, unsigned int iters)
{
	double best = 1e9, t0, t;
	struct bh_content c;
	struct bh_error err;
	unsigned int i;
	int rep;

	for (rep = 0; rep < BENCH_REPS; rep++) {
		t0 = now();
		for (i = 0; i < iters; i++)
			if (bh_content_validate_signed(buf, len, &fx_schema, flags, v, &c, &err)) {
				fprintf(stderr, "bench: refused: %s: %s\n",
					bh_err_name(err.code), err.msg);
				return -1;
			}
		t = (now() - t0) / iters;
		if (t < best)
			best = t;
	}
	return best;
}

/* unsigned against signed verification of the same content, by size */
static int bench_signed(const char *key, const char *cert)
{
	static const struct { size_t size; unsigned int iters; } sizes[] = {
		{ 1u << 10, 400 }, { 1u << 20, 40 }, { BENCH_SIZE, 1 },
	};
	struct bulkhead_keyset *ks = NULL;
	struct bh_sig_verifier v;
	struct bulkhead_msg msg;
	double plain, sig;
	unsigned int i;
	int ret = 0;

	if (bulkhead_keyset_load_cert(cert, &ks, &msg)) {
		fprintf(stderr, "bench: %s\n", msg.text);
		return 1;
	}
	v = bulkhead_keyset_verifier(ks);
	printf("bench_validate signed: RSA %s, unsigned (digest+schema) against signed (signature, digest+schema), best of %d\n",
	       cert, BENCH_REPS);
	printf("  %-10s %12s %12s %8s\n", "size", "unsigned us", "signed us", "ratio");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && !ret; i++) {
		u32 nr_kind[3] = { 0 };
		uint8_t *signed_buf = NULL;
		size_t signed_len;
		struct fx_buf b;

		rng_state = 0x9e3779b97f4a7c15ULL;
		if (build(&b, sizes[i].size, nr_kind) ||
		    bulkhead_content_sign(b.data, b.len, key, cert, &signed_buf, &signed_len, &msg)) {
			fprintf(stderr, "bench: %zu-byte content: %s\n", sizes[i].size,
				b.err ? strerror(-b.err) : msg.text);
			ret = 1;
		} else {
			plain = time_validate(b.data, b.len, 0, NULL, sizes[i].iters);
			sig = time_validate(signed_buf, signed_len, BH_VALIDATE_REQUIRE_SIG, &v,
					    sizes[i].iters);
			if (plain < 0 || sig < 0)
				ret = 1;
			else
				printf("  %-10zu %12.1f %12.1f %7.2fx\n", sizes[i].size, plain * 1e6,
				       sig * 1e6, sig / plain);
			if (!ret && sizes[i].size == BENCH_SIZE)
				printf("  ratio signed / unsigned at 64 MiB: %.3f (aim <= %.1f: the signature is over the header)\n",
				       sig / plain, AIM_SIGNED_RATIO);
		}
		free(signed_buf);
		fx_free(&b);
	}
	bulkhead_keyset_free(ks);
	return ret;
}

int main(int argc, char **argv)
{
	u32 nr_kind[3] = { 0 };
	double best[OP__COUNT], gbps[OP__COUNT], t0, t;
	struct bh_error err;
	struct fx_buf b;
	int rep, op, ret = 0;
	u8 *dst;

	if (build(&b, BENCH_SIZE, nr_kind)) {
		fprintf(stderr, "bench: building the content failed: %s\n",
			strerror(-b.err));
		return 1;
	}
	dst = malloc(b.len);
	if (!dst) {
		fprintf(stderr, "bench: out of memory\n");
		fx_free(&b);
		return 1;
	}
	memset(dst, 0, b.len);	/* fault its pages in before timing */

	for (op = 0; op < OP__COUNT; op++)
		best[op] = 1e9;
	/*
	 * Interleave the operations within each repetition, so that a burst
	 * of noise or a frequency change hits them all alike.
	 */
	for (rep = 0; rep < BENCH_REPS; rep++) {
		for (op = 0; op < OP__COUNT; op++) {
			t0 = now();
			if (run_op(op, &b, dst, &err)) {
				fprintf(stderr, "bench: %s refused the content: %s: %s\n",
					op_names[op], bh_err_name(err.code), err.msg);
				ret = 1;
				goto out;
			}
			t = now() - t0;
			if (t < best[op])
				best[op] = t;
		}
	}

	printf("bench_validate: %zu-byte content, %u records (%u path-rule, %u counter, %u channel-291), best of %d\n",
	       b.len, nr_kind[0] + nr_kind[1] + nr_kind[2], nr_kind[0],
	       nr_kind[1], nr_kind[2], BENCH_REPS);
	printf("  %-32s %9s %8s %10s\n", "operation", "ms", "GB/s", "vs memcpy");
	for (op = 0; op < OP__COUNT; op++) {
		gbps[op] = b.len / best[op] / 1e9;
		printf("  %-32s %9.2f %8.2f %9.2fx\n", op_names[op],
		       best[op] * 1e3, gbps[op], gbps[op] / gbps[OP_MEMCPY]);
	}
	printf("  target: schema validation >= %.1f GB/s: %s (%.2f GB/s)\n",
	       TARGET_GBPS, gbps[OP_SCHEMA] >= TARGET_GBPS ? "met" : "NOT MET",
	       gbps[OP_SCHEMA]);
	printf("  ratio verify / sha256 alone: %.2f (aim >= %.1f: the walk rides the hashing pass)\n",
	       gbps[OP_FULL] / gbps[OP_SHA256], AIM_VERIFY_RATIO);
out:
	free(dst);
	fx_free(&b);
	if (!ret && argc == 3)
		ret = bench_signed(argv[1], argv[2]);
	return ret;
}
