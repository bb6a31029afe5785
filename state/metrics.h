/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * metrics.h - the guard's state as Prometheus metrics, in the text
 * exposition format, for node_exporter's textfile collector
 * (docs/guard.md, "Metrics").
 *
 * The guard, the operator's steering and staging all rewrite the file
 * after they saved a new state, so it lives beside the state store that
 * all of them link.
 */
#ifndef BG_METRICS_H
#define BG_METRICS_H

#include <stddef.h>

#include "state.h"

/* node_exporter's --collector.textfile.directory in Debian's package */
#define BG_METRICS_DIR_DEFAULT	"/var/lib/prometheus/node-exporter"
/* the collector reads *.prom only: the temporary file beside it is ignored */
#define BG_METRICS_FILE		"bulkhead.prom"
#define BG_METRICS_TMP		"bulkhead.prom.tmp"

int bg_metrics_render(const struct bg_state *st, char **ret_text, size_t *ret_len);
int bg_metrics_write(const char *dir, const struct bg_state *st,
		     const struct bg_fsops *ops, struct bulkhead_msg *msg);

#endif /* BG_METRICS_H */
