/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * log.h - the guard's messages to operators: the journal with a
 * MESSAGE_ID (catalog: boot-guard/bulkhead.catalog), or stderr where
 * there is no journal (busybox init, tests).
 */
#ifndef BG_LOG_H
#define BG_LOG_H

#include <syslog.h>

#include "state.h"

#define BG_MSGID_FAILED_BOOT	"f9ef35fcaf214f03a3142c02531b1ec7"
#define BG_MSGID_ROLLBACK	"63ba0cacf22549b7a10afd4a038e58e5"
#define BG_MSGID_DISABLE	"128012fddfbe40f9ad6b96bb5737ecda"
#define BG_MSGID_SAFE_MODE	"83655a27a74a49879a40422d94ccdda3"
#define BG_MSGID_ENABLE		"1dd09e35a53c485685eea75a024334aa"
#define BG_MSGID_PROMOTE	"19f8522fec6141c684167087ffd18632"
#define BG_MSGID_STATE_RECOVERED "88d6c74566c94c32bb380a4bde0451fc"
#define BG_MSGID_STATE_LOST	"50bee67840a34b2f9c7c4661a9039235"
#define BG_MSGID_PIN		"0eae9ffd409243088cde4b1fa4dcdfcc"
#define BG_MSGID_RESET		"744360474ee54686afd006e00ed8da4d"
#define BG_MSGID_NO_REBOOT	"b25aa3996f964d5eb98cbbfc4fbee640"
#define BG_MSGID_BOOT		"93b9250c5a8a4306ac106c82a6d0b847"
#define BG_MSGID_GOOD		"3a43b40c28c54655b1f9b7141a6da92e"
#define BG_MSGID_SHUTDOWN	"079d75aa4a9548d4a50f4aa29dc36814"
#define BG_MSGID_CONFIG_BAD	"343eeb70eb904189b322e2ec8fb4dc27"

/* bulkhead-load and content staging (loader/) */
#define BL_MSGID_LOADED	"f637a252a8024351a80e8b7771184e9c"
#define BL_MSGID_LOAD_FAILED	"e2c0faa5bc704d1babba3dececf2681d"
#define BL_MSGID_LOAD_SKIPPED	"6a103cace419413aa9e97756438457e4"
#define BL_MSGID_LOADER_DONE	"f8f010baf7a14e63a3184fd7b192a517"
#define BL_MSGID_CONFIG	"efdb689245c64908bceea117884fd3b9"
#define BL_MSGID_STAGED	"2fe7ddf0c034443a9ecede5e978665cb"
#define BL_MSGID_STAGE_REFUSED	"863b9f6edc9e437abf06373b513bb062"
#define BL_MSGID_NO_DECISION	"79bd1119149b415d902a4c8f6efa6c8c"

__attribute__((format(printf, 3, 4)))
void bg_log(int priority, const char *msgid, const char *fmt, ...);
void bg_log_decision(const struct bg_decision *d);
__attribute__((format(printf, 1, 2)))
void bg_notify(const char *fmt, ...);

#endif /* BG_LOG_H */
