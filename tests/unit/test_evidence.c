// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_evidence.c - what the boot guard reads out of a crashed boot:
 * pstore records as Linux 6.1 and 6.12 write them (plain and compressed),
 * watchdog bootstatus, the loader journal, and which evidence wins.
 *
 * Every fixture is generated here from readable text: the records below
 * are written after the kernels' oops format (syslog prefix, as ramoops'
 * kmsg dump stores it), compressed records are deflated by the test, and
 * directories are made under a fresh mkdtemp() per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include "evidence.h"
#include "testutil.h"

/* of the files a test puts down: 0666 less the umask, as fopen() creates files */
#define PUT_MODE	0666

/* ---- records ----------------------------------------------------------- */

#define SHIM_EVENTOOPS \
	"<0>[    3.534700] bulkhead: fault extension=bh_eventoops op=event content=1\n"

/*
 * Linux 6.1, dmesg-ramoops-0: an earlier WARN from another module (its
 * stack must not count), then bh_eventoops dereferencing NULL in an exec
 * event, in gcc's cold section.
 */
#define REC61_HEAD \
	"Oops#1 Part1\n" \
	"<6>[    3.201554] bulkhead: extension bh_eventoops registered\n" \
	"<4>[    3.412004] ------------[ cut here ]------------\n" \
	"<4>[    3.412020] WARNING: CPU: 0 PID: 61 at drivers/misc/bh_vendor.c:40 vendor_poke+0x12/0x30 [bh_vendor]\n" \
	"<4>[    3.412100] Call Trace:\n" \
	"<4>[    3.412101]  <TASK>\n" \
	"<4>[    3.412102]  vendor_init+0x20/0x40 [bh_vendor]\n" \
	"<4>[    3.412103]  do_one_initcall+0x56/0x220\n" \
	"<4>[    3.412104]  </TASK>\n" \
	"<4>[    3.412105] ---[ end trace 0000000000000000 ]---\n" \
	"<1>[    3.520147] BUG: kernel NULL pointer dereference, address: 0000000000000000\n" \
	"<1>[    3.520581] #PF: supervisor write access in kernel mode\n" \
	"<1>[    3.520903] #PF: error_code(0x0002) - not-present page\n" \
	"<6>[    3.521195] PGD 0 P4D 0 \n" \
	"<4>[    3.521415] Oops: 0002 [#1] PREEMPT SMP NOPTI\n" \
	"<4>[    3.521681] CPU: 0 PID: 73 Comm: sh Tainted: G        W  OE      6.1.0-56-amd64 #1  Debian 6.1.153-1\n" \
	"<4>[    3.522227] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014\n" \
	"<4>[    3.522816] RIP: 0010:eo_handle_event.cold+0x5/0x1d [bh_eventoops]\n" \
	"<4>[    3.523192] Code: Unable to access opcode bytes at RIP 0xffffffffc09f0fdb.\n" \
	"<4>[    3.524339] RSP: 0018:ffffb1c0c022bd60 EFLAGS: 00010246\n" \
	"<4>[    3.524664] RAX: 0000000000000000 RBX: ffff9c4e4236c000 RCX: 0000000000000000\n" \
	"<4>[    3.525013] RDX: 0000000000000000 RSI: ffffb1c0c022bda0 RDI: ffffffffc09f2040\n" \
	"<4>[    3.527000] CR2: 0000000000000000 CR3: 0000000002a8c000 CR4: 00000000000006f0\n" \
	"<4>[    3.528371] Call Trace:\n" \
	"<4>[    3.528534]  <TASK>\n" \
	"<4>[    3.528683]  bh_exec_probe+0x8e/0x120 [bulkhead]\n" \
	"<4>[    3.528800]  ? eo_handle_event+0x12/0x40 [bh_eventoops]\n" \
	"<4>[    3.528949]  bprm_execve+0x2a7/0x6a0\n" \
	"<4>[    3.529217]  do_execveat_common.isra.0+0x1a5/0x1f0\n" \
	"<4>[    3.529514]  __x64_sys_execve+0x33/0x40\n" \
	"<4>[    3.529751]  do_syscall_64+0x55/0xb0\n" \
	"<4>[    3.529975]  ? exit_to_user_mode_prepare+0x40/0x1e0\n" \
	"<4>[    3.530264]  entry_SYSCALL_64_after_hwframe+0x64/0xce\n" \
	"<4>[    3.530566] RIP: 0033:0x7f3b2c1c8a37\n" \
	"<4>[    3.531900] RSP: 002b:00007ffd4f0e1b58 EFLAGS: 00000246 ORIG_RAX: 000000000000003b\n" \
	"<4>[    3.534000]  </TASK>\n" \
	"<4>[    3.534146] Modules linked in: bh_eventoops(OE) bulkhead(OE) bh_vendor(OE) ramoops reed_solomon virtio_blk\n"
#define REC61_TAIL \
	"<4>[    3.534900] CR2: 0000000000000000\n" \
	"<4>[    3.535084] ---[ end trace 0000000000000000 ]---\n" \
	"<4>[    3.535400] RIP: 0010:eo_handle_event.cold+0x5/0x1d [bh_eventoops]\n" \
	"<4>[    3.535800] RSP: 0018:ffffb1c0c022bd60 EFLAGS: 00010246\n"
#define REC61 REC61_HEAD SHIM_EVENTOOPS REC61_TAIL

/*
 * Linux 6.12, dmesg-ramoops-1: the panic record of the same crash, with
 * 6.12's doubled "Oops: Oops:", its "Tainted:" line and unreliable "? "
 * frames from the page-fault path.
 */
#define REC612_HEAD \
	"Panic#2 Part1\n" \
	"<6>[    2.871234] bulkhead: extension bh_eventoops registered\n" \
	"<1>[    2.990120] BUG: kernel NULL pointer dereference, address: 0000000000000000\n" \
	"<1>[    2.990501] #PF: supervisor write access in kernel mode\n" \
	"<1>[    2.990794] #PF: error_code(0x0002) - not-present page\n" \
	"<6>[    2.991061] PGD 0 P4D 0 \n" \
	"<4>[    2.991262] Oops: Oops: 0002 [#1] PREEMPT SMP NOPTI\n" \
	"<4>[    2.991510] CPU: 0 UID: 0 PID: 68 Comm: sh Tainted: G           OE      6.12.57+deb12-amd64 #1  Debian 6.12.57-1~bpo12+1\n" \
	"<4>[    2.992097] Tainted: [O]=OOT_MODULE, [E]=UNSIGNED_MODULE\n" \
	"<4>[    2.992389] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014\n" \
	"<4>[    2.992913] RIP: 0010:eo_handle_event+0x1d/0x40 [bh_eventoops]\n" \
	"<4>[    2.993231] Code: 0f 1f 44 00 00 48 8b 46 08 48 85 c0 74 0e 80 38 2f 75 09 <c7> 04 25 00 00 00 00 01 00 00 00 c3 cc cc cc cc\n" \
	"<4>[    2.994237] RSP: 0018:ffffa8a3c0243d70 EFLAGS: 00010246\n" \
	"<4>[    2.994520] RAX: ffff8e5d42a1c000 RBX: ffff8e5d41b7e900 RCX: 0000000000000000\n" \
	"<4>[    2.996906] CS:  0010 DS: 0000 ES: 0000 CR0: 0000000080050033\n" \
	"<4>[    2.997221] CR2: 0000000000000000 CR3: 0000000002a8c000 CR4: 00000000000006f0\n" \
	"<4>[    2.997610] Call Trace:\n" \
	"<4>[    2.997761]  <TASK>\n" \
	"<4>[    2.997886]  ? __die+0x23/0x70\n" \
	"<4>[    2.998071]  ? page_fault_oops+0x171/0x4e0\n" \
	"<4>[    2.998313]  ? exc_page_fault+0x77/0x170\n" \
	"<4>[    2.998545]  ? asm_exc_page_fault+0x26/0x30\n" \
	"<4>[    2.998789]  ? eo_handle_event+0x1d/0x40 [bh_eventoops]\n" \
	"<4>[    2.999081]  bh_exec_probe+0x7c/0x110 [bulkhead]\n" \
	"<4>[    2.999353]  bprm_execve+0x1b4/0x4a0\n" \
	"<4>[    2.999838]  __x64_sys_execve+0x37/0x50\n" \
	"<4>[    3.000063]  do_syscall_64+0x82/0x190\n" \
	"<4>[    3.000277]  entry_SYSCALL_64_after_hwframe+0x76/0x7e\n" \
	"<4>[    3.000549] RIP: 0033:0x7f2c5d3b6a37\n" \
	"<4>[    3.000764] Code: Unable to access opcode bytes at 0x7f2c5d3b6a0d.\n" \
	"<4>[    3.001512]  </TASK>\n" \
	"<4>[    3.001640] Modules linked in: bh_eventoops(OE) bulkhead(OE) ramoops reed_solomon virtio_blk\n"
#define REC612_TAIL \
	"<4>[    3.002411] CR2: 0000000000000000\n" \
	"<4>[    3.002596] ---[ end trace 0000000000000000 ]---\n" \
	"<4>[    3.002852] RIP: 0010:eo_handle_event+0x1d/0x40 [bh_eventoops]\n" \
	"<4>[    3.004012] RSP: 0018:ffffa8a3c0243d70 EFLAGS: 00010246\n" \
	"<0>[    3.006020] Kernel panic - not syncing: Fatal exception\n" \
	"<0>[    3.006577] Kernel Offset: 0x2a000000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)\n"
#define REC612 REC612_HEAD \
	"<0>[    3.002082] bulkhead: fault extension=bh_eventoops op=event content=1\n" \
	REC612_TAIL

/* a call through a NULL pointer: RIP names no symbol, the frames do */
#define REC_NULL_CALL "Oops#1 Part1\n" REC_NULL_CALL_BODY
#define REC_NULL_CALL_BODY \
	"<1>[    5.100000] BUG: kernel NULL pointer dereference, address: 0000000000000000\n" \
	"<4>[    5.100100] Oops: 0010 [#1] PREEMPT SMP NOPTI\n" \
	"<4>[    5.100200] RIP: 0010:0x0\n" \
	"<4>[    5.100300] Call Trace:\n" \
	"<4>[    5.100301]  <TASK>\n" \
	"<4>[    5.100302]  ? rp_guess+0x10/0x20 [bh_rawparse]\n" \
	"<4>[    5.100303]  bh_content_commit+0x91/0x1c0 [bulkhead]\n" \
	"<4>[    5.100304]  to_take_content.constprop.0+0x3c/0x90 [bh_takeoops]\n" \
	"<4>[    5.100305]  bh_content_flush+0x2e/0x60 [bulkhead]\n" \
	"<4>[    5.100306]  vendor_loop+0x2e/0x60 [bh_vendor]\n" \
	"<4>[    5.100307]  filp_close+0x2e/0x70\n" \
	"<4>[    5.100308]  </TASK>\n"

/* a panic with no oops and no module: only a panic */
#define REC_PANIC_ONLY \
	"Panic#1 Part1\n" \
	"<3>[  122.410000] INFO: task kworker/0:1:27 blocked for more than 120 seconds.\n" \
	"<6>[  122.410100] Call Trace:\n" \
	"<6>[  122.410101]  <TASK>\n" \
	"<6>[  122.410102]  vendor_wait+0x1d/0x40 [bh_vendor]\n" \
	"<6>[  122.410103]  </TASK>\n" \
	"<0>[  122.420000] Kernel panic - not syncing: hung_task: blocked tasks\n"

/*
 * Linux 6.1: an extension sleeps in atomic context.  The kernel reports it
 * ("BUG: sleeping function called from invalid context", a warning: it
 * carries on) with a stack through the extension's frame.
 */
