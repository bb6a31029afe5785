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
 * bh_content.h (bh_record_first(), bh_field_u32(), ...).
 *
 * Licence and linking: every symbol is exported GPL-only
 * (EXPORT_SYMBOL_NS_GPL) in the BULKHEAD namespace, so an extension
 * declares MODULE_LICENSE("GPL") (or a GPL-compatible one) and
 * BH_IMPORT_NS() (bh_ns.h), and builds with KBUILD_EXTRA_SYMBOLS pointing
 * at the Module.symvers of the bulkhead.ko it will run with (docs/module.md,
 * "Building an extension").  The exports: bh_register_extension(),
 * bh_unregister_extension(), and the accessors bh_record_first(),
 * bh_record_next(), bh_record_get(), bh_field_type(), bh_field_u32(),
 * bh_field_u64(), bh_field_string(), bh_field_bytes(),
 * bh_field_type_name() and bh_err_name().
 *
 * Concurrency, in one place:
 *  - @take_content, @drop_content and @show_stats never run at the same
 *    time as each other for one extension (one lock), always in process
 *    context, and may sleep.
 *  - @handle_event may run on several CPUs at once, and at the same time
 *    as @take_content or @drop_content: an extension that swaps content
 *    under its events publishes it with RCU (rcu_assign_pointer() in
 *    take_content, rcu_dereference() in handle_event, synchronize_rcu()
 *    or kfree_rcu() before freeing the old).
 *  - After a kill-switch disable or bh_unregister_extension() returns, no
 *    CPU is in @handle_event and none will enter it.
 *  - The shim calls nothing of an extension after a fault inside it, nor
 *    after bh_unregister_extension() returned.
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
 * @exec.filename: the path as execve() was given it, NUL-terminated: it
 *	may be relative ("./tool") or "/dev/fd/N" (fexecve); resolve nothing
 *	from it in atomic context
 * @exec.pid: the task's pid in the initial pid namespace, as the kernel
 *	counts it: the thread id of the task that exec'd (which after a
 *	successful execve() is also its thread group id)
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
 *	Process context (the writer's write()), may sleep; serialised with
 *	the other process-context callbacks of this extension.  It is
 *	called only after bh_register_extension() returned, whenever a
 *	content file is written to the extension's intake: never during
 *	registration, but possibly before the module's init finished, so
 *	register last.  The content it replaces was not dropped first: keep
 *	using the old until the new is in place.  The view and the buffer
 *	behind it are valid only during the call: copy what you keep.
 *	Return 0 to make it active, or a negative errno to refuse it (the
 *	previous content stays active; the writer gets that errno, or EIO
 *	for a positive value or a kernel-internal code such as
 *	-ERESTARTSYS).  If the kill switch stops the extension during the
 *	call, the shim calls @drop_content right after it returns and the
 *	writer gets ESHUTDOWN.
 * @drop_content: forget the active content: the kill switch (then
 *	@take_content hands the retained content over again on enable) or
 *	bh_unregister_extension() (not when the module goes away still
 *	registered).  Called only while the extension holds content it
 *	took.  Process context, may sleep, serialised as @take_content.
 *	May be NULL.
 * @handle_event: one event.  Atomic context (preemption disabled, under
 *	rcu_read_lock()): must not sleep.  Several CPUs may be in it at once,
 *	also while @take_content runs.  Only while the extension is enabled.
 *	May be NULL.
 * @show_stats: write the extension's own figures as "key value" lines into
 *	@buf (@size bytes, 2048 today) and return the length written (more
 *	than @size is cut to @size), or a negative errno, which fails the
 *	read (EIO for kernel-internal codes).  Called for every read of the
 *	"stats" file from offset 0 (so a reader that holds the file open
 *	sees fresh figures after lseek(0) or pread at 0), by any user (the
 *	file is 0444): process context, may sleep, serialised as
 *	@take_content.  Never called once the extension faulted.  May be
 *	NULL (empty file).
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

/*
 * bh_register_extension() - see registry.c for the full kernel-doc.  In
 * short: call it last in module init and return its error.  It fails
 * with -EINVAL (no name, ops, take_content or schema; a name that is not
 * [A-Za-z0-9_.-], 1 to 31 characters; a bad schema, or one whose
 * ->extension is not @ext->name), -EPERM (safe mode, or the disable list
 * names the extension or its module), -EEXIST (that name is registered),
 * -ENOMEM, or securityfs's error.  The name need not equal the module's
 * name; the disable list and the boot guard match either, and content
 * headers carry the extension's name.  Content does not survive
 * unregistration: a reloaded extension starts with none until content is
 * written again (bulkhead-load does that at boot).
 *
 * bh_unregister_extension() - call it in module exit (and when init
 * fails after registering).  It waits until no CPU is in handle_event
 * and no other callback of the extension runs, calls drop_content if the
 * extension holds content, and returns; the shim never calls the
 * extension again.
 */
int bh_register_extension(struct bh_extension *ext);
void bh_unregister_extension(struct bh_extension *ext);

#endif /* BULKHEAD_H */
