/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bh_ns.h - the BULKHEAD symbol namespace, in the one place that knows its
 * syntax: up to Linux 6.12 the namespace is a bare identifier, from 6.13
 * on a string literal.
 */
#ifndef BH_NS_H
#define BH_NS_H

#include <linux/export.h>
#include <linux/module.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define BH_EXPORT(sym)		EXPORT_SYMBOL_NS_GPL(sym, "BULKHEAD")
#define BH_IMPORT_NS()		MODULE_IMPORT_NS("BULKHEAD")
#else
#define BH_EXPORT(sym)		EXPORT_SYMBOL_NS_GPL(sym, BULKHEAD)
#define BH_IMPORT_NS()		MODULE_IMPORT_NS(BULKHEAD)
#endif

#endif /* BH_NS_H */
