// SPDX-License-Identifier: GPL-2.0
/*
 * hash.c - lib/'s streaming SHA-256 in the kernel: the content digest through the
 * crypto API's "sha256", so that the validator gets the fastest
 * implementation the CPU has (sha256-ni, AVX2, AVX, SSSE3; the generic C
 * one otherwise) instead of lib/crypto's generic sha256().
 *
 * The transform is allocated once, at module init, and shared: an shash
 * transform without a key may be used by several callers at once, each
 * with its own descriptor (here on the stack).  If it cannot be had, the
 * shim does not load: content it cannot check must not reach anyone, and
 * a silent fallback would hide a slow path.
 *
 * The validator feeds it BH_YIELD_BYTES at a time and yields between
 * chunks (lib/validate.c): it runs in the writer's process context, and
 * the SIMD drivers keep preemption off for the whole of one update (they
 * own the FPU meanwhile): in one piece, 64 MiB would hold the CPU for tens
 * of milliseconds even with sha256-ni.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/module.h>

#include "bh_compat.h"
#include "hash.h"

/*
 * "sha256" is built in on Debian (sha256_generic), the SIMD drivers are
 * the sha256_ssse3 module, which the crypto API does not load by itself
 * once the generic one answers: ask modprobe to load it first (udev's CPU
 * modalias usually has already, but not necessarily before the shim).
 */
MODULE_SOFTDEP("pre: sha256");

static struct crypto_shash *bh_sha256_tfm;

static struct shash_desc *bh_desc(struct bh_sha256_ctx *ctx)
{
	return (struct shash_desc *)ctx->desc;
}

/**
 * bh_sha256_init() - start a streaming SHA-256, for lib/ (bh_compat.h)
 * @ctx: the context, usually on the caller's stack
 *
 * Return: 0, or the crypto API's negative errno.
 */
int bh_sha256_init(struct bh_sha256_ctx *ctx)
{
	struct shash_desc *desc = bh_desc(ctx);

	BUILD_BUG_ON(sizeof(ctx->desc) < sizeof(*desc));
	desc->tfm = bh_sha256_tfm;
	return crypto_shash_init(desc);
}

/**
 * bh_sha256_update() - hash more bytes
 * @ctx: a context bh_sha256_init() started
 * @data: the bytes
 * @len: how many; the SIMD drivers keep preemption off for the whole
 *	call, so callers pass at most BH_YIELD_BYTES and yield between calls
 *
 * Return: 0, or the crypto API's negative errno.
 */
int bh_sha256_update(struct bh_sha256_ctx *ctx, const void *data, size_t len)
{
	return crypto_shash_update(bh_desc(ctx), data, len);
}

/**
 * bh_sha256_final() - finish a streaming SHA-256 and wipe the context
 * @ctx: a context bh_sha256_init() started
 * @out: the 32-byte digest, written on success
 *
 * Return: 0, or the crypto API's negative errno.
 */
int bh_sha256_final(struct bh_sha256_ctx *ctx, u8 out[32])
{
	struct shash_desc *desc = bh_desc(ctx);
	int err;

	err = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return err;
}

/**
 * bh_hash_driver() - which implementation computes the content digests
 *
 * Return: the crypto driver's name, such as "sha256-ni" or
 * "sha256-generic"; valid while the module is loaded.
 */
const char *bh_hash_driver(void)
{
	return crypto_shash_driver_name(bh_sha256_tfm);
}

/**
 * bh_hash_init() - get the kernel's SHA-256 for bh_sha256_init()
 *
 * Return: 0, or the crypto API's negative errno (the module must then not
 * load: it could not check any content).
 */
int bh_hash_init(void)
{
	struct crypto_shash *tfm;

	tfm = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(tfm)) {
		pr_err("no SHA-256 in the kernel's crypto API (error %ld): content could not be checked, not loading\n",
		       PTR_ERR(tfm));
		return PTR_ERR(tfm);
	}
	bh_sha256_tfm = tfm;
	return 0;
}

/**
 * bh_hash_exit() - release what bh_hash_init() got
 */
void bh_hash_exit(void)
{
	crypto_free_shash(bh_sha256_tfm);
	bh_sha256_tfm = NULL;
}
