// SPDX-License-Identifier: GPL-2.0
/*
 * lib_exports.c - the checked accessors of lib/ (kernel-doc at their
 * definitions), exported to extensions in the BULKHEAD namespace.  The
 * validator itself is not exported: content reaches an extension only
 * through the intake, already validated.
 */
#include <linux/module.h>

#include "bulkhead.h"

BH_EXPORT(bh_record_first);
BH_EXPORT(bh_record_next);
BH_EXPORT(bh_record_get);
BH_EXPORT(bh_field_type);
BH_EXPORT(bh_field_u32);
BH_EXPORT(bh_field_u64);
BH_EXPORT(bh_field_string);
BH_EXPORT(bh_field_bytes);
BH_EXPORT(bh_field_type_name);
BH_EXPORT(bh_err_name);
