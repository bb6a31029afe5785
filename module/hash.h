/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hash.h - the kernel's SHA-256 behind lib/'s bh_sha256() (declared in
 * bh_compat.h): set up once at module init, torn down at exit.
 */
#ifndef BH_HASH_H
#define BH_HASH_H

int bh_hash_init(void);
void bh_hash_exit(void);
const char *bh_hash_driver(void);

#endif /* BH_HASH_H */
