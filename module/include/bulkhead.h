/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bulkhead.h - the interface between bulkhead.ko and the extensions it
 * protects.
 *
 * An extension declares its content schema as a static table, registers
 * with bh_register_extension() from its module init, and from then on
 * gets content only through @take_content, already validated against that
 * schema, and events only through @handle_event, called inside the
 * shim's wrapper.  It reads content only with the checked accessors of
 * bh_content.h (bh_record_first(), bh_field_u32(), ...), which the shim
 * exports in the BULKHEAD symbol namespace.
 */
#ifndef BULKHEAD_H
#define BULKHEAD_H

#include <linux/module.h>
#include <linux/types.h>

#include "bh_content.h"
#include "bh_ns.h"

struct bh_extension;

/* what happened, for @handle_event */
enum bh_event_type {
	BH_EV_EXEC = 1,		/* a task completed execve() */
};

/**
 * struct bh_event - one event, valid only during the call
 * @type: an enum bh_event_type
 * @exec.filename: the path execve() was given, NUL-terminated
 * @exec.pid: the task's pid
 */
struct bh_event {
	enum bh_event_type type;
	union {
		struct {
			const char *filename;
			pid_t pid;
		} exec;
	};
};

/**
 * struct bh_extension_ops - what the shim calls
 * @take_content: new content, validated against the extension's schema.
 *	Process context, may sleep; serialised per extension.  The view and
 *	the buffer behind it are valid only during the call: copy what you
 *	keep.  Return 0 to make it active, or a negative errno to refuse it
 *	(the previous content stays active).
 * @drop_content: forget the active content (kill switch, unregister).
 *	Process context, may sleep.  May be NULL.
 * @handle_event: one event.  Atomic context (preemption disabled, under
 *	RCU): must not sleep.  May be NULL.
 * @show_stats: write the extension's own figures as "key value" lines into
 *	@buf (at most @size bytes) and return the length; read through the
 *	extension's securityfs "stats" file.  Process context.  May be NULL.
 */
struct bh_extension_ops {
	int (*take_content)(struct bh_extension *ext, const struct bh_content *c);
	void (*drop_content)(struct bh_extension *ext);
	void (*handle_event)(struct bh_extension *ext, const struct bh_event *ev);
	int (*show_stats)(struct bh_extension *ext, char *buf, size_t size);
};

struct bh_ext_state;

/**
 * struct bh_extension - an extension, as it registers
 * @name: its name; content headers carry the same name
 * @schema: its content schema; @schema->extension must equal @name
 * @ops: its callbacks
 * @owner: THIS_MODULE
 * @priv: the extension's own pointer, untouched by the shim
 * @state: the shim's bookkeeping; set by registration, do not touch
 */
struct bh_extension {
	const char *name;
	const struct bh_schema *schema;
	const struct bh_extension_ops *ops;
	struct module *owner;
	void *priv;
	struct bh_ext_state *state;
};

int bh_register_extension(struct bh_extension *ext);
void bh_unregister_extension(struct bh_extension *ext);

#endif /* BULKHEAD_H */
