/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * extconf.h - /etc/bulkhead/extensions.d, one NAME.conf per extension:
 * which extensions the loader brings up, in which order, from where.
 *
 * One file per extension, read in file-name order (that is the load
 * order), one [extension] section each:
 *
 *	[extension]
 *	name = bh_execwatch
 *	module = bh_execwatch
 *	required = no
 *	registers = yes
 *	content_dir = /var/lib/bulkhead/content/bh_execwatch
 *	schema = /etc/bulkhead/schema/bh_execwatch.schema
 *	params = max_rules=64
 *
 * A vendor module that does not register with the shim has
 * "registers = no" and may name the file it reads its content from
 * ("content_link"); the loader points that path at the chosen version.
 *
 * A bad file is refused as a whole, with file, line and reason; the other
 * files still count.
 */
#ifndef BL_EXTCONF_H
#define BL_EXTCONF_H

#include <stdbool.h>
#include <stdint.h>

#include "bh_content.h"
#include "util.h"

#define BL_MAX_EXT		32	/* as many as the guard's state keeps */
#define BL_MODULE_LEN		55	/* the kernel's MODULE_NAME_LEN - 1 */
#define BL_MAX_CONFIG_ERRORS	16

/**
 * struct bl_ext_config - one extension as configured
 * @name: extension name (bh_name_valid())
 * @module: kernel module name ([A-Za-z0-9_-], at most BL_MODULE_LEN);
 *	default @name
 * @required: the loader's exit code says "failed" when this one cannot run
 * @registers: the module registers with the shim (false: a vendor module
 *	the shim only vetoes; its content is handed over on disk)
 * @content_dir: the content store, one file per version named by the
 *	decimal version; bl_config_load_dir() fills in STATE_DIR/content/NAME
 *	when the file does not say, so it is never NULL
 * @content_link: registers = no only: the path the module reads, made a
 *	symbolic link to the chosen version in @content_dir; NULL: none
 * @schema: a .schema file for userspace validation; NULL: none (a
 *	registering extension's schema is read from the running shim)
 * @params: module parameters, as modprobe takes them ("a=1 b=x"); NULL
 * @origin: the file this came from
 */
struct bl_ext_config {
	char name[BH_NAME_LEN + 1];
	char module[BL_MODULE_LEN + 1];
	bool required;
	bool registers;
	bool require_signature;	/* the shim refuses its unsigned content */
	char *content_dir;
	char *content_link;
	char *schema;
	char *params;
	char *origin;
};

/**
 * struct bl_config - every extension from a directory, in load order
 * @nr_ext: entries in @ext
 * @ext: the accepted files' extensions, in file-name order
 * @nr_errors: files refused (at most BL_MAX_CONFIG_ERRORS are kept in
 *	@errors; the count goes on)
 * @errors: why, one line each: "FILE: line N: reason" or "FILE: reason"
 */
struct bl_config {
	uint32_t nr_ext;
	struct bl_ext_config ext[BL_MAX_EXT];
	uint32_t nr_errors;
	struct bulkhead_msg errors[BL_MAX_CONFIG_ERRORS];
};

/**
 * struct bl_trust_config - /etc/bulkhead/trust.conf and the keys folder
 * @keys_dir: certificates the loader enrols in the shim's keyring
 * @allow_format1: [trust] allow_format1: take format-1 content even with
 *	keys enrolled (a downgrade: its header is not covered)
 */
struct bl_trust_config {
	const char *keys_dir;
	bool allow_format1;
};

int bl_trust_config_load(const char *path, struct bl_trust_config *ret,
			 struct bulkhead_msg *msg);

int bl_config_load_dir(const char *dir, const char *state_dir, struct bl_config *ret);
void bl_config_free(struct bl_config *cfg);

/* for _cleanup_(bl_config_freep) on a heap-allocated struct bl_config */
static inline void bl_config_freep(struct bl_config **p)
{
	if (*p)
		bl_config_free(*p);
	free(*p);
}
const struct bl_ext_config *bl_config_find(const struct bl_config *cfg, const char *name);

#endif /* BL_EXTCONF_H */
