/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - what the parts of bulkhead.ko share and extensions never
 * see: the per-extension state, the registry, the breadcrumbs.
 */
#ifndef BH_INTERNAL_H
#define BH_INTERNAL_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>

#include "bulkhead.h"

#define BH_VERSION		"0.1.0"
/* Largest content the intake takes; bigger is refused with EFBIG. */
#define BH_CONTENT_MAX		(64U << 20)
#define BH_DISABLE_MAX		32
#define BH_LAST_ERROR_LEN	(BH_ERR_MSG_LEN + 96)

enum bh_status {
	BH_ST_ENABLED,
	BH_ST_DISABLED,		/* by an operator, through the kill switch */
	BH_ST_FAULTED,		/* oopsed inside the wrapper; shim stopped it */
};

enum bh_op {
	BH_OP_NONE,
	BH_OP_EVENT,
	BH_OP_TAKE_CONTENT,
	BH_OP_DROP_CONTENT,
	BH_OP_SHOW_STATS,
};

/*
 * The context a breadcrumb was set in, or a fault happened in: 0 in a
 * task, else the hard IRQ / softirq-serving / NMI bits of preempt_count().
 * A fault is blamed on a breadcrumb only when the two are equal.
 */
static inline unsigned long bh_context(void)
{
	return preempt_count() & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET);
}

/* bits of bh_ext_state.flags */
enum {
	BH_FL_UPLOADING,	/* the content file is open for an upload */
};

/*
 * struct bh_ext_state - the shim's side of one registered extension
 *
 * Lives from registration until the last securityfs file referring to it
 * is closed (@ref); freed after an RCU grace period, since the dispatch
 * path and the fault notifiers walk bh_extensions under RCU.  @ext is
 * NULL once the extension unregistered; it is cleared under
 * @content_lock.  An unregistering extension stays on bh_extensions,
 * marked @unregistering (no events, no new content), until its last
 * handover is over, so that a fault inside that handover is still named.
 *
 * Every call into the extension's process-context callbacks
 * (take_content, drop_content, show_stats) holds @content_lock and
 * records itself in @cb_task/@cb_op/@cb_version; the fault notifiers
 * find it there.
 */
struct bh_ext_state {
	struct list_head node;		/* bh_extensions, RCU */
	struct rcu_head rcu;
	struct kref ref;
	struct bh_extension *ext;
	struct module *owner;
	char name[BH_NAME_LEN + 1];
	char *schema_text;		/* canonical, formatted at registration */
	size_t schema_len;
	int status;			/* enum bh_status, READ_ONCE/cmpxchg */
	bool unregistering;		/* READ_ONCE: leaving, no events */
	unsigned long flags;		/* BH_FL_* */

	struct mutex content_lock;	/* content, callbacks, last_error */
	void *content;			/* retained content (kvmalloc) or NULL */
	size_t content_len;
	struct bh_content content_view;	/* @content, as validated when taken */
	u64 content_version;		/* 0: none */
	bool ext_has_content;		/* took content it has not dropped */
	struct task_struct *cb_task;	/* in a callback, for the notifiers */
	enum bh_op cb_op;
	u64 cb_version;
	bool cb_pinned;			/* cb_task holds a ref on @owner */
	/*
	 * The extension oopsed inside a callback: the dead task still owns
	 * @content_lock and never releases it.  Nothing waits for the lock
	 * from then on; the content paths fail at once instead.
	 */
	bool lock_dead;

	spinlock_t info_lock;		/* last_error: readable during a hang */
	char last_error[BH_LAST_ERROR_LEN];

	u64 __percpu *events;		/* per CPU: the event path's only write */
	atomic64_t accepted;
	atomic64_t refused;
	atomic64_t faults;

	struct dentry *dir;
	struct dentry *files[7];
};

/* breadcrumb: what this CPU is doing inside an extension right now */
struct bh_crumb {
	struct bh_ext_state *st;
	enum bh_op op;
	unsigned long context;		/* bh_context() when it was set */
	u64 content_version;
};

DECLARE_PER_CPU(struct bh_crumb, bh_crumb);

/* main.c */
extern bool bh_safe_mode;
const char *bh_op_name(enum bh_op op);

/* registry.c */
extern struct list_head bh_extensions;
extern struct mutex bh_registry_lock;
int bh_registry_init(void);
void bh_registry_exit(void);
bool bh_name_disabled(const char *name);
int bh_disable_list_set(const char *list, bool skip_bad);
int bh_disable_list_show(char *buf, size_t size);
int bh_ext_set_enabled(struct bh_ext_state *st, bool enable);
int bh_ext_lock(struct bh_ext_state *st, bool need_enabled);
void bh_ext_unlock(struct bh_ext_state *st);
int bh_cb_enter(struct bh_ext_state *st, enum bh_op op, u64 version);
void bh_cb_exit(struct bh_ext_state *st);
int bh_user_errno(int err);
void bh_ext_put(struct bh_ext_state *st);
u64 bh_ext_events(struct bh_ext_state *st);
struct bh_ext_state *bh_ext_get_by_inode(struct inode *inode);

/* intake.c */
extern const struct file_operations bh_content_fops;
int bh_content_commit(struct bh_ext_state *st, void *buf, size_t len);
__printf(2, 3) void bh_set_last_error(struct bh_ext_state *st, const char *fmt, ...);

/* trust.c */
extern const struct bh_sig_verifier bh_trust_verifier;
extern const struct file_operations bh_keys_fops, bh_keys_sealed_fops,
	bh_allow_format1_fops, bh_floors_fops, bh_require_sig_fops;
unsigned int bh_trust_policy(const char *name, u64 *ret_floor);
int bh_trust_init(void);
void bh_trust_exit(void);

/* fs.c */
int bh_fs_init(void);
void bh_fs_exit(void);
int bh_fs_add_extension(struct bh_ext_state *st);
void bh_fs_remove_extension(struct bh_ext_state *st);

/* dispatch.c */
int bh_dispatch_init(void);
void bh_dispatch_exit(void);

/* fault.c */
int bh_fault_init(void);
void bh_fault_exit(void);

#endif /* BH_INTERNAL_H */
