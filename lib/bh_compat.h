/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * bh_compat.h - adapts the freestanding content-format code in lib/ to the
 * kernel or to userspace, so that the .c files in lib/ never test
 * __KERNEL__ themselves and the kernel module builds the very same sources
 * as the userspace tools.
 *
 * Everything lib/ needs from its environment is here: fixed-width types,
 * errno values, memcmp/memcpy/memchr, snprintf, little-endian loads,
 * SHA-256 (streaming; one-shot too in userspace) and a yield point for long loops.
 */
#ifndef BH_COMPAT_H
#define BH_COMPAT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/stdarg.h>
#include <linux/string.h>

#include <crypto/hash.h>

/*
 * The kernel's own SHA-256 through crypto_shash (sha256-ni, AVX2 or SSSE3
 * where the CPU has them): module/hash.c, set up at module init.  Process
 * context.  A caller of bh_sha256_update() passes at most BH_YIELD_BYTES
 * and yields between calls (the validator does).  The context is an shash descriptor of the largest size the crypto API
 * allows, as SHASH_DESC_ON_STACK() makes one.
 */
struct bh_sha256_ctx {
	u8 desc[sizeof(struct shash_desc) + HASH_MAX_DESCSIZE]
		__aligned(__alignof__(struct shash_desc));
};

int bh_sha256_init(struct bh_sha256_ctx *ctx);
int bh_sha256_update(struct bh_sha256_ctx *ctx, const void *data, size_t len);
int bh_sha256_final(struct bh_sha256_ctx *ctx, u8 out[32]);

/*
 * The validator runs in the writer's process context (the intake's
 * write()): a 64 MiB file must not hold the CPU from the first byte to
 * the last.  Long loops yield once per BH_YIELD_BYTES of input.
 */
#define bh_yield()	cond_resched()

#else /* userspace */

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <nettle/sha2.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define le16_to_cpu(x) le16toh(x)
#define le32_to_cpu(x) le32toh(x)
#define le64_to_cpu(x) le64toh(x)
#define cpu_to_le16(x) htole16(x)
#define cpu_to_le32(x) htole32(x)
#define cpu_to_le64(x) htole64(x)

#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif
#ifndef U32_MAX
#define U32_MAX UINT32_MAX
#define U64_MAX UINT64_MAX
#endif

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

/* the scheduler preempts userspace: nothing to give away by hand */
#define bh_yield()	do { } while (0)

/*
 * Nettle: no global initialisation (OpenSSL 3's provider set-up cost
 * every short-lived tool millions of instructions before its first
 * digest), and its fat build picks SHA-NI where the CPU has it.
 */
struct bh_sha256_ctx {
	struct sha256_ctx n;
};

static inline int bh_sha256_init(struct bh_sha256_ctx *ctx)
{
	sha256_init(&ctx->n);
	return 0;
}

static inline int bh_sha256_update(struct bh_sha256_ctx *ctx,
				   const void *data, size_t len)
{
	sha256_update(&ctx->n, len, data);
	return 0;
}

static inline int bh_sha256_final(struct bh_sha256_ctx *ctx, u8 out[32])
{
	sha256_digest(&ctx->n, SHA256_DIGEST_SIZE, out);
	return 0;
}

static inline int bh_sha256(const void *data, size_t len, u8 out[32])
{
	struct bh_sha256_ctx ctx;

	bh_sha256_init(&ctx);
	bh_sha256_update(&ctx, data, len);
	return bh_sha256_final(&ctx, out);
}

#endif /* __KERNEL__ */

/*
 * How much input a long loop of lib/ (the digest, the record walk) works
 * through between two bh_yield()s: about 0.15 ms of sha256-ni, 1 ms of the
 * generic C SHA-256, so neither the chunking nor the stall shows.
 */
#define BH_YIELD_BYTES	(256U << 10)

static inline u16 bh_get_le16(const u8 *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return le16_to_cpu(v);
}

static inline u32 bh_get_le32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return le32_to_cpu(v);
}

static inline u64 bh_get_le64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return le64_to_cpu(v);
}

#endif /* BH_COMPAT_H */
