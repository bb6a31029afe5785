/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * fixture.h - the schema the unit tests, the fuzzer and the benchmark share,
 * and an encoder for test content written from docs/content-format.md
 * alone, independent of the product's JSON builder.
 *
 * The encoder is deliberately a second implementation of the format: if the
 * product's builder and the validator shared a misreading of the layout,
 * tests built with the builder would pass anyway.  It is also deliberately
 * permissive: it writes whatever it is told (a field count that lies, a
 * string with a NUL, a record length of 7), because the tests are about
 * content that is wrong.  The only things it gets right by itself are the
 * ones fx_finish() patches: record count, payload length and digest, and
 * each can be overwritten afterwards with fx_set_le32() and friends.
 *
 * Errors are sticky, like a stdio stream's: the first failure (-ENOMEM,
 * -EINVAL) is kept in the buffer, later calls do nothing and return it, and
 * fx_finish() reports it.  A test can thus write a record in a dozen calls
 * and check once.
 */
#ifndef BH_TEST_FIXTURE_H
#define BH_TEST_FIXTURE_H

#include <stddef.h>

#include "bh_content.h"

#define FX_EXTENSION	"bh_fixture"
#define FX_SCHEMA	"fixture"
#define FX_SCHEMA_VER	3

/* template ids of fx_schema */
#define FX_T_PATH_RULE	1	/* u32 id, string path, u32 action, bytes tag */
#define FX_T_COUNTER	2	/* u64 limit, u32 flags */
#define FX_T_CHANNEL	291	/* the July-2024 template: 20 fields */
#define FX_CHANNEL_FIELDS 20

extern const struct bh_schema fx_schema;

/* ---- encoder ---------------------------------------------------------- */

/**
 * struct fx_buf - a content file under construction
 * @data: the file's bytes; the allocation is always exactly @len bytes, so
 *	AddressSanitizer reports a validator read past the end of the
 *	content instead of it landing in spare capacity
 * @len: bytes written so far
 * @rec: file offset of the open record's header, 0 when none is open
 *	(offset 0 is the file header, so no record can start there)
 * @nr_records: records begun so far, written to the header by fx_finish()
 * @err: first error, 0 if none; sticky
 */
struct fx_buf {
	u8 *data;
	size_t len;
	size_t rec;
	u32 nr_records;
	int err;
};

int fx_begin(struct fx_buf *b, const char *extension, const char *schema,
	     u32 schema_version, u64 content_version);
int fx_begin_fixture(struct fx_buf *b);
void fx_free(struct fx_buf *b);

/* for __attribute__((cleanup)): a test's buffer is freed on every return */
static inline void fx_freep(struct fx_buf *b)
{
	fx_free(b);
}
#define _cleanup_fx_ __attribute__((cleanup(fx_freep)))

/**
 * fx_mark() - file offset of the next byte written
 * @b: the buffer
 *
 * Tests take a mark before writing a record or field so that they can say
 * where the validator must point: err.offset is a file offset.
 */
static inline size_t fx_mark(const struct fx_buf *b)
{
	return b->len;
}

/* raw little-endian bytes, no type byte: for hand-made malformed fields */
int fx_raw(struct fx_buf *b, const void *p, size_t n);
int fx_put8(struct fx_buf *b, u8 v);
int fx_put16(struct fx_buf *b, u16 v);
int fx_put32(struct fx_buf *b, u32 v);
int fx_put64(struct fx_buf *b, u64 v);

int fx_record_begin(struct fx_buf *b, u16 template_id, u16 nr_fields);
int fx_record_end(struct fx_buf *b);

/* well-formed fields: type byte, then the value */
int fx_u32(struct fx_buf *b, u32 v);
int fx_u64(struct fx_buf *b, u64 v);
int fx_string(struct fx_buf *b, const char *s, size_t len);
int fx_str(struct fx_buf *b, const char *s);
int fx_bytes(struct fx_buf *b, const void *p, size_t len);

int fx_finish(struct fx_buf *b);

/* after fx_finish(): overwrite header or payload bytes in place */
int fx_set(struct fx_buf *b, size_t off, const void *p, size_t n);
int fx_set_le16(struct fx_buf *b, size_t off, u16 v);
int fx_set_le32(struct fx_buf *b, size_t off, u32 v);
int fx_set_le64(struct fx_buf *b, size_t off, u64 v);
int fx_redigest(struct fx_buf *b);

/* ---- canned content --------------------------------------------------- */

/*
 * What fx_build_valid() writes, so that tests can check what they read:
 *
 *   record 0  path-rule    id 7, path "/usr/bin/ssh", action 1,
 *                          tag de ad be ef
 *   record 1  counter      limit 1 MiB (1048576), flags 0x0f
 *   record 2  channel-291  20 strings, field i holding "ch-<i>"
 *   record 3  path-rule    id 1000000, path "/opt/vendor/日本語" (UTF-8),
 *                          action 2, empty tag
 */
#define FX_CONTENT_VER		42
#define FX_VALID_RECORDS	4
#define FX_VALID_PATH0		"/usr/bin/ssh"
#define FX_VALID_PATH3		"/opt/vendor/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"
#define FX_VALID_LIMIT		(1ULL << 20)

int fx_channel_record(struct fx_buf *b, u16 declared, unsigned int carried);
int fx_build_valid(struct fx_buf *b);

int fx_seed_write(const char *name, const struct fx_buf *b);

/* a self-signed X.509 certificate for @key (OpenSSL's types) */
struct evp_pkey_st;
struct x509_st;
struct x509_st *fx_make_cert(struct evp_pkey_st *key, const char *cn, long serial,
			     long from_days, long to_days);

#endif /* BH_TEST_FIXTURE_H */