#define REC_SLEEP_WARNING \
	"<3>[   41.200100] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580\n" \
	"<3>[   41.200400] in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 412, name: sh\n" \
	"<3>[   41.200600] preempt_count: 1, expected: 0\n" \
	"<3>[   41.200700] RCU nest depth: 0, expected: 0\n" \
	"<4>[   41.200900] CPU: 1 PID: 412 Comm: sh Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.153-1\n" \
	"<4>[   41.201200] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014\n" \
	"<4>[   41.201500] Call Trace:\n" \
	"<4>[   41.201600]  <TASK>\n" \
	"<4>[   41.201700]  dump_stack_lvl+0x44/0x5c\n" \
	"<4>[   41.201800]  __might_resched.cold+0xcc/0xe0\n" \
	"<4>[   41.201900]  mutex_lock+0x1a/0x40\n" \
	"<4>[   41.202000]  sl_handle_event+0x2c/0x90 [bh_sleepy]\n" \
	"<4>[   41.202100]  bh_exec_probe+0x8e/0x120 [bulkhead]\n" \
	"<4>[   41.202200]  bprm_execve+0x2a7/0x6a0\n" \
	"<4>[   41.202300]  __x64_sys_execve+0x33/0x40\n" \
	"<4>[   41.202400]  do_syscall_64+0x55/0xb0\n" \
	"<4>[   41.202500]  entry_SYSCALL_64_after_hwframe+0x64/0xce\n" \
	"<4>[   41.202600]  </TASK>\n"

#define SLEEP_WARNING_LINE \
	"BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580"

/*
 * Linux 6.1: a WARN_ON() in an extension's event handler: a warning with
 * its own RIP line in the extension, after an earlier report that opened
 * no oops ("BUG: scheduling while atomic", core frames only).
 */
#define REC_ATOMIC_REPORT \
	"<3>[   12.100000] BUG: scheduling while atomic: kworker/1:2/88/0x00000002\n" \
	"<4>[   12.100100] Modules linked in: bh_warny(OE) bulkhead(OE) ramoops reed_solomon virtio_blk\n" \
	"<4>[   12.100200] CPU: 1 PID: 88 Comm: kworker/1:2 Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.153-1\n" \
	"<4>[   12.100300] Call Trace:\n" \
	"<4>[   12.100400]  <TASK>\n" \
	"<4>[   12.100500]  dump_stack_lvl+0x44/0x5c\n" \
	"<4>[   12.100600]  __schedule_bug.cold+0x4e/0x5a\n" \
	"<4>[   12.100700]  __schedule+0x6ab/0x8a0\n" \
	"<4>[   12.100800]  </TASK>\n"
#define REC_WARN_SPLAT \
	"<4>[   20.000000] ------------[ cut here ]------------\n" \
	"<4>[   20.000100] WARNING: CPU: 0 PID: 73 at extensions/bh_warny/warny.c:88 wy_handle_event+0x51/0x70 [bh_warny]\n" \
	"<4>[   20.000200] Modules linked in: bh_warny(OE) bulkhead(OE) ramoops reed_solomon virtio_blk\n" \
	"<4>[   20.000300] CPU: 0 PID: 73 Comm: sh Tainted: G        W  OE      6.1.0-56-amd64 #1  Debian 6.1.153-1\n" \
	"<4>[   20.000400] RIP: 0010:wy_handle_event+0x51/0x70 [bh_warny]\n" \
	"<4>[   20.000500] RSP: 0018:ffffb1c0c022bd60 EFLAGS: 00010246\n" \
	"<4>[   20.000600] Call Trace:\n" \
	"<4>[   20.000700]  <TASK>\n" \
	"<4>[   20.000800]  bh_exec_probe+0x8e/0x120 [bulkhead]\n" \
	"<4>[   20.000900]  bprm_execve+0x2a7/0x6a0\n" \
	"<4>[   20.001000]  </TASK>\n" \
	"<4>[   20.001100] ---[ end trace 0000000000000000 ]---\n"

#define WARN_SPLAT_LINE \
	"WARNING: CPU: 0 PID: 73 at extensions/bh_warny/warny.c:88 wy_handle_event+0x51/0x70 [bh_warny]"

/* the crash that follows, in core code: its RIP and stack name no module */
#define REC_CORE_OOPS \
	"<1>[   57.880100] BUG: unable to handle page fault for address: ffffc9000061a000\n" \
	"<1>[   57.880300] #PF: supervisor read access in kernel mode\n" \
	"<1>[   57.880400] #PF: error_code(0x0000) - not-present page\n" \
	"<6>[   57.880500] PGD 100000067 P4D 100000067 PUD 1001b4067 PMD 0 \n" \
	"<4>[   57.880600] Oops: 0000 [#1] PREEMPT SMP NOPTI\n" \
	"<4>[   57.880700] CPU: 0 PID: 23 Comm: kworker/0:1 Tainted: G        W  OE      6.1.0-56-amd64 #1  Debian 6.1.153-1\n" \
	"<4>[   57.880800] Workqueue: events free_work\n" \
	"<4>[   57.880900] RIP: 0010:__vunmap+0x4f/0x2c0\n" \
	"<4>[   57.881000] RSP: 0018:ffffb1c0c00bbe28 EFLAGS: 00010246\n" \
	"<4>[   57.881100] Call Trace:\n" \
	"<4>[   57.881200]  <TASK>\n" \
	"<4>[   57.881300]  free_work+0x25/0x30\n" \
	"<4>[   57.881400]  process_one_work+0x1c7/0x380\n" \
	"<4>[   57.881500]  worker_thread+0x4d/0x380\n" \
	"<4>[   57.881600]  kthread+0xd7/0x100\n" \
	"<4>[   57.881700]  ret_from_fork+0x1f/0x30\n" \
	"<4>[   57.881800]  </TASK>\n" \
	"<4>[   57.881900] Modules linked in: bh_sleepy(OE) bh_warny(OE) bulkhead(OE) ramoops reed_solomon virtio_blk\n" \
	"<4>[   57.882000] CR2: ffffc9000061a000\n" \
	"<4>[   57.882100] ---[ end trace 0000000000000000 ]---\n" \
	"<4>[   57.882200] RIP: 0010:__vunmap+0x4f/0x2c0\n" \
	"<0>[   57.883000] Kernel panic - not syncing: Fatal exception\n"

#define CORE_OOPS_LINE "BUG: unable to handle page fault for address: ffffc9000061a000"

/* ---- helpers ----------------------------------------------------------- */

/* scan @len bytes from an allocation of exactly @len, so ASan sees overreads */
static void scan_bytes(struct bg_evidence *ev, const void *data, size_t len,
		       const char *origin)
{
	char *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	if (len)
		memcpy(copy, data, len);
	bg_evidence_scan_text(copy, len, origin, ev);
	free(copy);
}

static struct bg_evidence scan(const char *text)
{
	struct bg_evidence ev = {};

	scan_bytes(&ev, text, strlen(text), "pstore/dmesg-ramoops-0");
	return ev;
}

static void assert_names(const struct bg_evidence *ev, enum bg_evidence_kind kind,
			 const char *extension)
{
	if (ev->kind != kind)
		fail_msg("kind %s, expected %s (detail '%s')",
			 bg_evidence_kind_name(ev->kind), bg_evidence_kind_name(kind),
			 ev->detail);
	assert_string_equal(ev->extension, extension);
}

/* xorshift64: the same "random" bytes on every run */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* snprintf() into an array, failing the test instead of cutting */
#define JOIN(buf, ...) \
	assert_true(snprintf(buf, sizeof(buf), __VA_ARGS__) < (int)sizeof(buf))

/* ---- directory fixture ------------------------------------------------- */

struct fx_dir {
	char root[64];
	char pstore[128];
	char watchdog[128];
	char journal[128];
	char archive[128];
	struct bg_sources src;
};

static int fx_setup(void **state)
{
	struct fx_dir *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->root, "/tmp/bh-evidence-XXXXXX");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	snprintf(f->pstore, sizeof(f->pstore), "%s/pstore", f->root);
	snprintf(f->watchdog, sizeof(f->watchdog), "%s/watchdog", f->root);
	snprintf(f->journal, sizeof(f->journal), "%s/loader.journal", f->root);
	snprintf(f->archive, sizeof(f->archive), "%s/state/pstore", f->root);
	if (mkdir(f->pstore, 0755) || mkdir(f->watchdog, 0755)) {
		free(f);
		return -1;
	}
	f->src.pstore_dir = f->pstore;
	f->src.watchdog_dir = f->watchdog;
	f->src.journal_path = f->journal;
	f->src.archive_dir = f->archive;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx_dir *f = *state;

	/* undo what the tests that make unlink fail did */
	chmod(f->pstore, 0755);
	rm_tree(f->root);
	free(f);
	return 0;
}

/* @text into @dir/@name */
static void put_in(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];

	JOIN(path, "%s/%s", dir, name);
	put_file_mode(path, text, strlen(text), PUT_MODE);
}

/* a sysfs-like watchdog: class/watchdogN is a link to the device's directory */
static void put_watchdog(struct fx_dir *f, const char *name, const char *bootstatus)
{
	char dev[PATH_MAX], link[PATH_MAX];

	JOIN(dev, "%s/dev-%s", f->root, name);
	assert_int_equal(mkdir(dev, 0755), 0);
	put_in(dev, "bootstatus", bootstatus);
	JOIN(link, "%s/%s", f->watchdog, name);
	assert_int_equal(symlink(dev, link), 0);
}

