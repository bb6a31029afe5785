// SPDX-License-Identifier: GPL-2.0
/*
 * bh_bench_lib.c - the shim's validator and its SHA-256, compiled into
 * bh_bench from the shim's own sources (the staged lib/ and module/hash.c).
 *
 * bulkhead.ko exports no validator (content reaches an extension only
 * through its intake, already validated), and the benchmark must time the
 * code the intake runs, chunked digest and yield points included: the
 * same files, compiled by the same Kbuild for the same kernel.  hash.c
 * comes first because it defines pr_fmt, which must precede every kernel
 * header.
 */
#include "hash.c"
#include "validate.c"
#include "schema.c"