static bool exists(const char *dir, const char *name)
{
	char path[PATH_MAX];

	JOIN(path, "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static struct bg_evidence gather_ok(const struct bg_sources *src, uint64_t boot_id,
				    struct bulkhead_msg *msg)
{
	struct bg_evidence ev;
	int err;

	memset(&ev, 0xa5, sizeof(ev));
	err = bg_evidence_gather(src, boot_id, &ev, msg);
	if (err)
		fail_msg("gather failed: %d %s", err, msg->text);
	return ev;
}

static void erase_ok(const struct bg_sources *src, uint64_t boot_id,
		     struct bulkhead_msg *msg)
{
	int err;

	err = bg_evidence_erase(src, boot_id, msg);
	if (err)
		fail_msg("erase failed: %d %s", err, msg->text);
}

/* @text deflated: window_bits -15 is raw deflate (pstore's), 15 zlib */
static uint8_t *deflate_text(const char *text, int window_bits, size_t *ret_len)
{
	size_t len = strlen(text);
	z_stream zs = {};
	uint8_t *out;
	size_t cap;

	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, window_bits, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	cap = deflateBound(&zs, len) + 64;
	out = malloc(cap);
	assert_non_null(out);
	zs.next_in = (Bytef *)text;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*ret_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

static void assert_file_is(const char *dir, const char *name, const void *data,
			   size_t len, mode_t mode)
{
	_cleanup_free_ uint8_t *buf = NULL;
	struct bulkhead_msg msg = {};
	char path[PATH_MAX];
	struct stat st;
	size_t got;

	JOIN(path, "%s/%s", dir, name);
	if (bulkhead_read_file(path, 1 << 24, &buf, &got, &msg))
		fail_msg("%s", msg.text);
	assert_int_equal(got, len);
	assert_memory_equal(buf, data, len);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, mode);
}

/* ---- names ------------------------------------------------------------- */

static void kind_names_are_stable(void **state)
{
	(void)state;
	assert_string_equal(bg_evidence_kind_name(BG_EV_NONE), "none");
	assert_string_equal(bg_evidence_kind_name(BG_EV_WATCHDOG), "watchdog");
	assert_string_equal(bg_evidence_kind_name(BG_EV_PANIC), "panic");
	assert_string_equal(bg_evidence_kind_name(BG_EV_LOADER), "loader");
	assert_string_equal(bg_evidence_kind_name(BG_EV_OOPS_MODULE), "oops-module");
	assert_string_equal(bg_evidence_kind_name(BG_EV_SHIM_FAULT), "shim-fault");
	assert_string_equal(bg_evidence_kind_name((enum bg_evidence_kind)42), "invalid");
}

static void only_named_culprits_are_certain(void **state)
{
	static const struct {
		enum bg_evidence_kind kind;
		const char *extension;
		bool certain;
	} rows[] = {
		{ BG_EV_SHIM_FAULT, "bh_x", true },
		{ BG_EV_OOPS_MODULE, "bh_x", true },
		{ BG_EV_LOADER, "bh_x", true },
		{ BG_EV_LOADER, "", false },
		{ BG_EV_PANIC, "", false },
		{ BG_EV_WATCHDOG, "", false },
		{ BG_EV_NONE, "", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct bg_evidence ev = { .kind = rows[i].kind };

		strcpy(ev.extension, rows[i].extension);
		if (bg_evidence_certain(&ev) != rows[i].certain)
			fail_msg("row %zu: %s '%s'", i, bg_evidence_kind_name(rows[i].kind),
				 rows[i].extension);
	}
}

/* ---- one record -------------------------------------------------------- */

static void linux61_oops_record_names_the_shim_fault(void **state)
{
	struct bg_evidence ev = scan(REC61);

	(void)state;
	assert_names(&ev, BG_EV_SHIM_FAULT, "bh_eventoops");
	assert_string_equal(ev.op, "event");
	assert_int_equal(ev.content_version, 1);
	assert_true(ev.oops);
	assert_false(ev.panic);
	assert_false(ev.watchdog_reset);
	assert_string_equal(ev.detail, "pstore/dmesg-ramoops-0: bulkhead: fault "
			    "extension=bh_eventoops op=event content=1");
	assert_true(bg_evidence_certain(&ev));
}

static void linux612_panic_record_names_the_shim_fault(void **state)
{
	struct bg_evidence ev = scan(REC612);

	(void)state;
	assert_names(&ev, BG_EV_SHIM_FAULT, "bh_eventoops");
	assert_string_equal(ev.op, "event");
	assert_int_equal(ev.content_version, 1);
	assert_true(ev.oops);
	assert_true(ev.panic);
}

/*
 * The crashed boot ran at least until its dump's latest time stamp: the
 * policy adds that to the machine's running time (the crash window's
 * clock), so a crash two hours after "good" is two hours after it.
 */
static void time_stamps_tell_how_long_the_crashed_boot_ran(void **state)
{
	struct bg_evidence ev = scan(REC61);

	(void)state;
	assert_int_equal(ev.uptime, 3);
	ev = scan("<4>[ 7319.999999] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2\n"
		  "<0>[ 7320.500000] Kernel panic - not syncing: Fatal exception\n");
	assert_int_equal(ev.uptime, 7320);
	/* another record of the same boot, older: the latest stamp stands */
	scan_bytes(&ev, REC61, strlen(REC61), "pstore/dmesg-ramoops-1");
	assert_int_equal(ev.uptime, 7320);
	/* no time stamps (printk.time=0), a caller id alone, a stamp past int64: none */
	ev = scan("Kernel panic - not syncing: Fatal exception\n");
	assert_int_equal(ev.uptime, 0);
	ev = scan("<0>[  T123] Kernel panic - not syncing: Fatal exception\n");
	assert_int_equal(ev.uptime, 0);
	ev = scan("<0>[99999999999999999999.000000] Kernel panic - not syncing: Fatal exception\n");
	assert_int_equal(ev.uptime, 0);
	assert_true(ev.panic);
}

static void rip_line_names_the_module_without_a_shim_line(void **state)
{
	struct bg_evidence ev61 = scan(REC61_HEAD REC61_TAIL);
	struct bg_evidence ev612 = scan(REC612_HEAD REC612_TAIL);

	(void)state;
	assert_names(&ev61, BG_EV_OOPS_MODULE, "bh_eventoops");
	assert_string_equal(ev61.op, "");
	assert_int_equal(ev61.content_version, 0);
	assert_string_equal(ev61.detail, "pstore/dmesg-ramoops-0: RIP: "
			    "0010:eo_handle_event.cold+0x5/0x1d [bh_eventoops]");
	assert_names(&ev612, BG_EV_OOPS_MODULE, "bh_eventoops");
	assert_true(ev612.panic);
	assert_true(bg_evidence_certain(&ev612));
}

static void first_reliable_frame_names_the_module_when_rip_does_not(void **state)
{
	struct bg_evidence ev = scan(REC_NULL_CALL);

	(void)state;
	/* "? [bh_rawparse]" is a guess, the [bulkhead] frames are the shim's */
	assert_names(&ev, BG_EV_OOPS_MODULE, "bh_takeoops");
	assert_contains(ev.detail, "to_take_content.constprop.0+0x3c/0x90 [bh_takeoops]");
}

static void shim_frames_never_name_the_culprit(void **state)
{
	/* the fault in the shim's accessor, called by the extension */
	struct bg_evidence in_accessor = scan(
		"<4>[    7.1] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
		"<4>[    7.2] RIP: 0010:bh_field_u32+0x21/0x50 [bulkhead]\n"
		"<4>[    7.3] Call Trace:\n"
		"<4>[    7.4]  bh_field_u32+0x21/0x50 [bulkhead]\n"
		"<4>[    7.5]  rp_take_content+0x7a/0x120 [bh_rawparse]\n"
		"<4>[    7.6]  bh_content_commit+0x91/0x1c0 [bulkhead]\n");
	/* a fault in the shim alone names nobody */
	struct bg_evidence shim_only = scan(
		"<4>[    7.1] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI\n"
		"<4>[    7.2] RIP: 0010:bh_exec_probe+0x33/0x110 [bulkhead]\n"
		"<4>[    7.3] Call Trace:\n"
		"<4>[    7.4]  bh_exec_probe+0x33/0x110 [bulkhead]\n"
		"<4>[    7.5]  bprm_execve+0x1b4/0x4a0\n");

	(void)state;
	assert_names(&in_accessor, BG_EV_OOPS_MODULE, "bh_rawparse");
	assert_names(&shim_only, BG_EV_PANIC, "");
	assert_true(shim_only.oops);
	assert_contains(shim_only.detail, "general protection fault");
}

static void stack_lines_before_the_crash_are_not_evidence(void **state)
{
	struct bg_evidence hung = scan(REC_PANIC_ONLY);

	(void)state;
	/* a blocked task's stack says where it waits, not who broke it */
	assert_names(&hung, BG_EV_PANIC, "");
	assert_true(hung.panic);
	assert_false(hung.oops);
	assert_string_equal(hung.detail, "pstore/dmesg-ramoops-0: Kernel panic - "
			    "not syncing: hung_task: blocked tasks");
}

static void panic_called_from_a_module_names_it(void **state)
{
	struct bg_evidence ev = scan(
		"Panic#1 Part1\n"
		"<0>[    9.000000] Kernel panic - not syncing: bh_vendor: state corrupted\n"
		"<4>[    9.000100] CPU: 1 PID: 1 Comm: init Tainted: G           OE      6.1.0-56-amd64 #1\n"
		"<4>[    9.000200] Call Trace:\n"
		"<4>[    9.000201]  <TASK>\n"
		"<4>[    9.000202]  dump_stack_lvl+0x44/0x5c\n"
		"<4>[    9.000203]  panic+0x118/0x2ed\n"
		"<4>[    9.000204]  vendor_check.cold+0x11/0x2a [bh_vendor]\n"
		"<4>[    9.000205]  </TASK>\n");

	(void)state;
	assert_names(&ev, BG_EV_OOPS_MODULE, "bh_vendor");
	assert_true(ev.panic);
}

static void first_shim_line_wins(void **state)
{
	struct bg_evidence ev = scan(
		"<0>[ 1.0] bulkhead: fault extension=bh_first op=take_content content=7\n"
		"<0>[ 2.0] bulkhead: fault extension=bh_second op=event content=8\n");

	(void)state;
	assert_names(&ev, BG_EV_SHIM_FAULT, "bh_first");
	assert_string_equal(ev.op, "take_content");
	assert_int_equal(ev.content_version, 7);
	/* a later record of equal strength does not replace it either */
	scan_bytes(&ev, "bulkhead: fault extension=bh_third op=event content=9\n",
		   strlen("bulkhead: fault extension=bh_third op=event content=9\n"),
		   "pstore/dmesg-ramoops-1");
	assert_names(&ev, BG_EV_SHIM_FAULT, "bh_first");
	assert_int_equal(ev.content_version, 7);
}

static void stronger_evidence_replaces_weaker_never_the_reverse(void **state)
{
	struct bg_evidence up = {}, down = {};

	(void)state;
	scan_bytes(&up, REC_PANIC_ONLY, strlen(REC_PANIC_ONLY), "a");
	assert_names(&up, BG_EV_PANIC, "");
	scan_bytes(&up, REC_NULL_CALL, strlen(REC_NULL_CALL), "b");
	assert_names(&up, BG_EV_OOPS_MODULE, "bh_takeoops");
	scan_bytes(&up, REC61, strlen(REC61), "c");
	assert_names(&up, BG_EV_SHIM_FAULT, "bh_eventoops");
	assert_contains(up.detail, "c: bulkhead: fault");

	scan_bytes(&down, REC61, strlen(REC61), "c");
	scan_bytes(&down, REC_NULL_CALL, strlen(REC_NULL_CALL), "b");
	scan_bytes(&down, REC_PANIC_ONLY, strlen(REC_PANIC_ONLY), "a");
	assert_names(&down, BG_EV_SHIM_FAULT, "bh_eventoops");
	assert_string_equal(down.detail, up.detail);
	/* the flags still gather what every record said */
	assert_true(down.panic);
	assert_true(down.oops);
}

static void op_unknown_is_reported_as_empty(void **state)
{
	struct bg_evidence ev =
		scan("[ 4.2] bulkhead: fault extension=bh_x op=unknown content=3\n");

	(void)state;
	assert_names(&ev, BG_EV_SHIM_FAULT, "bh_x");
	assert_string_equal(ev.op, "");
	assert_int_equal(ev.content_version, 3);
}

static void malformed_shim_lines_are_not_evidence(void **state)
{
	static const char *const bad[] = {
		"bulkhead: fault extension= op=event content=1\n",
		"bulkhead: fault extension=bh/x op=event content=1\n",
		"bulkhead: fault extension=a_name_that_is_32_characters_xxx op=event content=1\n",
		"bulkhead: fault extension=bh_x content=1\n",
		"bulkhead: fault extension=bh_x op=Event content=1\n",
		"bulkhead: fault extension=bh_x op= content=1\n",
		"bulkhead: fault extension=bh_x op=a_very_long_operation_name content=1\n",
		"bulkhead: fault extension=bh_x op=event\n",
		"bulkhead: fault extension=bh_x op=event content=\n",
		"bulkhead: fault extension=bh_x op=event content=0x10\n",
		"bulkhead: fault extension=bh_x op=event content=-1\n",
		"bulkhead: fault extension=bh_x op=event content=18446744073709551616\n",
		"bulkhead: fault extension=bh_x op=event content=12abc\n",
		"xbulkhead: fault extension=bh_x op=event content=1\n",
		"bulkhead: fault  extension=bh_x op=event content=1\n",
	};
	static const char *const good[] = {
		"bulkhead: fault extension=bh_x op=event content=18446744073709551615\n",
		"bulkhead: fault extension=bh_x op=event content=1 cpu=3\n",
		"bulkhead: fault extension=bh_x  op=event\tcontent=1  \n",
		"<0>[  1.0] [    T1] bulkhead: fault extension=bh_x op=event content=1\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bg_evidence ev = scan(bad[i]);

		if (ev.kind != BG_EV_NONE)
			fail_msg("taken: %s", bad[i]);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct bg_evidence ev = scan(good[i]);

		if (ev.kind != BG_EV_SHIM_FAULT || strcmp(ev.extension, "bh_x"))
			fail_msg("not taken: %s", good[i]);
	}
	assert_true(scan(good[0]).content_version == UINT64_MAX);
}

static void module_lines_need_a_whole_extension_name(void **state)
{
	static const struct {
		const char *line;
		const char *extension;	/* NULL: not a module line */
	} rows[] = {
		{ " f+0x1d/0x40 [bh_x]", "bh_x" },
		{ " f+0x1d/0x40 [bh_x 5e2f0c9a1b3d4e6f708192a3b4c5d6e7f8091a2b]", "bh_x" },
		{ "RIP: 0010:f.isra.0+0x1d/0x40 [bh-x.y]", "bh-x.y" },
		{ " f+0x1d/0x40 [bh_x", NULL },
		{ " f+0x1d/0x40 [bh_x] trailing", NULL },
		{ " f+0x1d/0x40 []", NULL },
		{ " f+0x1d/0x40 [bh_x]]", NULL },
		{ " f+0x1d [bh_x]", NULL },
		{ " f+0x/0x40 [bh_x]", NULL },
		{ " f+0x1d/0x [bh_x]", NULL },
		{ " +0x1d/0x40 [bh_x]", NULL },
		{ " f+0x1d/0x40 [a_module_name_longer_than_31_chars]", NULL },
		{ " ? f+0x1d/0x40 [bh_x]", NULL },
		{ "RIP: 001:f+0x1d/0x40 [bh_x]", NULL },
		{ "Modules linked in: bh_x(OE) bulkhead(OE)", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char text[512];
		struct bg_evidence ev;

		JOIN(text, "Oops: 0000 [#1] SMP\n%s\n", rows[i].line);
		ev = scan(text);
		if (rows[i].extension) {
			if (ev.kind != BG_EV_OOPS_MODULE ||
			    strcmp(ev.extension, rows[i].extension))
				fail_msg("'%s': %s '%s'", rows[i].line,
					 bg_evidence_kind_name(ev.kind), ev.extension);
		} else if (ev.kind != BG_EV_PANIC) {
			fail_msg("'%s' taken as %s '%s'", rows[i].line,
				 bg_evidence_kind_name(ev.kind), ev.extension);
		}
	}
}

static void crash_markers_need_a_word_boundary(void **state)
{
	static const struct {
		const char *line;
		bool oops, panic;
	} rows[] = {
		{ "<7>[ 1.0] mydrv: DEBUG: state 3", false, false },
		{ "<6>[ 1.0] xOops: nothing", false, false },
		{ "<6>[ 1.0] Oops#1 Part1 in the middle of a record", false, false },
		{ "<4>[ 1.0] Oops: 0002 [#1] PREEMPT SMP NOPTI", true, false },
		{ "<4>[ 1.0] Oops: Oops: 0002 [#1] PREEMPT SMP NOPTI", true, false },
		{ "<1>[ 1.0] BUG: unable to handle page fault for address: ffffc9000061a000", true, false },
		{ "<0>[ 1.0] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [sh:73]", true, false },
		{ "<4>[ 1.0] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] SMP", true, false },
		{ "<4>[ 1.0] kernel BUG at mm/slub.c:379!", true, false },
		{ "<0>[ 1.0] Kernel panic - not syncing: Fatal exception", false, true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char text[256];
		struct bg_evidence ev;

		/* a first line, so the row is never taken for pstore's header */
		JOIN(text, "<6>[ 0.0] Linux version 6.1.0\n%s\n",
			 rows[i].line);
		ev = scan(text);
		if (ev.oops != rows[i].oops || ev.panic != rows[i].panic ||
		    (ev.kind == BG_EV_PANIC) != (rows[i].oops || rows[i].panic))
			fail_msg("row %zu '%s': oops %d panic %d kind %s", i, rows[i].line,
				 ev.oops, ev.panic, bg_evidence_kind_name(ev.kind));
	}
}

static void pstore_header_alone_marks_oops_or_panic(void **state)
{
	struct bg_evidence panic = scan("Panic#2 Part1\n<6>[ 1.0] nothing here\n");
	struct bg_evidence oops = scan("Oops#1 Part3\n<6>[ 1.0] nothing here\n");
	struct bg_evidence neither = scan("Emergency#1 Part1\n<6>[ 1.0] x\n");

	(void)state;
	assert_names(&panic, BG_EV_PANIC, "");
	assert_true(panic.panic);
	assert_false(panic.oops);
	assert_string_equal(panic.detail, "pstore/dmesg-ramoops-0: Panic#2 Part1");
	assert_names(&oops, BG_EV_PANIC, "");
	assert_true(oops.oops);
	assert_names(&neither, BG_EV_NONE, "");
}

static void crlf_lines_read_like_lf_lines(void **state)
{
	const char *lf = REC61;
	size_t i, o = 0;
	char *crlf = malloc(2 * strlen(lf) + 1);
	struct bg_evidence ev = {};

	(void)state;
	assert_non_null(crlf);
	for (i = 0; lf[i]; i++) {
		if (lf[i] == '\n')
			crlf[o++] = '\r';
		crlf[o++] = lf[i];
	}
	scan_bytes(&ev, crlf, o, "pstore/dmesg-ramoops-0");
	free(crlf);
	assert_names(&ev, BG_EV_SHIM_FAULT, "bh_eventoops");
	assert_int_equal(ev.content_version, 1);
	assert_string_equal(ev.detail, scan(REC61).detail);
}

static void cut_shim_line_is_not_evidence(void **state)
{
	struct bg_evidence cut = scan(REC61_HEAD
		"<0>[    3.534700] bulkhead: fault extension=bh_even");
	struct bg_evidence unended = scan(REC61_HEAD
		"<0>[    3.534700] bulkhead: fault extension=bh_eventoops op=event content=1");

	(void)state;
	/* the RIP line before it is whole and still names the module */
	assert_names(&cut, BG_EV_OOPS_MODULE, "bh_eventoops");
	/* "content=1" might have been "content=12": not taken either */
	assert_names(&unended, BG_EV_OOPS_MODULE, "bh_eventoops");
}

static void every_prefix_of_a_record_is_safe_and_names_no_cut_name(void **state)
{
	static const char *const records[] = { REC61, REC612, REC_NULL_CALL };
	size_t r, k;

	(void)state;
	for (r = 0; r < sizeof(records) / sizeof(records[0]); r++) {
		size_t len = strlen(records[r]);

		for (k = 0; k <= len; k++) {
			struct bg_evidence ev = {};

			scan_bytes(&ev, records[r], k, "cut");
			if (ev.kind == BG_EV_SHIM_FAULT &&
			    (strcmp(ev.extension, "bh_eventoops") || ev.content_version != 1))
				fail_msg("record %zu cut at %zu: '%s' %llu", r, k, ev.extension,
					 (unsigned long long)ev.content_version);
			if (ev.kind == BG_EV_OOPS_MODULE && strcmp(ev.extension, "bh_eventoops") &&
			    strcmp(ev.extension, "bh_takeoops"))
				fail_msg("record %zu cut at %zu: module '%s'", r, k, ev.extension);
			assert_true(strlen(ev.detail) < BG_DETAIL_LEN);
		}
	}
}

static void random_and_mutated_bytes_are_safe(void **state)
{
	const char *rec = REC612;
	size_t len = strlen(rec), i, j;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	uint8_t buf[8192];

	(void)state;
	for (i = 0; i < 2000; i++) {
		struct bg_evidence ev = {};
		size_t n = rnd(&seed) % sizeof(buf);

		if (i % 2) {
			/* pure noise, biased towards the bytes the parser looks at */
			static const char hot[] = "\n\r []<>+/0x?:#bulkhead fault=";

			for (j = 0; j < n; j++) {
				uint64_t v = rnd(&seed);

				buf[j] = v & 1 ? (uint8_t)hot[(v >> 8) % (sizeof(hot) - 1)] :
						 (uint8_t)(v >> 16);
			}
		} else {
			/* the real record with a few bytes flipped and a random cut */
			n = n % (len + 1);
			memcpy(buf, rec, n);
			for (j = 0; j < 8 && n; j++) {
				uint64_t v = rnd(&seed);

				buf[v % n] = (uint8_t)(v >> 32);
			}
		}
		scan_bytes(&ev, buf, n, "noise");
		assert_true(ev.kind <= BG_EV_SHIM_FAULT);
		if (ev.extension[0])
			assert_true(bh_name_valid(ev.extension));
		for (j = 0; ev.detail[j]; j++)
			assert_true(ev.detail[j] >= 0x20 && ev.detail[j] < 0x7f);
	}
}

static void nul_bytes_neither_end_a_record_nor_hide_in_a_name(void **state)
{
	static const char with_nul[] = "Oops#1 Part1\n\0\0\x01garbage\0\n"
		"<0>[ 1.0] bulkhead: fault extension=bh_x op=event content=5\n";
	static const char nul_in_name[] =
		"<0>[ 1.0] bulkhead: fault extension=bh_x\0y op=event content=5\n";
	struct bg_evidence ev = {}, ev2 = {};

	(void)state;
	scan_bytes(&ev, with_nul, sizeof(with_nul) - 1, "nul");
	assert_names(&ev, BG_EV_SHIM_FAULT, "bh_x");
	assert_int_equal(ev.content_version, 5);
	scan_bytes(&ev2, nul_in_name, sizeof(nul_in_name) - 1, "nul");
	assert_names(&ev2, BG_EV_NONE, "");
}

static void detail_is_cut_to_fit(void **state)
{
	char text[1024];
	struct bg_evidence ev;

	(void)state;
	memset(text, 'A', sizeof(text));
	memcpy(text, "Kernel panic - not syncing: ", 28);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	ev = scan(text);
	assert_names(&ev, BG_EV_PANIC, "");
	assert_int_equal(strlen(ev.detail), BG_DETAIL_LEN - 1);
	assert_contains(ev.detail, "pstore/dmesg-ramoops-0: Kernel panic - not syncing: AAAA");
}

/* ---- which block of a record names the culprit ------------------------ */

static void sleeping_in_atomic_warning_before_an_unrelated_oops_names_nobody(void **state)
{
	struct bg_evidence ev = scan("Panic#1 Part1\n" REC_SLEEP_WARNING REC_CORE_OOPS);

	(void)state;
	/* bh_sleepy's frame is the warning's; the crash's own stack names nobody */
	assert_names(&ev, BG_EV_PANIC, "");
	assert_false(bg_evidence_certain(&ev));
	assert_true(ev.oops && ev.panic);
	/* the detail is the crash, not the warning before it */
	assert_string_equal(ev.detail, "pstore/dmesg-ramoops-0: " CORE_OOPS_LINE);
}

static void final_oops_frames_outweigh_an_earlier_warnings_frames(void **state)
{
	struct bg_evidence ev = scan("Oops#1 Part1\n" REC_SLEEP_WARNING REC_NULL_CALL_BODY);

	(void)state;
	/* the oops' first reliable frame, not the warning's earlier one */
	assert_names(&ev, BG_EV_OOPS_MODULE, "bh_takeoops");
	assert_contains(ev.detail, "to_take_content.constprop.0+0x3c/0x90 [bh_takeoops]");
}

static void warn_splat_is_never_the_culprit(void **state)
{
	struct bg_evidence after_report =
		scan("Panic#1 Part1\n" REC_ATOMIC_REPORT REC_WARN_SPLAT REC_CORE_OOPS);
	struct bg_evidence alone = scan("Panic#1 Part1\n" REC_WARN_SPLAT REC_CORE_OOPS);
	struct bg_evidence other = scan("Oops#1 Part1\n" REC_ATOMIC_REPORT REC_WARN_SPLAT
					REC_NULL_CALL_BODY);

	(void)state;
	/* the WARN's RIP line in bh_warny, after a report that did not oops */
	assert_names(&after_report, BG_EV_PANIC, "");
	assert_string_equal(after_report.detail, "pstore/dmesg-ramoops-0: " CORE_OOPS_LINE);
	assert_names(&alone, BG_EV_PANIC, "");
	/* a crash naming another module names that one */
	assert_names(&other, BG_EV_OOPS_MODULE, "bh_takeoops");
}

static void panic_on_warn_keeps_the_warning_a_warning(void **state)
{
	/* panic_on_warn: the panic's own stack runs through the WARN's frame */
	struct bg_evidence ev = scan("Panic#1 Part1\n" REC_WARN_SPLAT
		"<0>[   20.001200] Kernel panic - not syncing: kernel: panic_on_warn set ...\n"
		"<4>[   20.001300] CPU: 0 PID: 73 Comm: sh Tainted: G        W  OE      6.1.0-56-amd64 #1  Debian 6.1.153-1\n"
		"<4>[   20.001400] Call Trace:\n"
		"<4>[   20.001500]  <TASK>\n"
		"<4>[   20.001600]  panic+0x118/0x2ed\n"
		"<4>[   20.001700]  check_panic_on_warn.cold+0x1f/0x2b\n"
		"<4>[   20.001800]  __warn+0x6a/0xc0\n"
		"<4>[   20.001900]  report_bug+0xe6/0x170\n"
		"<4>[   20.002000]  handle_bug+0x3c/0x70\n"
		"<4>[   20.002100]  exc_invalid_op+0x13/0x60\n"
		"<4>[   20.002200]  asm_exc_invalid_op+0x16/0x20\n"
		"<4>[   20.002300]  wy_handle_event+0x51/0x70 [bh_warny]\n"
		"<4>[   20.002400]  </TASK>\n");

	(void)state;
	assert_names(&ev, BG_EV_PANIC, "");
	assert_true(ev.panic);
	assert_string_equal(ev.warning, "bh_warny in pstore/dmesg-ramoops-0: " WARN_SPLAT_LINE);
}

static void warnings_are_recorded_for_people(void **state)
{
	struct bg_evidence sleep = scan("Panic#1 Part1\n" REC_SLEEP_WARNING REC_CORE_OOPS);
	struct bg_evidence splat =
		scan("Panic#1 Part1\n" REC_ATOMIC_REPORT REC_WARN_SPLAT REC_CORE_OOPS);
	struct bg_evidence rec61 = scan(REC61);
	struct bg_evidence hung = scan(REC_PANIC_ONLY);
	struct bg_evidence rec612 = scan(REC612);
	struct bg_evidence lone = scan(REC_SLEEP_WARNING);
	struct bg_evidence twice = {};

	(void)state;
	assert_string_equal(sleep.warning, "bh_sleepy in pstore/dmesg-ramoops-0: "
			    SLEEP_WARNING_LINE);
	/* the report before it names no module: the WARN is the first that does */
	assert_string_equal(splat.warning, "bh_warny in pstore/dmesg-ramoops-0: "
			    WARN_SPLAT_LINE);
	/* an earlier WARN beside the culprit, and a blocked task's stack */
	assert_names(&rec61, BG_EV_SHIM_FAULT, "bh_eventoops");
	assert_string_equal(rec61.warning, "bh_vendor in pstore/dmesg-ramoops-0: WARNING: "
			    "CPU: 0 PID: 61 at drivers/misc/bh_vendor.c:40 vendor_poke+0x12/0x30 "
			    "[bh_vendor]");
	assert_string_equal(hung.warning, "bh_vendor in pstore/dmesg-ramoops-0: INFO: task "
			    "kworker/0:1:27 blocked for more than 120 seconds.");
	/* the crash itself is no warning */
	assert_names(&rec612, BG_EV_SHIM_FAULT, "bh_eventoops");
	assert_string_equal(rec612.warning, "");
	/* a warning alone is still no culprit */
	assert_names(&lone, BG_EV_PANIC, "");
	assert_string_equal(lone.warning, "bh_sleepy in pstore/dmesg-ramoops-0: "
			    SLEEP_WARNING_LINE);
	/* the first record's warning stands */
	scan_bytes(&twice, REC_WARN_SPLAT REC_CORE_OOPS, strlen(REC_WARN_SPLAT REC_CORE_OOPS),
		   "pstore/dmesg-ramoops-1");
	scan_bytes(&twice, REC_SLEEP_WARNING REC_CORE_OOPS,
		   strlen(REC_SLEEP_WARNING REC_CORE_OOPS), "pstore/dmesg-ramoops-2");
	assert_string_equal(twice.warning, "bh_warny in pstore/dmesg-ramoops-1: "
			    WARN_SPLAT_LINE);
}

static void an_earlier_oops_is_noted_the_final_one_blamed(void **state)
{
	/* bh_first oopses and the kernel carries on; later core code crashes */
	struct bg_evidence ev = scan("Oops#2 Part1\n"
		"<1>[    5.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
		"<4>[    5.000100] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
		"<4>[    5.000200] RIP: 0010:fi_handle_event+0x11/0x40 [bh_first]\n"
		"<4>[    5.000300] Call Trace:\n"
		"<4>[    5.000400]  bh_exec_probe+0x8e/0x120 [bulkhead]\n"
		"<4>[    5.000500] ---[ end trace 0000000000000000 ]---\n"
		"<4>[    9.000000] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#2] PREEMPT SMP NOPTI\n"
		"<4>[    9.000100] RIP: 0010:list_del+0x1d/0x60\n"
		"<4>[    9.000200] Call Trace:\n"
		"<4>[    9.000300]  release_task+0x2c/0x4a0\n"
		"<0>[    9.000400] Kernel panic - not syncing: Fatal exception\n");

	(void)state;
	assert_names(&ev, BG_EV_PANIC, "");
	assert_contains(ev.detail, "general protection fault");
	assert_string_equal(ev.warning, "bh_first in pstore/dmesg-ramoops-0: BUG: kernel "
			    "NULL pointer dereference, address: 0000000000000008");
}

static void shim_line_of_an_earlier_oops_still_counts(void **state)
{
	/*
	 * The shim prints its line only from the die and panic notifiers, for
	 * a real oops or panic, never for a warning: a certain fault, and what
	 * crashed later most likely followed from it (its task died holding
	 * locks).
	 */
	struct bg_evidence ev = scan("Oops#2 Part1\n"
		"<4>[    5.000100] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
		"<4>[    5.000200] RIP: 0010:fi_handle_event+0x11/0x40 [bh_first]\n"
		"<0>[    5.000300] bulkhead: fault extension=bh_first op=event content=4\n"
		"<4>[    5.000400] ---[ end trace 0000000000000000 ]---\n"
		"<4>[    9.000000] Oops: 0000 [#2] PREEMPT SMP NOPTI\n"
		"<4>[    9.000100] RIP: 0010:list_del+0x1d/0x60\n"
		"<0>[    9.000400] Kernel panic - not syncing: Fatal exception\n");

	(void)state;
	assert_names(&ev, BG_EV_SHIM_FAULT, "bh_first");
	assert_int_equal(ev.content_version, 4);
}

static void die_headers_open_the_crash_whatever_the_trap(void **state)
{
	/* 6.1 names the trap, not "Oops:" */
	struct bg_evidence divide = scan(
		"<4>[    3.000000] divide error: 0000 [#1] PREEMPT SMP NOPTI\n"
		"<4>[    3.000100] CPU: 0 PID: 70 Comm: sh Tainted: G           OE      6.1.0-56-amd64 #1\n"
		"<4>[    3.000200] RIP: 0010:dz_take_content+0x1d/0x40 [bh_divzero]\n");
	/* BUG_ON(): "kernel BUG at" and then the die header of the same oops */
	struct bg_evidence bug_on = scan(
		"<4>[    3.000000] ------------[ cut here ]------------\n"
		"<2>[    3.000100] kernel BUG at extensions/bh_bugon/bugon.c:42!\n"
		"<4>[    3.000200] invalid opcode: 0000 [#1] PREEMPT SMP NOPTI\n"
		"<4>[    3.000300] RIP: 0010:bo_take_content+0x3e/0x50 [bh_bugon]\n"
		"<0>[    3.000400] Kernel panic - not syncing: Fatal exception\n");
	/* 6.12 puts "Oops:" before every trap */
	struct bg_evidence bug_on612 = scan(
		"<2>[    3.000100] kernel BUG at extensions/bh_bugon/bugon.c:42!\n"
		"<4>[    3.000200] Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI\n"
		"<4>[    3.000300] RIP: 0010:bo_take_content+0x3e/0x50 [bh_bugon]\n");

	(void)state;
	assert_names(&divide, BG_EV_OOPS_MODULE, "bh_divzero");
	assert_true(divide.oops);
	assert_names(&bug_on, BG_EV_OOPS_MODULE, "bh_bugon");
	assert_names(&bug_on612, BG_EV_OOPS_MODULE, "bh_bugon");
	assert_string_equal(bug_on612.warning, "");
}

static void soft_lockup_names_the_stuck_module(void **state)
{
	struct bg_evidence ev = scan(
		"Panic#1 Part1\n"
		"<0>[   48.000000] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [sh:73]\n"
		"<4>[   48.000100] Modules linked in: bh_looper(OE) bulkhead(OE)\n"
		"<4>[   48.000200] CPU: 0 PID: 73 Comm: sh Tainted: G           OE      6.1.0-56-amd64 #1\n"
		"<4>[   48.000300] RIP: 0010:lp_handle_event+0x12/0x20 [bh_looper]\n"
		"<4>[   48.000400] Call Trace:\n"
		"<4>[   48.000500]  <TASK>\n"
		"<4>[   48.000600]  bh_exec_probe+0x8e/0x120 [bulkhead]\n"
		"<4>[   48.000700]  </TASK>\n"
		"<0>[   48.000800] Kernel panic - not syncing: softlockup: hung tasks\n"
		"<4>[   48.000900] Call Trace:\n"
		"<4>[   48.001000]  <IRQ>\n"
		"<4>[   48.001100]  panic+0x118/0x2ed\n"
		"<4>[   48.001200]  watchdog_timer_fn.cold+0x3d/0x9e\n"
		"<4>[   48.001300]  </IRQ>\n");

	(void)state;
	assert_names(&ev, BG_EV_OOPS_MODULE, "bh_looper");
	assert_true(ev.oops && ev.panic);
}

/* ---- gathering: pstore ------------------------------------------------- */

static void nothing_present_is_no_evidence(void **state)
{
	const struct bg_sources missing = {
		.pstore_dir = "/nonexistent/pstore",
		.watchdog_dir = "/nonexistent/watchdog",
		.journal_path = "/nonexistent/loader.journal",
		.archive_dir = "/nonexistent/archive",
	};
	const struct bg_sources none = {};
	struct fx_dir *f = *state;
	struct bulkhead_msg msg = { .text = "stale" };
	struct bg_evidence ev;

	ev = gather_ok(&missing, 1, &msg);
	assert_names(&ev, BG_EV_NONE, "");
	assert_false(ev.panic || ev.oops || ev.watchdog_reset);
	assert_string_equal(ev.detail, "");
	assert_string_equal(msg.text, "");
	ev = gather_ok(&none, 1, &msg);
	assert_names(&ev, BG_EV_NONE, "");
	/* empty directories, no journal yet */
	ev = gather_ok(&f->src, 1, &msg);
	assert_names(&ev, BG_EV_NONE, "");
	assert_string_equal(msg.text, "");
}

static void records_are_read_in_version_order(void **state)
{
	struct fx_dir *f = *state;
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	put_in(f->pstore, "dmesg-ramoops-10",
	       "<0>[ 9.0] bulkhead: fault extension=bh_late op=event content=2\n");
	put_in(f->pstore, "dmesg-ramoops-2",
	       "<0>[ 1.0] bulkhead: fault extension=bh_early op=event content=1\n");
	f->src.archive_dir = NULL;
	ev = gather_ok(&f->src, 3, &msg);
	assert_names(&ev, BG_EV_SHIM_FAULT, "bh_early");
	assert_string_equal(ev.detail, "pstore/dmesg-ramoops-2: bulkhead: fault "
			    "extension=bh_early op=event content=1");
}

static void real_pair_of_records_gives_shim_fault_and_both_flags(void **state)
{
	struct fx_dir *f = *state;
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	put_in(f->pstore, "dmesg-ramoops-0", REC61);
	put_in(f->pstore, "dmesg-ramoops-1", REC612);
	ev = gather_ok(&f->src, 12, &msg);
	assert_names(&ev, BG_EV_SHIM_FAULT, "bh_eventoops");
	assert_true(ev.oops && ev.panic);
	assert_int_equal(ev.uptime, 3);		/* [    3.535800], the latest */
	assert_contains(ev.detail, "pstore/dmesg-ramoops-0: ");
	assert_string_equal(msg.text, "");
}

static void compressed_records_are_inflated_and_archived_as_text(void **state)
{
	struct fx_dir *f = *state;
	char boot_dir[PATH_MAX], path[PATH_MAX];
	size_t raw_len, zlib_len;
	_cleanup_free_ uint8_t *raw = deflate_text(REC61_HEAD REC61_TAIL, -MAX_WBITS, &raw_len);
	_cleanup_free_ uint8_t *zlib = deflate_text(REC612, MAX_WBITS, &zlib_len);
	static const char ecc[] = "\nECC: No errors detected\n";
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	/* pstore appends its ECC notice after the compressed bytes */
	memcpy(raw + raw_len, ecc, sizeof(ecc) - 1);
	JOIN(path, "%s/dmesg-ramoops-0.enc.z", f->pstore);
	put_file_mode(path, raw, raw_len + sizeof(ecc) - 1, PUT_MODE);
	JOIN(path, "%s/dmesg-ramoops-1.enc.z", f->pstore);
	put_file_mode(path, zlib, zlib_len, PUT_MODE);

	ev = gather_ok(&f->src, 5, &msg);
	assert_string_equal(msg.text, "");
	/* the module from the raw record, then the shim line from the zlib one */
	assert_names(&ev, BG_EV_SHIM_FAULT, "bh_eventoops");
	assert_contains(ev.detail, "pstore/dmesg-ramoops-1.enc.z: bulkhead: fault");
	assert_true(ev.panic && ev.oops);

	JOIN(boot_dir, "%s/boot-5", f->archive);
	assert_file_is(boot_dir, "dmesg-ramoops-0", REC61_HEAD REC61_TAIL,
		       strlen(REC61_HEAD REC61_TAIL), 0600);
	assert_file_is(boot_dir, "dmesg-ramoops-1", REC612, strlen(REC612), 0600);
	/* erased only once the decision is saved, and inflated again to check */
	assert_int_equal(count_entries(f->pstore), 2);
	erase_ok(&f->src, 5, &msg);
	assert_string_equal(msg.text, "");
	assert_int_equal(count_entries(f->pstore), 0);
}

static void raw_deflate_record_alone_names_the_module(void **state)
{
	struct fx_dir *f = *state;
	char path[PATH_MAX];
	size_t len;
	_cleanup_free_ uint8_t *raw = deflate_text(REC_NULL_CALL, -MAX_WBITS, &len);
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	JOIN(path, "%s/dmesg-ramoops-0.enc.z", f->pstore);
	put_file_mode(path, raw, len, PUT_MODE);
	f->src.archive_dir = NULL;
	ev = gather_ok(&f->src, 5, &msg);
	assert_names(&ev, BG_EV_OOPS_MODULE, "bh_takeoops");
	assert_true(exists(f->pstore, "dmesg-ramoops-0.enc.z"));
}

static void undecodable_compressed_record_is_archived_as_it_is(void **state)
{
	struct fx_dir *f = *state;
	char boot_dir[PATH_MAX], path[PATH_MAX];
	size_t len;
	_cleanup_free_ uint8_t *cut = deflate_text(REC612, -MAX_WBITS, &len);
	static const char junk[] = "bulkhead: fault extension=bh_junk op=event content=1\n";
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	/* a stream cut in half, and text that was never compressed */
	JOIN(path, "%s/dmesg-ramoops-0.enc.z", f->pstore);
	put_file_mode(path, cut, len / 2, PUT_MODE);
	put_in(f->pstore, "dmesg-ramoops-1.enc.z", junk);
	ev = gather_ok(&f->src, 9, &msg);
	/* neither is read as text: a stray shim line in junk is not evidence */
	assert_names(&ev, BG_EV_NONE, "");
	assert_contains(msg.text, "dmesg-ramoops-0.enc.z: cannot inflate");
	assert_contains(msg.text, "; ");
	assert_contains(msg.text, "dmesg-ramoops-1.enc.z: cannot inflate");
	JOIN(boot_dir, "%s/boot-9", f->archive);
	assert_file_is(boot_dir, "dmesg-ramoops-0.enc.z", cut, len / 2, 0600);
	assert_file_is(boot_dir, "dmesg-ramoops-1.enc.z", junk, strlen(junk), 0600);
	assert_int_equal(count_entries(f->pstore), 2);
	erase_ok(&f->src, 9, &msg);
	assert_int_equal(count_entries(f->pstore), 0);
}

static void many_problems_keep_the_first_in_a_bounded_msg(void **state)
{
	struct fx_dir *f = *state;
	struct bulkhead_msg msg;
	struct bg_evidence ev;
	char name[32];
	int i;

	for (i = 0; i < 40; i++) {
		JOIN(name, "dmesg-ramoops-%d.enc.z", i);
		put_in(f->pstore, name, "not deflate at all\n");
	}
	f->src.archive_dir = NULL;
	ev = gather_ok(&f->src, 1, &msg);
	assert_names(&ev, BG_EV_NONE, "");
	assert_true(strlen(msg.text) == sizeof(msg.text) - 1);
	assert_contains(msg.text, "/pstore/dmesg-ramoops-0.enc.z: cannot inflate (Bad message)");
	assert_true(strstr(msg.text, "/pstore/dmesg-ramoops-0.enc.z") < strstr(msg.text, "/pstore/dmesg-ramoops-1.enc.z"));
}

static void inflating_stops_at_the_record_limit(void **state)
{
	struct fx_dir *f = *state;
	char path[PATH_MAX];
	size_t big = 2 * 1024 * 1024, len;
	char *text = malloc(big + 1);
	_cleanup_free_ uint8_t *bomb = NULL;
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	assert_non_null(text);
	memset(text, 'A', big);
	text[big] = '\0';
	memcpy(text, "Kernel panic - not syncing: x\n", 30);
	bomb = deflate_text(text, -MAX_WBITS, &len);
	free(text);
	JOIN(path, "%s/dmesg-ramoops-0.enc.z", f->pstore);
	put_file_mode(path, bomb, len, PUT_MODE);
	f->src.archive_dir = NULL;
	ev = gather_ok(&f->src, 1, &msg);
	assert_names(&ev, BG_EV_NONE, "");
	assert_contains(msg.text, "cannot inflate (File too large)");
}

static void archived_records_are_erased_and_not_counted_twice(void **state)
{
	struct fx_dir *f = *state;
	char boot_dir[PATH_MAX];
	struct bulkhead_msg msg;
	struct stat st;
	struct bg_evidence ev;

	put_in(f->pstore, "dmesg-ramoops-0", REC61);
	put_in(f->pstore, "console-ramoops-0", "<6>[ 0.0] Linux version 6.1.0\n");
	ev = gather_ok(&f->src, 41, &msg);
	assert_names(&ev, BG_EV_SHIM_FAULT, "bh_eventoops");
	assert_string_equal(msg.text, "");
	/* gathering archives; only erasing, after the save, lets pstore go */
	assert_true(exists(f->pstore, "dmesg-ramoops-0"));
	assert_true(exists(f->pstore, "console-ramoops-0"));
	erase_ok(&f->src, 41, &msg);
	assert_string_equal(msg.text, "");
	assert_int_equal(count_entries(f->pstore), 0);

	JOIN(boot_dir, "%s/boot-41", f->archive);
	assert_int_equal(count_entries(boot_dir), 2);
	assert_file_is(boot_dir, "dmesg-ramoops-0", REC61, strlen(REC61), 0600);
	assert_int_equal(stat(f->archive, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(boot_dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	ev = gather_ok(&f->src, 42, &msg);
	assert_names(&ev, BG_EV_NONE, "");
	assert_false(ev.oops || ev.panic);
	assert_false(exists(f->archive, "boot-42"));
}

static void only_dmesg_records_are_scanned(void **state)
{
	struct fx_dir *f = *state;
	char boot_dir[PATH_MAX], path[PATH_MAX];
	size_t len;
	_cleanup_free_ uint8_t *z = deflate_text(REC_PANIC_ONLY, -MAX_WBITS, &len);
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	/* the console log holds the same lines as the dump, and more */
	put_in(f->pstore, "console-ramoops-0", REC612);
	put_in(f->pstore, "pmsg-ramoops-0",
	       "bulkhead: fault extension=bh_pmsg op=event content=3\n");
	put_in(f->pstore, "ftrace-ramoops-0",
	       "Oops: 0000 [#1] SMP\n RIP: 0010:f+0x1d/0x40 [bh_ftrace]\n");
	put_in(f->pstore, "mce-efi-1", "Kernel panic - not syncing: Fatal machine check\n");
	put_in(f->pstore, "dmesg-efi-176543210001", REC_NULL_CALL);
	JOIN(path, "%s/dmesg-efi_pstore-176543210002.enc.z", f->pstore);
	put_file_mode(path, z, len, PUT_MODE);
	ev = gather_ok(&f->src, 6, &msg);
	assert_string_equal(msg.text, "");
	assert_names(&ev, BG_EV_OOPS_MODULE, "bh_takeoops");
	assert_contains(ev.detail, "pstore/dmesg-efi-176543210001: ");
	/* the flags too come from the dumps alone */
	assert_true(ev.oops);
	assert_true(ev.panic);
	/* everything is archived with the dumps, for people */
	JOIN(boot_dir, "%s/boot-6", f->archive);
	assert_int_equal(count_entries(boot_dir), 6);
	assert_file_is(boot_dir, "console-ramoops-0", REC612, strlen(REC612), 0600);
	assert_file_is(boot_dir, "dmesg-efi_pstore-176543210002", REC_PANIC_ONLY,
		       strlen(REC_PANIC_ONLY), 0600);
	erase_ok(&f->src, 6, &msg);
	assert_int_equal(count_entries(f->pstore), 0);
}

static void console_record_alone_is_no_evidence(void **state)
{
	struct fx_dir *f = *state;
	char boot_dir[PATH_MAX];
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	put_in(f->pstore, "console-ramoops-0", REC612);
	put_in(f->pstore, "pmsg-ramoops-0", REC61);
	ev = gather_ok(&f->src, 8, &msg);
	assert_names(&ev, BG_EV_NONE, "");
	assert_false(ev.oops || ev.panic);
	assert_string_equal(ev.warning, "");
	JOIN(boot_dir, "%s/boot-8", f->archive);
	assert_file_is(boot_dir, "console-ramoops-0", REC612, strlen(REC612), 0600);
}

static void regathering_the_same_boot_archives_once(void **state)
{
	struct fx_dir *f = *state;
	char boot_dir[PATH_MAX], path[PATH_MAX];
	size_t len;
	_cleanup_free_ uint8_t *z = deflate_text(REC612, -MAX_WBITS, &len);
	struct bulkhead_msg msg;
	struct bg_evidence first, again;

	put_in(f->pstore, "dmesg-ramoops-0", REC61);
	JOIN(path, "%s/dmesg-ramoops-1.enc.z", f->pstore);
	put_file_mode(path, z, len, PUT_MODE);
	first = gather_ok(&f->src, 41, &msg);
	/* the state could not be saved: the next attempt judges boot 41 again */
	again = gather_ok(&f->src, 41, &msg);
	assert_string_equal(msg.text, "");
	assert_names(&again, BG_EV_SHIM_FAULT, "bh_eventoops");
	assert_memory_equal(&first, &again, sizeof(first));
	JOIN(boot_dir, "%s/boot-41", f->archive);
	assert_int_equal(count_entries(boot_dir), 2);
	assert_file_is(boot_dir, "dmesg-ramoops-0", REC61, strlen(REC61), 0600);
	assert_file_is(boot_dir, "dmesg-ramoops-1", REC612, strlen(REC612), 0600);
	erase_ok(&f->src, 41, &msg);
	assert_string_equal(msg.text, "");
	assert_int_equal(count_entries(f->pstore), 0);
	assert_int_equal(count_entries(boot_dir), 2);
}

static void archived_copies_are_never_overwritten(void **state)
{
	struct fx_dir *f = *state;
	static const char older[] = "<0>[ 1.0] Kernel panic - not syncing: an older crash\n";
	char boot_dir[PATH_MAX];
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	/* an earlier attempt archived a record that pstore has since reused */
	JOIN(boot_dir, "%s/boot-7", f->archive);
	put_in(f->pstore, "dmesg-ramoops-0", older);
	gather_ok(&f->src, 7, &msg);
	put_in(f->pstore, "dmesg-ramoops-0", REC61);
	ev = gather_ok(&f->src, 7, &msg);
	assert_string_equal(msg.text, "");
	assert_names(&ev, BG_EV_SHIM_FAULT, "bh_eventoops");
	assert_file_is(boot_dir, "dmesg-ramoops-0", older, strlen(older), 0600);
	assert_file_is(boot_dir, "dmesg-ramoops-0.1", REC61, strlen(REC61), 0600);
	/* and again: the copy is found, none added */
	gather_ok(&f->src, 7, &msg);
	assert_int_equal(count_entries(boot_dir), 2);
	erase_ok(&f->src, 7, &msg);
	assert_false(exists(f->pstore, "dmesg-ramoops-0"));
}

static void erase_lets_go_only_of_archived_records(void **state)
{
	struct fx_dir *f = *state;
	char path[PATH_MAX];
	struct bulkhead_msg msg;

	put_in(f->pstore, "dmesg-ramoops-0", REC61);
	put_in(f->pstore, "dmesg-ramoops-1", REC612);
	put_in(f->pstore, "console-ramoops-0", "<6>[ 0.0] Linux version 6.1.0\n");
	gather_ok(&f->src, 41, &msg);
	assert_int_equal(count_entries(f->pstore), 3);
	/* another boot's folder holds no copy */
	erase_ok(&f->src, 42, &msg);
	assert_int_equal(count_entries(f->pstore), 3);
	/* since gathering: a record changed, one appeared, a copy was lost */
	put_in(f->pstore, "dmesg-ramoops-1", REC_PANIC_ONLY);
	put_in(f->pstore, "dmesg-ramoops-2", REC_NULL_CALL);
	JOIN(path, "%s/boot-41/console-ramoops-0", f->archive);
	assert_int_equal(unlink(path), 0);
	erase_ok(&f->src, 41, &msg);
	assert_string_equal(msg.text, "");
	assert_false(exists(f->pstore, "dmesg-ramoops-0"));
	assert_true(exists(f->pstore, "dmesg-ramoops-1"));
	assert_true(exists(f->pstore, "dmesg-ramoops-2"));
	assert_true(exists(f->pstore, "console-ramoops-0"));
}

static void erase_without_pstore_or_archive_does_nothing(void **state)
{
	const struct bg_sources missing = {
		.pstore_dir = "/nonexistent/pstore",
		.archive_dir = "/nonexistent/archive",
	};
	const struct bg_sources none = {};
	struct fx_dir *f = *state;
	struct bulkhead_msg msg = { .text = "stale" };
	char path[PATH_MAX];

	erase_ok(&missing, 1, &msg);
	assert_string_equal(msg.text, "");
	erase_ok(&none, 1, &msg);
	put_in(f->pstore, "dmesg-ramoops-0", REC61);
	erase_ok(&f->src, 1, &msg);
	assert_true(exists(f->pstore, "dmesg-ramoops-0"));
	/* pstore's path is a file */
	JOIN(path, "%s/pstore-file", f->root);
	put_file_mode(path, "x", 1, PUT_MODE);
	f->src.pstore_dir = path;
	assert_int_equal(bg_evidence_erase(&f->src, 1, &msg), -ENOTDIR);
	assert_contains(msg.text, "pstore-file: cannot list: Not a directory");
}

static void without_archive_dir_records_stay(void **state)
{
	struct fx_dir *f = *state;
	struct bulkhead_msg msg;
	struct bg_evidence a, b;

	put_in(f->pstore, "dmesg-ramoops-0", REC612);
	f->src.archive_dir = NULL;
	a = gather_ok(&f->src, 1, &msg);
	b = gather_ok(&f->src, 1, &msg);
	assert_names(&a, BG_EV_SHIM_FAULT, "bh_eventoops");
	assert_memory_equal(&a, &b, sizeof(a));
	erase_ok(&f->src, 1, &msg);
	assert_true(exists(f->pstore, "dmesg-ramoops-0"));
	assert_false(exists(f->root, "state"));
}

static void subdirectories_and_links_in_pstore_are_skipped(void **state)
{
	struct fx_dir *f = *state;
	char path[PATH_MAX], target[PATH_MAX];
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	JOIN(path, "%s/subdir", f->pstore);
	assert_int_equal(mkdir(path, 0755), 0);
	put_in(f->root, "elsewhere", REC61);
	JOIN(target, "%s/elsewhere", f->root);
	JOIN(path, "%s/dmesg-link", f->pstore);
	assert_int_equal(symlink(target, path), 0);
	ev = gather_ok(&f->src, 1, &msg);
	assert_names(&ev, BG_EV_NONE, "");
	assert_true(exists(f->pstore, "dmesg-link"));
	assert_true(exists(f->root, "elsewhere"));
}

/* the child's checks, as an exit code: 0 or the number of the failed one */
static int unlink_denied_child(struct fx_dir *f)
{
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	if (setgid(65534) || setuid(65534))
		return 1;
	if (bg_evidence_gather(&f->src, 77, &ev, &msg))
		return 2;
	if (ev.kind != BG_EV_SHIM_FAULT || strcmp(ev.extension, "bh_eventoops"))
		return 3;
	if (bg_evidence_erase(&f->src, 77, &msg))
		return 4;
	if (!strstr(msg.text, "dmesg-ramoops-0: archived but not erased: Permission denied"))
		return 5;
	return 0;
}

static void record_that_cannot_be_erased_still_counts(void **state)
{
	struct fx_dir *f = *state;
	char boot_dir[PATH_MAX];
	int status;
	pid_t pid;

	put_in(f->pstore, "dmesg-ramoops-0", REC61);
	if (geteuid() == 0) {
		/* root may unlink anywhere: gather as nobody, who may archive only */
		char path[PATH_MAX];

		assert_int_equal(chmod(f->root, 0755), 0);
		JOIN(path, "%s/state", f->root);
		assert_int_equal(mkdir(path, 0755), 0);
		assert_int_equal(chown(path, 65534, 65534), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(unlink_denied_child(f));
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) == 1)
			skip();
		assert_int_equal(WEXITSTATUS(status), 0);
	} else {
		struct bulkhead_msg msg;
		struct bg_evidence ev;

		assert_int_equal(chmod(f->pstore, 0555), 0);
		ev = gather_ok(&f->src, 77, &msg);
		assert_names(&ev, BG_EV_SHIM_FAULT, "bh_eventoops");
		erase_ok(&f->src, 77, &msg);
		assert_contains(msg.text, "archived but not erased");
	}
	assert_true(exists(f->pstore, "dmesg-ramoops-0"));
	JOIN(boot_dir, "%s/boot-77", f->archive);
	assert_file_is(boot_dir, "dmesg-ramoops-0", REC61, strlen(REC61), 0600);
}

static void record_is_kept_when_archiving_fails(void **state)
{
	struct fx_dir *f = *state;
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	/* the archive's place is taken by a file */
	put_in(f->root, "blocker", "x");
	snprintf(f->archive, sizeof(f->archive), "%s/blocker/pstore", f->root);
	put_in(f->pstore, "dmesg-ramoops-0", REC61);
	ev = gather_ok(&f->src, 3, &msg);
	assert_names(&ev, BG_EV_SHIM_FAULT, "bh_eventoops");
	assert_contains(msg.text, "dmesg-ramoops-0: kept in pstore, archiving failed: ");
	assert_contains(msg.text, "blocker/pstore: cannot create: Not a directory");
	assert_true(exists(f->pstore, "dmesg-ramoops-0"));
	/* never erase what was not saved; the next boot reads it again */
	erase_ok(&f->src, 3, &msg);
	assert_string_equal(msg.text, "");
	assert_true(exists(f->pstore, "dmesg-ramoops-0"));
}

static void oversized_record_is_left_in_place(void **state)
{
	struct fx_dir *f = *state;
	char path[PATH_MAX];
	size_t big = 1024 * 1024 + 1;
	char *junk = malloc(big);
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	assert_non_null(junk);
	memset(junk, '\n', big);
	JOIN(path, "%s/dmesg-huge-0", f->pstore);
	put_file_mode(path, junk, big, PUT_MODE);
	free(junk);
	put_in(f->pstore, "dmesg-ramoops-0", REC_NULL_CALL);
	ev = gather_ok(&f->src, 2, &msg);
	assert_names(&ev, BG_EV_OOPS_MODULE, "bh_takeoops");
	assert_contains(msg.text, "dmesg-huge-0: 1048577 bytes, larger than the limit");
	assert_contains(msg.text, "(left in place)");
	erase_ok(&f->src, 2, &msg);
	assert_string_equal(msg.text, "");
	assert_true(exists(f->pstore, "dmesg-huge-0"));
	assert_false(exists(f->pstore, "dmesg-ramoops-0"));
}

static void unreadable_sources_fail_with_the_reason(void **state)
{
	struct fx_dir *f = *state;
	struct bulkhead_msg msg;
	struct bg_evidence ev, untouched;
	char path[PATH_MAX];

	memset(&ev, 0x5a, sizeof(ev));
	untouched = ev;
	/* the journal's path is a directory */
	assert_int_equal(mkdir(f->journal, 0755), 0);
	assert_int_equal(bg_evidence_gather(&f->src, 1, &ev, &msg), -EINVAL);
	assert_contains(msg.text, "loader.journal: not a regular file");
	assert_memory_equal(&ev, &untouched, sizeof(ev));

	/* pstore's path is a file */
	JOIN(path, "%s/pstore-file", f->root);
	put_file_mode(path, "x", 1, PUT_MODE);
	f->src.pstore_dir = path;
	assert_int_equal(bg_evidence_gather(&f->src, 1, &ev, &msg), -ENOTDIR);
	assert_contains(msg.text, "pstore-file: cannot list: Not a directory");
	assert_memory_equal(&ev, &untouched, sizeof(ev));
}

/* ---- gathering: watchdog ----------------------------------------------- */

static void watchdog_card_reset_means_a_hang(void **state)
{
	struct fx_dir *f = *state;
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	put_watchdog(f, "watchdog0", "0\n");
	put_watchdog(f, "watchdog1", "32\n");
	ev = gather_ok(&f->src, 1, &msg);
	assert_names(&ev, BG_EV_WATCHDOG, "");
	assert_true(ev.watchdog_reset);
	assert_false(bg_evidence_certain(&ev));
	assert_contains(ev.detail, "watchdog/watchdog1/bootstatus: 32");
}

static void watchdog_cold_boot_is_no_evidence(void **state)
{
	struct fx_dir *f = *state;
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	put_watchdog(f, "watchdog0", "0\n");
	/* other bits (WDIOF_OVERHEAT, WDIOF_POWERUNDER) are not a hang */
	put_watchdog(f, "watchdog1", "17\n");
	/* not a watchdog, and a watchdog without bootstatus */
	put_in(f->watchdog, "other", "32\n");
	put_in(f->watchdog, "watchdog_stray_file", "32\n");
	ev = gather_ok(&f->src, 1, &msg);
	assert_names(&ev, BG_EV_NONE, "");
	assert_false(ev.watchdog_reset);
	assert_string_equal(msg.text, "");
}

static void watchdog_reset_keeps_stronger_evidence(void **state)
{
	struct fx_dir *f = *state;
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	put_in(f->pstore, "dmesg-ramoops-0", REC_NULL_CALL);
	put_watchdog(f, "watchdog0", "32\n");
	ev = gather_ok(&f->src, 1, &msg);
	assert_names(&ev, BG_EV_OOPS_MODULE, "bh_takeoops");
	assert_true(ev.watchdog_reset);
}

static void watchdog_garbage_is_noted(void **state)
{
	struct fx_dir *f = *state;
	struct bulkhead_msg msg;
	struct bg_evidence ev;

	put_watchdog(f, "watchdog0", "thirty-two\n");
	ev = gather_ok(&f->src, 1, &msg);
	assert_names(&ev, BG_EV_NONE, "");
	assert_contains(msg.text, "watchdog0/bootstatus: not a number");
}

/* ---- gathering: loader journal ----------------------------------------- */

static struct bg_evidence journal_only(struct fx_dir *f, uint64_t boot_id,
				       const char *journal)
{
	struct bulkhead_msg msg;

	put_file_mode(f->journal, journal, strlen(journal), PUT_MODE);
	return gather_ok(&f->src, boot_id, &msg);
}

static void loader_begin_without_end_names_the_step(void **state)
{
	struct bg_evidence ev = journal_only(*state, 7,
		"7 begin insert bh_execwatch 0\n"
		"7 end insert bh_execwatch 0\n"
		"7 begin push bh_execwatch 12\n");

	assert_names(&ev, BG_EV_LOADER, "bh_execwatch");
	assert_string_equal(ev.op, "push");
	assert_int_equal(ev.content_version, 12);
	assert_true(bg_evidence_certain(&ev));
	assert_contains(ev.detail, "loader.journal: 7 begin push bh_execwatch 12");
}

static void loader_matched_steps_are_no_evidence(void **state)
{
	struct bg_evidence ev = journal_only(*state, 7,
		"7 begin insert bh_execwatch 0\n"
		"7 end insert bh_execwatch 0\n"
		"7 begin push bh_execwatch 12\n"
		"7 end push bh_execwatch 12\n");

	assert_names(&ev, BG_EV_NONE, "");
}

static void loader_only_ends_that_match_close_a_step(void **state)
{
	struct fx_dir *f = *state;
	struct bg_evidence other_version, end_first, twice;

	other_version = journal_only(f, 7, "7 begin push bh_x 12\n7 end push bh_x 11\n");
	assert_names(&other_version, BG_EV_LOADER, "bh_x");
	/* an end before its begin does not close it */
	end_first = journal_only(f, 7, "7 end push bh_x 12\n7 begin push bh_x 12\n");
	assert_names(&end_first, BG_EV_LOADER, "bh_x");
	/* two begins, one end: one is still open */
	twice = journal_only(f, 7, "7 begin insert bh_x 0\n7 begin insert bh_x 0\n"
			     "7 end insert bh_x 0\n");
	assert_names(&twice, BG_EV_LOADER, "bh_x");
	assert_string_equal(twice.op, "insert");
}

static void loader_ignores_other_boots(void **state)
{
	struct fx_dir *f = *state;
	struct bg_evidence ev;

	ev = journal_only(f, 8, "7 begin push bh_x 12\n"
			  "8 begin push bh_y 3\n8 end push bh_y 3\n"
			  "9 begin push bh_z 1\n"
			  "18 begin push bh_w 1\n");
	assert_names(&ev, BG_EV_NONE, "");
	ev = journal_only(f, 7, "7 begin push bh_x 12\n8 end push bh_x 12\n");
	assert_names(&ev, BG_EV_LOADER, "bh_x");
}

static void loader_ignores_a_torn_last_line(void **state)
{
	struct fx_dir *f = *state;
	struct bg_evidence ev;

	ev = journal_only(f, 7, "7 begin push bh_x 1\n7 end push bh_x 1\n7 begin push bh_y 1");
	assert_names(&ev, BG_EV_NONE, "");
	/* a torn end does not close its begin either */
	ev = journal_only(f, 7, "7 begin push bh_x 1\n7 end push bh_x 1");
	assert_names(&ev, BG_EV_LOADER, "bh_x");
}

static void loader_last_dangling_begin_wins(void **state)
{
	struct bg_evidence ev = journal_only(*state, 3,
		"3 begin insert bh_a 0\n"
		"3 begin insert bh_b 0\n"
		"3 end insert bh_b 0\n"
		"3 begin push bh_c 4\n"
		"3 begin push bh_d 5\n"
		"3 end push bh_d 5\n");

	assert_names(&ev, BG_EV_LOADER, "bh_c");
	assert_string_equal(ev.op, "push");
	assert_int_equal(ev.content_version, 4);
}

static void loader_ignores_malformed_lines(void **state)
{
	static const char *const bad[] = {
		"3 begin push bh_x\n",
		"3 begin push bh_x 1 extra\n",
		"3 start push bh_x 1\n",
		"3 BEGIN push bh_x 1\n",
		"x3 begin push bh_x 1\n",
		"3 begin push bh/x 1\n",
		"3 begin Push bh_x 1\n",
		"3 begin push bh_x -1\n",
		"3 begin push bh_x 18446744073709551616\n",
		"3 begin push a_name_that_is_32_characters_xxx 1\n",
		"\n",
		"3 begin push bh_\0x 1\n",
	};
	struct fx_dir *f = *state;
	struct bulkhead_msg msg;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bg_evidence ev = journal_only(f, 3, bad[i]);

		if (ev.kind != BG_EV_NONE)
			fail_msg("taken: %s", bad[i]);
	}
	/* embedded NUL bytes do not hide the lines after them */
	put_file_mode(f->journal, "3 begin push bh_\0x 1\n3 begin push bh_y 2\n", 41, PUT_MODE);
	assert_names((struct bg_evidence[]){ gather_ok(&f->src, 3, &msg) },
		     BG_EV_LOADER, "bh_y");
	/* blanks, tabs and CRLF around the five words are fine */
	assert_names((struct bg_evidence[]){ journal_only(f, 3, "  3\tbegin  push bh_x 1 \r\n") },
		     BG_EV_LOADER, "bh_x");
}

static void loader_journal_tail_is_read_however_long_it_grew(void **state)
{
	struct fx_dir *f = *state;
	const char *line = "41 begin push bh_old 5\n41 end push bh_old 5\n";
	size_t line_len = strlen(line), total = 0;
	struct bulkhead_msg msg;
	struct bg_evidence ev;
	FILE *fp = fopen(f->journal, "w");

	assert_non_null(fp);
	/* an unbalanced step at the very start, cut off by the 4 MiB tail */
	fputs("42 begin push bh_front 1\n", fp);
	while (total < 5 * 1024 * 1024) {
		assert_int_equal(fwrite(line, 1, line_len, fp), line_len);
		total += line_len;
	}
	fputs("42 begin insert bh_new 0\n", fp);
	assert_int_equal(fclose(fp), 0);
	ev = gather_ok(&f->src, 42, &msg);
	assert_names(&ev, BG_EV_LOADER, "bh_new");
	ev = gather_ok(&f->src, 41, &msg);
	assert_names(&ev, BG_EV_NONE, "");
}

/* ---- which evidence wins ----------------------------------------------- */

static void strongest_evidence_wins_across_sources(void **state)
{
	static const struct {
		const char *record;
		const char *journal;
		const char *bootstatus;
		enum bg_evidence_kind kind;
		const char *extension;
	} rows[] = {
		/* shim line > module line > loader > panic > watchdog */
		{ REC61, "1 begin push bh_j 2\n", "32\n", BG_EV_SHIM_FAULT, "bh_eventoops" },
		{ REC_NULL_CALL, "1 begin push bh_j 2\n", "32\n", BG_EV_OOPS_MODULE, "bh_takeoops" },
		{ REC_PANIC_ONLY, "1 begin push bh_j 2\n", "32\n", BG_EV_LOADER, "bh_j" },
		{ NULL, "1 begin push bh_j 2\n", "32\n", BG_EV_LOADER, "bh_j" },
		{ REC_PANIC_ONLY, NULL, "32\n", BG_EV_PANIC, "" },
		{ NULL, "1 begin push bh_j 2\n1 end push bh_j 2\n", "32\n", BG_EV_WATCHDOG, "" },
		{ NULL, NULL, "0\n", BG_EV_NONE, "" },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fx_dir *f;
		struct bulkhead_msg msg;
		struct bg_evidence ev;

		assert_int_equal(fx_setup((void **)&f), 0);
		if (rows[i].record)
			put_in(f->pstore, "dmesg-ramoops-0", rows[i].record);
		if (rows[i].journal)
			put_file_mode(f->journal, rows[i].journal, strlen(rows[i].journal),
				      PUT_MODE);
		put_watchdog(f, "watchdog0", rows[i].bootstatus);
		ev = gather_ok(&f->src, 1, &msg);
		if (ev.kind != rows[i].kind || strcmp(ev.extension, rows[i].extension))
			fail_msg("row %zu: %s '%s'", i, bg_evidence_kind_name(ev.kind),
				 ev.extension);
		assert_int_equal(ev.watchdog_reset, rows[i].bootstatus[0] == '3');
		fx_teardown((void **)&f);
	}
	(void)state;
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kind_names_are_stable),
		cmocka_unit_test(only_named_culprits_are_certain),
		cmocka_unit_test(linux61_oops_record_names_the_shim_fault),
		cmocka_unit_test(linux612_panic_record_names_the_shim_fault),
		cmocka_unit_test(time_stamps_tell_how_long_the_crashed_boot_ran),
		cmocka_unit_test(rip_line_names_the_module_without_a_shim_line),
		cmocka_unit_test(first_reliable_frame_names_the_module_when_rip_does_not),
		cmocka_unit_test(shim_frames_never_name_the_culprit),
		cmocka_unit_test(stack_lines_before_the_crash_are_not_evidence),
		cmocka_unit_test(panic_called_from_a_module_names_it),
		cmocka_unit_test(first_shim_line_wins),
		cmocka_unit_test(stronger_evidence_replaces_weaker_never_the_reverse),
		cmocka_unit_test(op_unknown_is_reported_as_empty),
		cmocka_unit_test(malformed_shim_lines_are_not_evidence),
		cmocka_unit_test(module_lines_need_a_whole_extension_name),
		cmocka_unit_test(crash_markers_need_a_word_boundary),
		cmocka_unit_test(pstore_header_alone_marks_oops_or_panic),
		cmocka_unit_test(crlf_lines_read_like_lf_lines),
		cmocka_unit_test(cut_shim_line_is_not_evidence),
		cmocka_unit_test(every_prefix_of_a_record_is_safe_and_names_no_cut_name),
		cmocka_unit_test(random_and_mutated_bytes_are_safe),
		cmocka_unit_test(nul_bytes_neither_end_a_record_nor_hide_in_a_name),
		cmocka_unit_test(detail_is_cut_to_fit),
		cmocka_unit_test(sleeping_in_atomic_warning_before_an_unrelated_oops_names_nobody),
		cmocka_unit_test(final_oops_frames_outweigh_an_earlier_warnings_frames),
		cmocka_unit_test(warn_splat_is_never_the_culprit),
		cmocka_unit_test(panic_on_warn_keeps_the_warning_a_warning),
		cmocka_unit_test(warnings_are_recorded_for_people),
		cmocka_unit_test(an_earlier_oops_is_noted_the_final_one_blamed),
		cmocka_unit_test(shim_line_of_an_earlier_oops_still_counts),
		cmocka_unit_test(die_headers_open_the_crash_whatever_the_trap),
		cmocka_unit_test(soft_lockup_names_the_stuck_module),
		T(nothing_present_is_no_evidence),
		T(records_are_read_in_version_order),
		T(real_pair_of_records_gives_shim_fault_and_both_flags),
		T(compressed_records_are_inflated_and_archived_as_text),
		T(raw_deflate_record_alone_names_the_module),
		T(undecodable_compressed_record_is_archived_as_it_is),
		T(many_problems_keep_the_first_in_a_bounded_msg),
		T(inflating_stops_at_the_record_limit),
		T(archived_records_are_erased_and_not_counted_twice),
		T(without_archive_dir_records_stay),
		T(only_dmesg_records_are_scanned),
		T(console_record_alone_is_no_evidence),
		T(regathering_the_same_boot_archives_once),
		T(archived_copies_are_never_overwritten),
		T(erase_lets_go_only_of_archived_records),
		T(erase_without_pstore_or_archive_does_nothing),
		T(subdirectories_and_links_in_pstore_are_skipped),
		T(record_that_cannot_be_erased_still_counts),
		T(record_is_kept_when_archiving_fails),
		T(oversized_record_is_left_in_place),
		T(unreadable_sources_fail_with_the_reason),
		T(watchdog_card_reset_means_a_hang),
		T(watchdog_cold_boot_is_no_evidence),
		T(watchdog_reset_keeps_stronger_evidence),
		T(watchdog_garbage_is_noted),
		T(loader_begin_without_end_names_the_step),
		T(loader_matched_steps_are_no_evidence),
		T(loader_only_ends_that_match_close_a_step),
		T(loader_ignores_other_boots),
		T(loader_ignores_a_torn_last_line),
		T(loader_last_dangling_begin_wins),
		T(loader_ignores_malformed_lines),
		T(loader_journal_tail_is_read_however_long_it_grew),
		cmocka_unit_test(strongest_evidence_wins_across_sources),
	};

	return cmocka_run_group_tests_name("evidence", tests, NULL, NULL);
}
