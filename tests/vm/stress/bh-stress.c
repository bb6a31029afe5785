// SPDX-License-Identifier: GPL-2.0
/*
 * bh-stress - a seeded random-operation stress of bulkhead.ko's whole
 * userspace surface, in the manner of syzkaller but for our own files.
 * The VM scenario tests/vm/scenarios/stress.sh runs it in the guest:
 *
 *   bh-stress --seconds N [--seed S] [--workers W] --fixtures DIR
 *             --moddir DIR --checks FILE --faults FILE
 *
 * It prints its seed first.  W worker threads (default 4) each draw their
 * operations from a PRNG seeded with the seed and the worker's index, two
 * draws per operation (which one, and the seed of everything it decides),
 * so a seed replays the same operation sequence per worker; only the
 * interleaving and the outcomes that depend on it differ.  The operations:
 *
 *   read-global   open and read version, safe_mode or disable, in pieces
 *   read-ext      the same for an extension's content_version, state,
 *                 schema, last_error, counters, stats; each text checked
 *   upload        one writer streams content into "content": whole, in
 *                 random pieces, in 1..16-byte pieces, stopping early
 *                 sometimes, writing again after the verdict sometimes
 *   upload-threads  2..4 threads write through ONE description (whole
 *                 files each, or mixed pieces), one more closes a dup of it
 *   upload-uring  io_uring writes (liburing): whole files in flight at
 *                 once (fixed file or not, O_NONBLOCK or not), a linked
 *                 chain of pieces of one file closed by IORING_OP_CLOSE,
 *                 or two threads with a ring each on the same description
 *   upload-fork   forked children that inherit the descriptor: all write
 *                 whole files, or the child finishes what the parent began
 *   state         "enable", "disable" or a bad word into state
 *   disable       a new disable list: empty, names, '-' spellings,
 *                 unknown names, too many or too long names (EINVAL)
 *   ext-churn     rmmod and/or insmod of an extension (finit_module and
 *                 delete_module), bh_leaky also with fail_init=1
 *   shim          rmmod of the shim while it is in use (EBUSY), insmod;
 *                 every 6 s at most a whole cycle: every extension out,
 *                 the shim out and in while readers keep opening its
 *                 global files, extensions back in
 *   hold, use-held  descriptors kept across operations and module
 *                 reloads, then read (from offset 0 again), written, closed
 *   exec          run /bin/true: an exec event for every extension
 *   bad-open      content opened for reading (EINVAL), a read-only file
 *                 written (EINVAL)
 *
 * What is written: the pool of content files mkfixtures.sh lists in
 * stress.list (valid versions of every extension, every refusal fixture,
 * the 21-for-20 file), valid files of one extension sent to another, and
 * mutations made here: payload bytes flipped (the digest no longer
 * matches), the magic broken, the file cut short, bytes appended.
 *
 * Two faults are injected on purpose, at one third and two thirds of the
 * run, with every worker paused between operations: bh_takeoops's
 * take_content oopses on the rule "OOPS" (a forked child writes it), and
 * bh_eventoops's handle_event on the exec of its armed rule's path (a
 * forked child execs it).  Each must kill its child, leave the extension
 * faulted with faults 1 and its previous content version, and be named
 * by exactly one "bulkhead: fault" line, which the scenario checks
 * against the lines written to --faults.
 *
 * Invariants checked while running (a breach is a "violation", printed
 * with the worker, the operation number and the seed):
 *   - an upload is judged at most once: one verdict (a success that
 *     completes it, or EBADMSG, EFBIG, ESHUTDOWN, ENODEV, the extension's
 *     errno), then ENOSPC for every later write; never two successes;
 *   - a success that completes an upload carries content valid for that
 *     extension (the pool says which bytes are valid for whom), and no
 *     successful write goes past the size the header declares;
 *   - valid content is never refused with EBADMSG or EFBIG;
 *   - every errno is one the documentation lists for that call, and an
 *     open of a loaded extension's file succeeds (content: or EBUSY);
 *     EINTR where a wait is interruptible: no signal is sent, but
 *     io_uring's task-work notifications (TIF_NOTIFY_SIGNAL) interrupt
 *     such waits, the module's as well as finit_module's and
 *     delete_module's (those two are retried);
 *   - what the files say is well formed: content_version is 0 or a
 *     version valid for that extension, state "faulted" only where a
 *     fault was injected, counters never go down for one reader, the
 *     schema text never changes, version and safe_mode are constant;
 *   - a child running /bin/true is never killed (an oops in an event);
 *   - every insmod and rmmod answers as documented (an extension's files
 *     being open never keep its module from going; a callback in
 *     progress may, for a moment: EBUSY, retried);
 *   - no worker is stuck: each operation ends within 60 s.
 *
 * Counters, every 10 s and at the end with every worker paused, for every
 * extension loaded, against what the writers into that load saw (uploads
 * are tagged with the load their open() reached, under a lock insmod and
 * rmmod of that extension take exclusively; a held, unfinished upload is
 * in neither):
 *   - A = uploads known to have been accepted (their completing write
 *     succeeded, or a mixed upload whose later writes found it judged
 *     without any error verdict), R = refusals a writer saw (EBADMSG,
 *     EFBIG, an extension's errno) plus uploads left incomplete at their
 *     last close (refused at release), M = mixed uploads with a success
 *     but no verdict seen (accepted or refused at release: exactly one),
 *     E = "enable" writes that succeeded (each may hand the retained
 *     content over again: one more accepted), U = uploads not followed
 *     (ENOMEM, EINTR, a short write: at most one of each);
 *   - A <= accepted <= A + M + E + U, R <= refused <= R + M + U, and
 *     A + R + M <= accepted + refused <= A + R + M + E + 2U;
 *   - faults is 1 where a fault was injected into this load, else 0;
 *     content_version is 0 if nothing was accepted, else one of the
 *     versions known accepted (any valid version if a mixed upload may
 *     have been); state is faulted exactly where a fault was injected.
 *
 * Mixed uploads (several writers' pieces in one upload, in whatever order
 * they land): each piece lands at the offset the upload has reached, not
 * at its offset in its own file, so the header is made of arbitrary bytes
 * of the files (its length field too: a mixed upload may see EFBIG).  Only
 * an unmixed file can carry a digest that matches its payload, so what a
 * mixed upload can get accepted is one writer's file, whole, as it was
 * picked: content of that same extension (PICK_SAME), a valid version of
 * it.  Each extension's valid versions are a range of their own (all below
 * 256, one bit each in a set), so content accepted by the wrong extension
 * shows as a version it has none of.
 *
 * Output: progress and the summary on stdout ("stress: ..."), every
 * violation as it happens (the first few of each kind), and at the end
 * the operations per second and the count of every operation and outcome
 * class.  --checks FILE gets one line per check, "ok NAME" or "fail NAME
 * WHY", which the scenario turns into its own ok/FAIL lines; --faults
 * FILE the fault lines the kernel must have printed.  Exit status 0 when
 * every check passed, 1 when one failed, 2 on bad usage or setup.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <liburing.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define BH		"/sys/kernel/security/bulkhead"
#define HDR_LEN		160
#define CONTENT_MAX	(64ULL << 20)
#define MAX_WORKERS	16
#define MAX_HOLD	6
#define MAX_PIECES	64
#define ARMED_PATH	"/tmp/bh-stress-armed"
#define STUCK_SECS	60
#define TEXT_MAX	16384
#define CHECK_EVERY	10	/* seconds between counter checkpoints */
#define SHIM_CYCLE_EVERY 6	/* seconds between whole shim cycles, at least */

/* ---- small helpers ------------------------------------------------------ */

static const char *prog = "bh-stress";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_us(unsigned long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static const char *errname(int e)
{
	static const struct {
		int e;
		const char *n;
	} names[] = {
		{ 0, "0" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
		{ EIO, "EIO" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" }, { EFBIG, "EFBIG" }, { ENOSPC, "ENOSPC" },
		{ ESPIPE, "ESPIPE" }, { ENOEXEC, "ENOEXEC" }, { EBADMSG, "EBADMSG" },
		{ ESHUTDOWN, "ESHUTDOWN" }, { ECANCELED, "ECANCELED" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { ETIME, "ETIME" },
	};
	static __thread char buf[24];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].n;
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

/* ---- the PRNG (splitmix64): small, fast, and the same everywhere ------- */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_init(struct rng *r, uint64_t seed)
{
	r->s = seed;
	rng_next(r);
}

/* 0 <= x < n */
static unsigned rnd(struct rng *r, unsigned n)
{
	return n ? (unsigned)(rng_next(r) % n) : 0;
}

/* true with probability pct % */
static bool chance(struct rng *r, unsigned pct)
{
	return rnd(r, 100) < pct;
}

/* ---- the extensions ------------------------------------------------------ */

enum { X_NOOP, X_LEAKY, X_EXECWATCH, X_RAWPARSE, X_TAKEOOPS, X_EVENTOOPS, NEXT };
enum { INJ_NONE, INJ_TAKE, INJ_EVENT };

static const char *const ext_name[NEXT] = {
	"bh_noop", "bh_leaky", "bh_execwatch", "bh_rawparse", "bh_takeoops", "bh_eventoops",
};

/* what one load of an extension was seen to go through */
struct tally {
	unsigned gen;
	long a;			/* uploads known accepted */
	long r;			/* refusals known */
	long m;			/* mixed uploads: accepted or refused, one of them */
	long e;			/* "enable" writes that succeeded */
	long u;			/* uploads not followed */
	bool any_version;	/* a mixed upload may have been accepted */
	uint8_t versions[32];	/* versions known accepted */
};

struct ext {
	/* read: an open() of its files (tags the file with gen); write: insmod, rmmod */
	pthread_rwlock_t lock;
	unsigned gen;		/* successful loads so far; under lock */
	bool loaded;		/* under lock */
	unsigned inj_gen;	/* the load a fault was injected into; 0: none */
	int inj_kind;
	unsigned inj_version;	/* the content version the injected fault kept */
	uint8_t valid[32];	/* versions valid for it in the pool */
	pthread_mutex_t mu;	/* t, schema */
	struct tally t;
	char *schema;		/* the first schema text read */
};

static struct ext exts[NEXT];

static bool bit(const uint8_t *set, unsigned v)
{
	return v < 256 && (set[v / 8] >> (v % 8) & 1);
}

static void bit_set(uint8_t *set, unsigned v)
{
	if (v < 256)
		set[v / 8] |= 1 << (v % 8);
}

/* ---- the content pool ------------------------------------------------------ */

struct blob {
	const uint8_t *data;
	size_t size;
	uint64_t want;		/* the size its header declares (UINT64_MAX: no header) */
	int ext;		/* its first @want bytes are valid content for this one, -1: none */
	int hdr_ext;		/* the extension its header names, -1: another */
	unsigned version;
	int inject;
	char name[64];
	uint8_t *own;		/* a mutation's bytes */
};

static struct blob *pool;
static int npool;
static int inject_blob[NEXT];

static uint64_t header_want(const uint8_t *d, size_t size)
{
	if (size < 140)
		return UINT64_MAX;
	return HDR_LEN + le(d + 96, 8) + le(d + 136, 4);
}

static int ext_index(const char *name)
{
	int i;

	for (i = 0; i < NEXT; i++)
		if (!strcmp(name, ext_name[i]))
			return i;
	return -1;
}

static void pool_load(const char *dir)
{
	char path[PATH_MAX], line[256], file[128], ext[64], tag[32];
	unsigned version;
	FILE *f;
	int lineno = 0, i;

	for (i = 0; i < NEXT; i++)
		inject_blob[i] = -1;
	snprintf(path, sizeof(path), "%s/stress.list", dir);
	f = fopen(path, "r");
	if (!f)
		die("%s: cannot open the pool list: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		struct blob *b;
		struct stat sb;
		uint8_t *data;
		int fd, n;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		tag[0] = '\0';
		n = sscanf(line, "%127s %63s %u %31s", file, ext, &version, tag);
		if (n < 3)
			die("%s:%d: want 'FILE EXTENSION VERSION [TAG]', got '%s'", path, lineno, line);
		pool = realloc(pool, (npool + 1) * sizeof(*pool));
		if (!pool)
			die("pool: out of memory");
		b = &pool[npool];
		memset(b, 0, sizeof(*b));
		snprintf(b->name, sizeof(b->name), "%.63s", file);
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &sb))
			die("%s: cannot open (listed in stress.list): %s", path, strerror(errno));
		data = malloc(sb.st_size ? sb.st_size : 1);
		if (!data || read(fd, data, sb.st_size) != sb.st_size)
			die("%s: cannot read %lld bytes", path, (long long)sb.st_size);
		close(fd);
		b->data = data;
		b->size = sb.st_size;
		b->want = header_want(data, b->size);
		b->ext = strcmp(ext, "-") ? ext_index(ext) : -1;
		if (strcmp(ext, "-") && b->ext < 0)
			die("%s:%d: unknown extension '%s'", path, lineno, ext);
		b->version = version;
		b->hdr_ext = -1;
		if (b->size >= 48) {
			char name[33];

			memcpy(name, data + 16, 32);
			name[32] = '\0';
			b->hdr_ext = ext_index(name);
		}
		if (b->ext >= 0 && version >= 256)
			die("%s:%d: version %u: valid versions must stay below 256", path, lineno, version);
		if (!strcmp(tag, "inject-take") || !strcmp(tag, "inject-event")) {
			b->inject = !strcmp(tag, "inject-take") ? INJ_TAKE : INJ_EVENT;
			inject_blob[b->ext] = npool;
			/* the armed event content is accepted, the oops one never */
			if (b->inject == INJ_EVENT)
				bit_set(exts[b->ext].valid, version);
		} else if (tag[0]) {
			die("%s:%d: unknown tag '%s'", path, lineno, tag);
		} else if (b->ext >= 0) {
			bit_set(exts[b->ext].valid, version);
		}
		npool++;
	}
	fclose(f);
	if (inject_blob[X_TAKEOOPS] < 0 || inject_blob[X_EVENTOOPS] < 0)
		die("%s/stress.list: no inject-take or inject-event file", dir);
	for (i = 0; i < NEXT; i++) {
		int j, n = 0;

		for (j = 0; j < npool; j++)
			n += pool[j].ext == i && !pool[j].inject;
		if (!n)
			die("%s/stress.list: no valid content for %s", dir, ext_name[i]);
	}
}

static void blob_free(struct blob *b)
{
	free(b->own);
	b->own = NULL;
}

/* files that can be written whole by many writers at once: complete, or
 * refused at the header whatever follows */
static bool whole_ok(const struct blob *b)
{
	return b->size >= b->want || (b->size >= HDR_LEN && b->want > CONTENT_MAX);
}

static int pick_valid(struct rng *r, int e)
{
	int n = 0, i, k;

	for (i = 0; i < npool; i++)
		n += pool[i].ext == e && !pool[i].inject && pool[i].size == pool[i].want;
	k = rnd(r, n);
	for (i = 0; i < npool; i++)
		if (pool[i].ext == e && !pool[i].inject && pool[i].size == pool[i].want && !k--)
			return i;
	return -1;
}

enum { PICK_ANY, PICK_WHOLE, PICK_SAME };

/* a pool file that is no valid file (though its first bytes may be one) */
static bool invalid_fit(const struct blob *b, int e, int mode)
{
	return (b->ext < 0 || b->size != b->want) && !b->inject &&
	       (mode != PICK_WHOLE || whole_ok(b)) && (mode != PICK_SAME || b->hdr_ext == e);
}

/*
 * A blob to write into extension @e: PICK_WHOLE only files that many may
 * write whole at once; PICK_SAME only bytes derived from files whose
 * header names @e (for mixed uploads, see the top of this file).
 */
static void pick_blob(struct rng *r, int e, int mode, struct blob *b)
{
	unsigned kind = rnd(r, 100);
	const struct blob *base;
	int i, n, k;

	memset(b, 0, sizeof(*b));
	if (kind < 45 || (mode == PICK_SAME && kind < 70)) {
		*b = pool[pick_valid(r, e)];
		b->own = NULL;
		return;
	}
	if (kind < 57 && mode != PICK_SAME) {
		/* valid content of another extension */
		int o = (e + 1 + rnd(r, NEXT - 1)) % NEXT;

		*b = pool[pick_valid(r, o)];
		b->own = NULL;
		return;
	}
	if (kind < 75) {
		/* a pool file valid for no one (or only its first bytes) */
		n = 0;
		for (i = 0; i < npool; i++)
			n += invalid_fit(&pool[i], e, mode);
		if (n) {
			k = rnd(r, n);
			for (i = 0; i < npool; i++)
				if (invalid_fit(&pool[i], e, mode) && !k--) {
					*b = pool[i];
					b->own = NULL;
					return;
				}
		}
	}
	/* a mutation of a valid file of @e */
	base = &pool[pick_valid(r, e)];
	kind = rnd(r, mode == PICK_WHOLE ? 3 : 4);
	b->own = malloc(base->size + 64);
	if (!b->own)
		die("mutation: out of memory");
	memcpy(b->own, base->data, base->size);
	b->data = b->own;
	b->size = base->size;
	b->want = base->want;
	b->hdr_ext = base->hdr_ext;
	b->version = base->version;
	b->ext = -1;
	switch (kind) {
	case 0:		/* payload bytes flipped: the digest cannot match */
		n = 1 + rnd(r, 3);
		for (i = 0; i < n; i++)
			b->own[HDR_LEN + rnd(r, base->size - HDR_LEN)] ^= 1 + rnd(r, 255);
		snprintf(b->name, sizeof(b->name), "%.40s+flip", base->name);
		break;
	case 1:		/* the magic broken */
		b->own[rnd(r, 8)] ^= 1 + rnd(r, 255);
		snprintf(b->name, sizeof(b->name), "%.40s+magic", base->name);
		break;
	case 2:		/* bytes appended: its declared part is still valid */
		n = 1 + rnd(r, 64);
		for (i = 0; i < n; i++)
			b->own[base->size + i] = rnd(r, 256);
		b->size += n;
		b->ext = base->ext;
		snprintf(b->name, sizeof(b->name), "%.40s+%d", base->name, n);
		break;
	default:	/* cut short: never complete */
		b->size = 1 + rnd(r, base->size - 1);
		snprintf(b->name, sizeof(b->name), "%.40s/%zu", base->name, b->size);
		break;
	}
}

/* ---- outcomes, operations, violations ------------------------------------ */

#define OUTCOMES(X)						\
	X(O_COMMIT, "write-accepted")				\
	X(O_PARTIAL, "write-partial")				\
	X(O_MIXED_OK, "write-mixed-ok")				\
	X(O_REFUSED, "write-refused")				\
	X(O_EFBIG, "write-too-large")				\
	X(O_EXT_REFUSED, "write-ext-refused")			\
	X(O_SHUTDOWN, "write-shutdown")				\
	X(O_GONE, "write-gone")					\
	X(O_ENOSPC, "write-after-verdict")			\
	X(O_ENOMEM, "write-enomem")				\
	X(O_SHORT, "write-short")				\
	X(O_CANCELED, "uring-canceled")				\
	X(O_REL_REFUSED, "upload-incomplete")			\
	X(O_OPEN_BUSY, "open-busy")				\
	X(O_OPEN_ABSENT, "open-absent")				\
	X(O_OPEN_GONE, "open-gone")				\
	X(O_READ_OK, "read-ok")					\
	X(O_READ_GONE, "read-gone")				\
	X(O_READ_DEAD, "read-faulted")				\
	X(O_BAD_EINVAL, "bad-open-einval")			\
	X(O_STATE_OK, "state-ok")				\
	X(O_STATE_VETO, "state-vetoed")				\
	X(O_STATE_FAULTED, "state-faulted")			\
	X(O_STATE_SHUTDOWN, "state-shutdown")			\
	X(O_STATE_GONE, "state-gone")				\
	X(O_STATE_BADWORD, "state-bad-word")			\
	X(O_DISABLE_OK, "disable-ok")				\
	X(O_DISABLE_BAD, "disable-bad-list")			\
	X(O_INSMOD_OK, "insmod-ok")				\
	X(O_INSMOD_VETO, "insmod-vetoed")			\
	X(O_INSMOD_NOSHIM, "insmod-no-shim")			\
	X(O_INSMOD_FAILINIT, "insmod-init-failed")		\
	X(O_RMMOD_OK, "rmmod-ok")				\
	X(O_RMMOD_BUSY, "rmmod-busy")				\
	X(O_SHIM_RMMOD_OK, "shim-rmmod-ok")			\
	X(O_SHIM_RMMOD_BUSY, "shim-rmmod-busy")			\
	X(O_SHIM_RMMOD_ABSENT, "shim-rmmod-absent")		\
	X(O_SHIM_INSMOD_OK, "shim-insmod-ok")			\
	X(O_SHIM_INSMOD_EXIST, "shim-insmod-present")		\
	X(O_SHIM_INSMOD_BUSY, "shim-insmod-going")		\
	X(O_SHIM_CYCLE, "shim-cycle")				\
	X(O_SHIM_CYCLE_BUSY, "shim-cycle-busy")			\
	X(O_EXEC_OK, "exec-ok")					\
	X(O_HELD_STALE, "held-stale")				\
	X(O_EINTR, "interrupted")

#define X_ENUM(e, n) e,
#define X_NAME(e, n) n,
enum { OUTCOMES(X_ENUM) NOUTCOMES };
static const char *const outcome_name[] = { OUTCOMES(X_NAME) };
static long outcome_n[NOUTCOMES];

static void outcome(int o)
{
	__atomic_add_fetch(&outcome_n[o], 1, __ATOMIC_RELAXED);
}

#define OPS(X)							\
	X(OP_READ_GLOBAL, "read-global", 8)			\
	X(OP_READ_EXT, "read-ext", 18)				\
	X(OP_UPLOAD, "upload", 16)				\
	X(OP_THREADS, "upload-threads", 6)			\
	X(OP_URING, "upload-uring", 7)				\
	X(OP_FORK, "upload-fork", 4)				\
	X(OP_STATE, "state", 8)					\
	X(OP_DISABLE, "disable", 3)				\
	X(OP_CHURN, "ext-churn", 3)				\
	X(OP_SHIM, "shim", 2)					\
	X(OP_HOLD, "hold", 4)					\
	X(OP_USE_HELD, "use-held", 6)				\
	X(OP_EXEC, "exec", 3)					\
	X(OP_BAD_OPEN, "bad-open", 2)

#define O_ENUM(e, n, w) e,
#define O_NAME(e, n, w) n,
#define O_WEIGHT(e, n, w) w,
enum { OPS(O_ENUM) NOPS };
static const char *const op_name[] = { OPS(O_NAME) };
static const unsigned op_weight[] = { OPS(O_WEIGHT) };
static long op_n[NOPS];

struct hold {
	int fd;
	int kind;		/* H_CONTENT, H_STATE, H_RO, H_GLOBAL */
	int ext;
	unsigned gen;
	const char *file;
	int left;		/* operations until it is closed */
	struct blob blob;	/* H_CONTENT: what it uploads */
	struct sfile *sf;
};

struct worker {
	int idx;		/* -1: the main thread (setup, injection, final checks) */
	pthread_t th;
	pid_t tid;
	struct rng rng;
	unsigned long opno;
	int op;			/* -1 between operations */
	double op_t0;
	bool stuck_told;
	bool done;
	struct hold hold[MAX_HOLD];
	int nhold;
	struct shm *shm;	/* forked children's results */
	struct {
		unsigned gen;
		long long v[4];
	} last[NEXT];		/* counters last read, per load */
};

static uint64_t seed;
static double t_start, t_end;
static int nworkers = 4;
static bool stop;
static bool drain;		/* a shim cycle wants every descriptor closed */
static double last_cycle;
static pthread_mutex_t cycle_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t world;	/* read: one operation; write: a fault injection */
static const char *moddir, *checks_path, *faults_path;

struct vkind {
	char name[32];
	long n;
	char first[320];
};
static struct vkind vk[64];
static int nvk;
static int vprinted;
static pthread_mutex_t vmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t outmu = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&outmu);
	fputs("stress: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	pthread_mutex_unlock(&outmu);
}

static void violation(struct worker *w, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void violation(struct worker *w, const char *kind, const char *fmt, ...)
{
	char msg[256], where[64];
	struct vkind *k = NULL;
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one line, whatever a file said */
	for (i = 0; msg[i]; i++)
		if (msg[i] == '\n')
			msg[i] = '|';
		else if (msg[i] < 32 || msg[i] > 126)
			msg[i] = '?';
	if (w->idx >= 0)
		snprintf(where, sizeof(where), "worker %d op %lu %s", w->idx, w->opno,
			 w->op >= 0 ? op_name[w->op] : "-");
	else
		snprintf(where, sizeof(where), "main");
	pthread_mutex_lock(&vmu);
	for (i = 0; i < nvk; i++)
		if (!strcmp(vk[i].name, kind))
			k = &vk[i];
	if (!k && nvk < (int)(sizeof(vk) / sizeof(vk[0]))) {
		k = &vk[nvk++];
		snprintf(k->name, sizeof(k->name), "%s", kind);
		snprintf(k->first, sizeof(k->first), "%.250s (%.60s)", msg, where);
	}
	if (k)
		k->n++;
	if (k && k->n <= 3 && vprinted < 40) {
		vprinted++;
		say("VIOLATION %s: %s (%s, seed %" PRIu64 ")", kind, msg, where, seed);
	}
	pthread_mutex_unlock(&vmu);
}

/*
 * Where every task of this process is: state, name and kernel stack, for
 * a report of something stuck (io_uring's workers, iou-wrk-N, among them).
 */
static bool read_file(const char *path, char *buf, size_t cap);

static void dump_tasks(const char *why)
{
	char path[PATH_MAX], buf[2048], comm[64], stat[512];
	struct dirent *de;
	DIR *d = opendir("/proc/self/task");

	if (!d)
		return;
	say("tasks of bh-stress (%s):", why);
	while ((de = readdir(d))) {
		char *p, state = '?';

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		if (!read_file(path, comm, sizeof(comm)))
			continue;
		comm[strcspn(comm, "\n")] = '\0';
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat", de->d_name);
		if (read_file(path, stat, sizeof(stat)) && (p = strrchr(stat, ')')) && p[1])
			state = p[2];
		snprintf(path, sizeof(path), "/proc/self/task/%s/stack", de->d_name);
		if (!read_file(path, buf, sizeof(buf)))
			buf[0] = '\0';
		for (p = buf; *p; p++)
			if (*p == '\n')
				*p = ' ';
		say("  task %s %s %c: %.400s", de->d_name, comm, state, buf);
	}
	closedir(d);
}

/* ---- tallies: what one load of an extension went through --------------- */

enum { T_A, T_R, T_M, T_E, T_U };

static void tally(int e, unsigned gen, int what, unsigned version)
{
	struct tally *t = &exts[e].t;

	pthread_mutex_lock(&exts[e].mu);
	if (t->gen == gen) {
		switch (what) {
		case T_A:
			t->a++;
			bit_set(t->versions, version);
			break;
		case T_R:
			t->r++;
			break;
		case T_M:
			t->m++;
			t->any_version = true;
			break;
		case T_E:
			t->e++;
			break;
		case T_U:
			t->u++;
			t->any_version = true;
			break;
		}
	}
	pthread_mutex_unlock(&exts[e].mu);
}

/* a new load of @e: its counters start at zero (caller holds its write lock) */
static void tally_reset(int e)
{
	pthread_mutex_lock(&exts[e].mu);
	memset(&exts[e].t, 0, sizeof(exts[e].t));
	exts[e].t.gen = exts[e].gen;
	pthread_mutex_unlock(&exts[e].mu);
}

/* ---- uploads: one open file description of a content file ---------------- */

enum { SF_SINGLE, SF_MULTI, SF_MIXED };

struct sfile {
	int fd;
	int ext;
	unsigned gen;
	int mode;
	const struct blob *blob;	/* SF_SINGLE: what is streamed */
	uint64_t pos;			/* SF_SINGLE: bytes taken */
	bool judged;
	bool enospc;
	bool unknown;
	int successes;
	int verdicts;
	bool accepted;			/* SF_SINGLE, SF_MULTI: a write was the accept */
};

static void commit(struct worker *w, struct sfile *sf, const struct blob *b)
{
	outcome(O_COMMIT);
	sf->accepted = true;
	if (b->ext != sf->ext)
		violation(w, "accepted-invalid", "%s accepted %s (valid for %s)", ext_name[sf->ext],
			  b->name, b->ext >= 0 ? ext_name[b->ext] : "none");
	tally(sf->ext, sf->gen, T_A, b->version);
}

/*
 * An error verdict on an upload: count it, and say whether this errno may
 * be one.  @valid: the bytes the writer sent so far are a valid file's
 * (and no more than it declares), so no refusal is possible.
 */
static void verdict_error(struct worker *w, struct sfile *sf, const struct blob *b,
			  int err, bool valid)
{
	switch (err) {
	case EBADMSG:
	case EFBIG:
		outcome(err == EBADMSG ? O_REFUSED : O_EFBIG);
		tally(sf->ext, sf->gen, T_R, 0);
		if (valid)
			violation(w, "valid-refused", "%s refused %s (%s) though it is valid for it",
				  ext_name[sf->ext], b->name, errname(err));
		if (err == EFBIG && b->want <= CONTENT_MAX && sf->mode != SF_MIXED)
			violation(w, "efbig", "%s: %s declares %" PRIu64 " bytes, within the limit, but EFBIG",
				  ext_name[sf->ext], b->name, b->want);
		break;
	case EINVAL:
		/* bh_execwatch refuses a relative path; no other extension refuses */
		outcome(O_EXT_REFUSED);
		tally(sf->ext, sf->gen, T_R, 0);
		if (sf->ext != X_EXECWATCH)
			violation(w, "errno", "upload of %s to %s: EINVAL", b->name, ext_name[sf->ext]);
		break;
	case ESHUTDOWN:
		outcome(O_SHUTDOWN);
		break;
	case ENODEV:
		outcome(O_GONE);
		break;
	default:
		violation(w, "errno", "upload of %s to %s: %s", b->name, ext_name[sf->ext],
			  errname(err));
		break;
	}
}

/*
 * A result that makes the upload impossible to follow from here on: it may
 * have been accepted, or refused, or neither.  Counted at once, so that a
 * checkpoint while it is still open (a held one) allows for it.
 */
static void sf_lose_track(struct sfile *sf)
{
	if (sf->mode == SF_SINGLE && sf->pos)
		sf->successes++;
	sf->mode = SF_MIXED;
	if (!sf->unknown)
		tally(sf->ext, sf->gen, T_U, 0);
	sf->unknown = true;
}

/*
 * A write of @n bytes of @b into @sf returned @ret (@err).  SF_SINGLE: the
 * writes come in stream order and these are the bytes at sf->pos.
 */
static void account_write(struct worker *w, struct sfile *sf, const struct blob *b,
			  size_t n, long ret, int err)
{
	if (ret >= 0 && (size_t)ret != n) {
		outcome(O_SHORT);
		sf_lose_track(sf);
		return;
	}
	if (ret < 0 && err == ENOMEM) {
		/* the intake's own (nothing judged) or the extension's (refused) */
		outcome(O_ENOMEM);
		sf_lose_track(sf);
		return;
	}
	if (ret < 0 && err == EINTR) {
		/*
		 * Nothing taken (waiting for the upload's lock) or the whole
		 * write taken and the handover not begun (waiting for the
		 * extension's): which one cannot be told.  A signal is not
		 * needed for it: io_uring's task work notifications
		 * (TIF_NOTIFY_SIGNAL) interrupt these waits as well.
		 */
		outcome(O_EINTR);
		sf_lose_track(sf);
		return;
	}
	switch (sf->mode) {
	case SF_SINGLE:
		if (ret >= 0) {
			if (sf->judged) {
				violation(w, "write-after-verdict", "%s: a write after the verdict succeeded",
					  ext_name[sf->ext]);
				return;
			}
			sf->pos += n;
			if (sf->pos < b->want) {
				outcome(O_PARTIAL);
				return;
			}
			sf->judged = true;
			if (sf->pos > b->want) {
				violation(w, "past-end", "%s: a write of %s past its declared %" PRIu64 " bytes succeeded",
					  ext_name[sf->ext], b->name, b->want);
				return;
			}
			commit(w, sf, b);
			return;
		}
		if (err == ENOSPC) {
			outcome(O_ENOSPC);
			if (!sf->judged)
				violation(w, "enospc", "%s: ENOSPC before any verdict on a single writer's upload",
					  ext_name[sf->ext]);
			return;
		}
		if (sf->judged) {
			violation(w, "judged-twice", "%s: %s after the verdict, want ENOSPC",
				  ext_name[sf->ext], errname(err));
			return;
		}
		sf->judged = true;
		verdict_error(w, sf, b, err, b->ext == sf->ext && sf->pos + n <= b->want);
		return;
	case SF_MULTI:
		if (ret >= 0) {
			sf->verdicts++;
			if (++sf->successes > 1)
				violation(w, "two-successes", "%s: two whole-file writes succeeded on one upload",
					  ext_name[sf->ext]);
			else if (sf->verdicts > 1)
				violation(w, "judged-twice", "%s: an upload was judged twice", ext_name[sf->ext]);
			if (b->size != b->want)
				violation(w, "past-end", "%s: a whole write of %s (%zu bytes, %" PRIu64 " declared) succeeded",
					  ext_name[sf->ext], b->name, b->size, b->want);
			commit(w, sf, b);
			return;
		}
		if (err == ENOSPC) {
			sf->enospc = true;
			outcome(O_ENOSPC);
			return;
		}
		if (++sf->verdicts > 1)
			violation(w, "judged-twice", "%s: an upload was judged twice (%s)",
				  ext_name[sf->ext], errname(err));
		verdict_error(w, sf, b, err, b->ext == sf->ext && b->size == b->want);
		return;
	default:
		if (ret >= 0) {
			sf->successes++;
			outcome(O_MIXED_OK);
			return;
		}
		if (err == ENOSPC) {
			sf->enospc = true;
			outcome(O_ENOSPC);
			return;
		}
		if (++sf->verdicts > 1)
			violation(w, "judged-twice", "%s: a mixed upload was judged twice (%s)",
				  ext_name[sf->ext], errname(err));
		verdict_error(w, sf, b, err, false);
		return;
	}
}

/* a close() of one of the upload's descriptors: never an error */
static void account_close_copy(struct worker *w, struct sfile *sf, int ret, int err)
{
	if (ret)
		violation(w, "close", "%s: close of an upload's descriptor: %s", ext_name[sf->ext],
			  errname(err));
}

/*
 * Our last descriptor of the upload is closed (children that shared it
 * are gone): what its last close does and what it all added up to.
 */
static void account_close(struct worker *w, struct sfile *sf, int ret, int err)
{
	account_close_copy(w, sf, ret, err);
	if (sf->unknown)
		return;		/* counted when it happened */
	switch (sf->mode) {
	case SF_SINGLE:
		if (!sf->judged && sf->pos) {
			/* refused at release, the last close */
			outcome(O_REL_REFUSED);
			tally(sf->ext, sf->gen, T_R, 0);
		}
		break;
	case SF_MULTI:
		/* whole files only: never incomplete at the last close */
		if (sf->verdicts == 0 && sf->enospc)
			violation(w, "enospc", "%s: ENOSPC on an upload no write judged", ext_name[sf->ext]);
		break;
	default:
		if (sf->verdicts)
			break;		/* refused (counted) or stopped: not accepted */
		if (sf->enospc)
			/* judged, and not by an error: by a success, an accept */
			tally(sf->ext, sf->gen, T_A, 256);
		else if (sf->successes)
			tally(sf->ext, sf->gen, T_M, 0);
		if (sf->enospc || sf->successes) {
			pthread_mutex_lock(&exts[sf->ext].mu);
			if (exts[sf->ext].t.gen == sf->gen)
				exts[sf->ext].t.any_version = true;
			pthread_mutex_unlock(&exts[sf->ext].mu);
		}
		break;
	}
}

/* ---- opening files of an extension ---------------------------------------- */

/*
 * Open FILE of extension @e, tagged with the load it reaches.  Returns the
 * descriptor, or -1 after accounting for the failure (then *gen is still
 * set).  Under the extension's lock nothing loads or unloads it, so a
 * loaded extension's files must open (content: or EBUSY, an upload is
 * open) and an unloaded one's must not exist.
 */
static int ext_open(struct worker *w, int e, const char *file, int flags, unsigned *gen)
{
	char path[PATH_MAX];
	bool loaded;
	int fd, err;

	snprintf(path, sizeof(path), BH "/extensions/%s/%s", ext_name[e], file);
	pthread_rwlock_rdlock(&exts[e].lock);
	*gen = exts[e].gen;
	loaded = exts[e].loaded;
	fd = open(path, flags | O_CLOEXEC);
	err = errno;
	pthread_rwlock_unlock(&exts[e].lock);
	if (fd >= 0) {
		if (!loaded)
			violation(w, "model", "%s opened, but %s is not loaded", path, ext_name[e]);
		return fd;
	}
	if (err == EBUSY && !strcmp(file, "content") && loaded) {
		outcome(O_OPEN_BUSY);
	} else if (err == ENOENT && !loaded) {
		outcome(O_OPEN_ABSENT);
	} else if (err == EINVAL && !strcmp(file, "content") && (flags & O_ACCMODE) != O_WRONLY) {
		outcome(O_BAD_EINVAL);
	} else {
		violation(w, loaded ? "open" : "model", "open %s (%s loaded): %s", path,
			  loaded ? "extension" : "extension not", errname(err));
	}
	errno = err;
	return -1;
}

static bool fault_injected(int e, unsigned gen)
{
	return exts[e].inj_gen && exts[e].inj_gen == gen;
}

/* ---- checking what the files say ------------------------------------------ */

static bool is_number_line(const char *s, size_t len, unsigned long long *v)
{
	char *end;

	if (!len || s[len - 1] != '\n' || s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && end == s + len - 1;
}

static void check_ext_text(struct worker *w, int e, unsigned gen, const char *file,
			   const char *s, size_t len)
{
	unsigned long long v;
	size_t i;

	for (i = 0; i < len; i++)
		if ((s[i] < 32 || s[i] > 126) && s[i] != '\n') {
			violation(w, "text", "%s/%s: byte %zu is 0x%02x", ext_name[e], file, i,
				  (unsigned char)s[i]);
			return;
		}
	if (!strcmp(file, "content_version")) {
		if (!is_number_line(s, len, &v))
			violation(w, "text", "%s/content_version: '%.*s'", ext_name[e], (int)len, s);
		else if (v && !bit(exts[e].valid, v))
			violation(w, "version-invalid", "%s/content_version is %llu, no valid content has it",
				  ext_name[e], v);
	} else if (!strcmp(file, "state")) {
		if (len == 8 && !memcmp(s, "faulted\n", 8)) {
			if (!fault_injected(e, gen))
				violation(w, "faulted", "%s is faulted, but no fault was injected into it",
					  ext_name[e]);
		} else if (!(len == 8 && !memcmp(s, "enabled\n", 8)) &&
			   !(len == 9 && !memcmp(s, "disabled\n", 9))) {
			violation(w, "text", "%s/state: '%.*s'", ext_name[e], (int)len, s);
		}
	} else if (!strcmp(file, "counters")) {
		long long c[4];
		char buf[256];
		int n, k;

		snprintf(buf, sizeof(buf), "%.*s", (int)(len < 255 ? len : 255), s);
		if (sscanf(buf, "events %lld\naccepted %lld\nrefused %lld\nfaults %lld\n%n",
			   &c[0], &c[1], &c[2], &c[3], &n) != 4 || (size_t)n != len) {
			violation(w, "text", "%s/counters: '%.*s'", ext_name[e], (int)len, s);
			return;
		}
		if (c[3] > (fault_injected(e, gen) ? 1 : 0))
			violation(w, "faulted", "%s: faults %lld, but %s fault was injected into this load",
				  ext_name[e], c[3], fault_injected(e, gen) ? "one" : "no");
		if (w->last[e].gen == gen) {
			for (k = 0; k < 4; k++)
				if (c[k] < w->last[e].v[k])
					violation(w, "counters-down", "%s: counter %d went from %lld down to %lld",
						  ext_name[e], k, w->last[e].v[k], c[k]);
		}
		w->last[e].gen = gen;
		memcpy(w->last[e].v, c, sizeof(c));
	} else if (!strcmp(file, "last_error")) {
		if (len && (s[len - 1] != '\n' || memchr(s, '\n', len) != s + len - 1 ||
			    (strncmp(s, "content refused (", 17) && strncmp(s, "content version ", 16) &&
			     strncmp(s, "content not taken: ", 19))))
			violation(w, "text", "%s/last_error: '%.*s'", ext_name[e], (int)len, s);
	} else if (!strcmp(file, "schema")) {
		pthread_mutex_lock(&exts[e].mu);
		if (!exts[e].schema) {
			exts[e].schema = strndup(s, len);
		} else if (strlen(exts[e].schema) != len || memcmp(exts[e].schema, s, len)) {
			violation(w, "schema", "%s/schema changed: '%.40s' was '%.40s'", ext_name[e],
				  s, exts[e].schema);
		}
		pthread_mutex_unlock(&exts[e].mu);
	} else if (!strcmp(file, "stats")) {
		if (len && s[len - 1] != '\n')
			violation(w, "text", "%s/stats does not end in a newline", ext_name[e]);
	}
}

static char *version_text;
static pthread_mutex_t version_mu = PTHREAD_MUTEX_INITIALIZER;

static void check_global_text(struct worker *w, const char *file, const char *s, size_t len)
{
	unsigned a, b, c, f;
	char buf[128];
	size_t i;
	int n = 0;

	if (!strcmp(file, "version")) {
		snprintf(buf, sizeof(buf), "%.*s", (int)(len < 127 ? len : 127), s);
		if (sscanf(buf, "%u.%u.%u format %u\n%n", &a, &b, &c, &f, &n) != 4 ||
		    (size_t)n != len) {
			violation(w, "text", "version: '%.*s'", (int)len, s);
			return;
		}
		pthread_mutex_lock(&version_mu);
		if (!version_text)
			version_text = strdup(buf);
		else if (strcmp(version_text, buf))
			violation(w, "text", "version changed: '%s', was '%s'", buf, version_text);
		pthread_mutex_unlock(&version_mu);
	} else if (!strcmp(file, "safe_mode")) {
		if (len != 2 || memcmp(s, "0\n", 2))
			violation(w, "text", "safe_mode: '%.*s'", (int)len, s);
	} else {
		/*
		 * "\n" or "name,name\n": anything else, with the list being
		 * rewritten meanwhile, is a reader in pieces getting pieces of
		 * two renderings
		 */
		bool good = len && s[len - 1] == '\n' && (len == 1 || (s[0] != ',' && s[len - 2] != ','));

		for (i = 0; good && i + 1 < len; i++)
			good = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
			       s[i] == '_' || (s[i] == ',' && s[i + 1] != ',');
		if (!good)
			violation(w, "torn-read", "disable, read in pieces while it was rewritten: '%.*s'",
				  (int)len, s);
	}
}

/* read @fd to its end in pieces: the length, or -1 with errno */
static ssize_t read_all(int fd, char *buf, size_t cap, struct rng *r)
{
	size_t step = chance(r, 30) ? 1 + rnd(r, 24) : cap, len = 0;
	ssize_t n;

	while (len < cap) {
		n = read(fd, buf + len, step < cap - len ? step : cap - len);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += n;
	}
	return len;
}

/* a read of an extension's file failed: may it? */
static void ext_read_failed(struct worker *w, int e, unsigned gen, const char *file, int err)
{
	if (err == ENODEV) {
		/* unregistered (or on its way) since the open */
		outcome(O_READ_GONE);
	} else if (err == EINTR) {
		outcome(O_EINTR);
	} else if (err == EIO && !strcmp(file, "stats") && fault_injected(e, gen) &&
		   exts[e].inj_kind == INJ_TAKE) {
		/* the task that died in take_content still holds its lock */
		outcome(O_READ_DEAD);
	} else {
		violation(w, "read", "read %s/%s: %s", ext_name[e], file, errname(err));
	}
}

static const char *const ro_files[] = {
	"content_version", "state", "schema", "last_error", "counters", "stats",
};
#define NRO (sizeof(ro_files) / sizeof(ro_files[0]))
static const char *const global_files[] = { "version", "safe_mode", "disable" };

static void op_read_ext(struct worker *w, struct rng *r)
{
	int e = rnd(r, NEXT), fd, again = chance(r, 20);
	const char *file = ro_files[rnd(r, NRO)];
	char buf[TEXT_MAX];
	unsigned gen;
	ssize_t n;

	fd = ext_open(w, e, file, chance(r, 10) && !strcmp(file, "state") ? O_RDWR : O_RDONLY, &gen);
	if (fd < 0)
		return;
	do {
		n = read_all(fd, buf, sizeof(buf), r);
		if (n < 0) {
			ext_read_failed(w, e, gen, file, errno);
			break;
		}
		outcome(O_READ_OK);
		check_ext_text(w, e, gen, file, buf, n);
		/* from offset 0 again: rendered afresh */
	} while (again-- && lseek(fd, 0, SEEK_SET) == 0);
	close(fd);
}

static void op_read_global(struct worker *w, struct rng *r)
{
	const char *file = global_files[rnd(r, 3)];
	char path[PATH_MAX], buf[TEXT_MAX];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), BH "/%s", file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/* ENOENT: the shim is out; ENODEV: it is on its way out */
		if (errno == ENOENT || errno == ENODEV)
			outcome(errno == ENOENT ? O_OPEN_ABSENT : O_OPEN_GONE);
		else
			violation(w, "open", "open %s: %s", path, errname(errno));
		return;
	}
	n = read_all(fd, buf, sizeof(buf), r);
	if (n < 0)
		violation(w, "read", "read %s: %s", path, errname(errno));
	else
		check_global_text(w, file, buf, n);
	outcome(O_READ_OK);
	close(fd);
}

/* ---- uploads ----------------------------------------------------------------- */

/* @n random piece sizes that add up to @size, each at least 1 */
static int pieces(struct rng *r, size_t size, size_t *len, int max, bool tiny)
{
	size_t left = size;
	int n = 0;

	while (left && n < max) {
		size_t l = tiny ? 1 + rnd(r, 16) : 1 + rnd(r, size > 1 ? size : 1);

		if (l > left || n == max - 1)
			l = left;
		len[n++] = l;
		left -= l;
	}
	return n;
}

static bool sf_open(struct worker *w, int e, int flags, int mode, struct sfile *sf)
{
	memset(sf, 0, sizeof(*sf));
	sf->ext = e;
	sf->mode = mode;
	sf->fd = ext_open(w, e, "content", O_WRONLY | flags, &sf->gen);
	return sf->fd >= 0;
}

/* a single writer's pieces of @b at the current position */
static void single_write(struct worker *w, struct sfile *sf, const struct blob *b,
			 size_t off, size_t len)
{
	ssize_t ret = write(sf->fd, b->data + off, len);

	account_write(w, sf, b, len, ret, errno);
}

static void op_upload(struct worker *w, struct rng *r)
{
	int e = rnd(r, NEXT), style = rnd(r, 3), i, n;
	size_t len[MAX_PIECES], off = 0;
	bool stop_early = chance(r, 15), again = chance(r, 15);
	struct blob b, b2;
	struct sfile sf;

	pick_blob(r, e, PICK_ANY, &b);
	pick_blob(r, e, PICK_WHOLE, &b2);
	n = style == 0 ? 1 : pieces(r, b.size, len, MAX_PIECES, style == 2);
	if (style == 0)
		len[0] = b.size;
	if (stop_early && n > 1)
		n = 1 + rnd(r, n - 1);
	if (sf_open(w, e, 0, SF_SINGLE, &sf)) {
		for (i = 0; i < n && sf.mode == SF_SINGLE && !(sf.judged && i); i++) {
			single_write(w, &sf, &b, off, len[i]);
			off += len[i];
		}
		/* one more whole file: after a verdict it must find ENOSPC */
		if (again && sf.mode == SF_SINGLE && sf.judged)
			single_write(w, &sf, &b2, 0, b2.size);
		account_close(w, &sf, close(sf.fd), errno);
	}
	blob_free(&b);
	blob_free(&b2);
}

/* ---- many threads on one description ----------------------------------------- */

struct tw {
	int fd;
	struct blob b[2];
	int nb;
	bool mixed;
	size_t len[2][MAX_PIECES];
	int npieces[2];
	long ret[2][MAX_PIECES];
	int err[2][MAX_PIECES];
	int done[2];
	/* the closer: a dup closed at some moment */
	bool closer;
	unsigned delay_us;
	int close_ret, close_err;
	pthread_barrier_t *bar;
};

static void *tw_main(void *arg)
{
	struct tw *t = arg;
	int i, k;

	pthread_barrier_wait(t->bar);
	if (t->closer) {
		sleep_us(t->delay_us);
		t->close_ret = close(t->fd);
		t->close_err = errno;
		return NULL;
	}
	for (k = 0; k < t->nb; k++) {
		size_t off = 0;

		for (i = 0; i < t->npieces[k]; i++) {
			t->ret[k][i] = write(t->fd, t->b[k].data + off, t->len[k][i]);
			t->err[k][i] = errno;
			off += t->len[k][i];
			t->done[k] = i + 1;
		}
	}
	return NULL;
}

static void op_threads(struct worker *w, struct rng *r)
{
	int e = rnd(r, NEXT), nt = 2 + rnd(r, 3), i, k, j;
	bool mixed = chance(r, 25), closer = chance(r, 35);
	struct tw t[5];
	pthread_t th[5];
	pthread_barrier_t bar;
	struct sfile sf;

	memset(t, 0, sizeof(t));
	for (i = 0; i < nt; i++) {
		t[i].nb = 1 + chance(r, 30);
		t[i].mixed = mixed;
		for (k = 0; k < t[i].nb; k++) {
			pick_blob(r, e, mixed ? PICK_SAME : PICK_WHOLE, &t[i].b[k]);
			if (mixed) {
				t[i].npieces[k] = pieces(r, t[i].b[k].size, t[i].len[k], MAX_PIECES, chance(r, 30));
			} else {
				t[i].npieces[k] = 1;
				t[i].len[k][0] = t[i].b[k].size;
			}
		}
	}
	t[nt].closer = closer;
	t[nt].delay_us = rnd(r, 3000);
	if (sf_open(w, e, 0, mixed ? SF_MIXED : SF_MULTI, &sf)) {
		int nth = nt + closer;

		for (i = 0; i < nt; i++)
			t[i].fd = sf.fd;
		if (closer)
			t[nt].fd = fcntl(sf.fd, F_DUPFD_CLOEXEC, 0);
		pthread_barrier_init(&bar, NULL, nth);
		for (i = 0; i < nth; i++) {
			t[i].bar = &bar;
			if (pthread_create(&th[i], NULL, tw_main, &t[i]))
				die("upload-threads: pthread_create: %s", strerror(errno));
		}
		for (i = 0; i < nth; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&bar);
		/* a short write or ENOMEM anywhere: the whole upload is mixed */
		for (i = 0; i < nt; i++)
			for (k = 0; k < t[i].nb; k++)
				for (j = 0; j < t[i].done[k]; j++)
					if ((t[i].ret[k][j] >= 0 && (size_t)t[i].ret[k][j] != t[i].len[k][j]) ||
					    (t[i].ret[k][j] < 0 && (t[i].err[k][j] == ENOMEM ||
								    t[i].err[k][j] == EINTR)))
						sf_lose_track(&sf);
		for (i = 0; i < nt; i++)
			for (k = 0; k < t[i].nb; k++)
				for (j = 0; j < t[i].done[k]; j++)
					account_write(w, &sf, &t[i].b[k], t[i].len[k][j], t[i].ret[k][j],
						      t[i].err[k][j]);
		if (closer)
			account_close_copy(w, &sf, t[nt].close_ret, t[nt].close_err);
		account_close(w, &sf, close(sf.fd), errno);
	}
	for (i = 0; i < nt; i++)
		for (k = 0; k < t[i].nb; k++)
			blob_free(&t[i].b[k]);
}

/* ---- io_uring ------------------------------------------------------------------ */

static bool uring_ok = true;

/*
 * Submit every prepared SQE; false if io_uring refused (the ones not
 * submitted stay unexecuted).  EINTR and EAGAIN are retried: a task-work
 * notification interrupts io_uring_enter() as it does other waits.
 */
static bool uring_submit(struct io_uring *ring, int n, char *why, size_t size)
{
	int done = 0, ret, tries = 0;

	while (done < n) {
		ret = io_uring_submit(ring);
		if (ret > 0) {
			done += ret;
		} else if (ret == 0 || ret == -EINTR || ret == -EAGAIN || ret == -EBUSY) {
			if (++tries > 1000) {
				snprintf(why, size, "io_uring_submit: %d of %d after 1000 tries", done, n);
				return false;
			}
			sleep_us(1000);
		} else {
			snprintf(why, size, "io_uring_submit: %s", errname(-ret));
			return false;
		}
	}
	return true;
}

/* the next completion, at most until @deadline: 0, -ETIME, or an error */
static int uring_next(struct io_uring *ring, struct io_uring_cqe **cqe, double deadline)
{
	for (;;) {
		double left = deadline - now_s();
		struct __kernel_timespec ts;
		int err;

		if (left <= 0)
			return -ETIME;
		ts.tv_sec = (long long)left;
		ts.tv_nsec = (long long)((left - ts.tv_sec) * 1e9);
		err = io_uring_wait_cqe_timeout(ring, cqe, &ts);
		/* interrupted (task work): wait on, for what is left */
		if (err != -EINTR && err != -EAGAIN)
			return err;
	}
}

struct ur {
	int fd;
	int n;
	struct blob b[6];
	long res[6];
	bool fixed;
	unsigned off_mode;
	pthread_barrier_t *bar;
	struct worker *w;
	int ext;
	bool nonblock;
	bool failed;
};

/* submit whole-file writes of t->b through a ring of its own; results in t->res */
static void *ur_main(void *arg)
{
	struct ur *t = arg;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	double deadline;
	char why[128];
	int i, fd = t->fd, err;

	for (i = 0; i < t->n; i++)
		t->res[i] = -ECANCELED;
	err = io_uring_queue_init(8, &ring, 0);
	if (err) {
		uring_ok = false;
		t->failed = true;
		if (t->bar)
			pthread_barrier_wait(t->bar);
		return NULL;
	}
	if (t->fixed && io_uring_register_files(&ring, &fd, 1) == 0)
		fd = 0;
	else
		t->fixed = false;
	if (t->bar)
		pthread_barrier_wait(t->bar);
	for (i = 0; i < t->n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		io_uring_prep_write(sqe, fd, t->b[i].data, t->b[i].size,
				    t->off_mode ? 0 : (uint64_t)-1);
		if (t->fixed)
			sqe->flags |= IOSQE_FIXED_FILE;
		sqe->user_data = i;
	}
	if (!uring_submit(&ring, t->n, why, sizeof(why))) {
		violation(t->w, "uring", "%s", why);
		t->failed = true;
		io_uring_queue_exit(&ring);
		return NULL;
	}
	deadline = now_s() + 30;
	for (i = 0; i < t->n; i++) {
		err = uring_next(&ring, &cqe, deadline);
		if (err) {
			if (err == -ETIME) {
				violation(t->w, "stuck", "io_uring: %d of %d whole-file writes on %s/content (%s%s%s) not complete after 30 s",
					  t->n - i, t->n, ext_name[t->ext], t->fixed ? "fixed file" : "plain fd",
					  t->nonblock ? ", O_NONBLOCK" : "", t->bar ? ", two rings" : "");
				dump_tasks("an io_uring write not complete");
			} else {
				violation(t->w, "uring", "io_uring_wait_cqe_timeout: %s", errname(-err));
			}
			t->failed = true;
			/* the ring is left as it is: it may still be in use */
			return NULL;
		}
		if (cqe->user_data < (uint64_t)t->n)
			t->res[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	return NULL;
}

static void op_uring(struct worker *w, struct rng *r)
{
	int e = rnd(r, NEXT), variant = rnd(r, 10), i;
	struct sfile sf;

	if (variant < 5 || variant >= 8) {
		/* whole files in flight at once: one ring, or two rings in two threads */
		int nr = variant >= 8 ? 2 : 1, k;
		bool nonblock = variant >= 8 || chance(r, 40);
		struct ur t[2];
		pthread_t th[2];
		pthread_barrier_t bar;

		memset(t, 0, sizeof(t));
		for (k = 0; k < nr; k++) {
			t[k].n = 1 + rnd(r, nr == 2 ? 3 : 6);
			for (i = 0; i < t[k].n; i++)
				pick_blob(r, e, PICK_WHOLE, &t[k].b[i]);
			t[k].fixed = chance(r, 40);
			t[k].off_mode = rnd(r, 2);
			t[k].w = w;
			t[k].ext = e;
			t[k].nonblock = nonblock;
		}
		if (sf_open(w, e, nonblock ? O_NONBLOCK : 0, SF_MULTI, &sf)) {
			if (nr == 2)
				pthread_barrier_init(&bar, NULL, 2);
			for (k = 0; k < nr; k++) {
				t[k].fd = sf.fd;
				t[k].bar = nr == 2 ? &bar : NULL;
				if (nr == 2 && pthread_create(&th[k], NULL, ur_main, &t[k]))
					die("upload-uring: pthread_create: %s", strerror(errno));
			}
			if (nr == 1)
				ur_main(&t[0]);
			for (k = 0; nr == 2 && k < nr; k++)
				pthread_join(th[k], NULL);
			if (nr == 2)
				pthread_barrier_destroy(&bar);
			for (k = 0; k < nr; k++)
				for (i = 0; i < t[k].n; i++)
					if ((t[k].res[i] >= 0 && (size_t)t[k].res[i] != t[k].b[i].size) ||
					    t[k].res[i] == -ENOMEM || t[k].res[i] == -EINTR || t[k].failed)
						sf_lose_track(&sf);
			for (k = 0; k < nr; k++)
				for (i = 0; i < t[k].n; i++) {
					if (t[k].res[i] == -ECANCELED) {
						outcome(O_CANCELED);
						continue;
					}
					account_write(w, &sf, &t[k].b[i], t[k].b[i].size,
						      t[k].res[i] < 0 ? -1 : t[k].res[i],
						      t[k].res[i] < 0 ? (int)-t[k].res[i] : 0);
				}
			account_close(w, &sf, close(sf.fd), errno);
		}
		for (k = 0; k < nr; k++)
			for (i = 0; i < t[k].n; i++)
				blob_free(&t[k].b[i]);
		return;
	}

	/* a linked chain of pieces of one file, then maybe IORING_OP_CLOSE */
	{
		struct io_uring ring;
		struct io_uring_cqe *cqe;
		double deadline;
		char why[128];
		int err;
		size_t len[MAX_PIECES], off[MAX_PIECES], o = 0;
		long res[MAX_PIECES + 1];
		bool uclose = chance(r, 40);
		struct blob b;
		int n, got = 0;

		pick_blob(r, e, PICK_ANY, &b);
		n = pieces(r, b.size, len, 8, false);
		for (i = 0; i < n; i++) {
			off[i] = o;
			o += len[i];
		}
		if (!sf_open(w, e, chance(r, 50) ? O_NONBLOCK : 0, SF_SINGLE, &sf)) {
			blob_free(&b);
			return;
		}
		if (io_uring_queue_init(16, &ring, 0)) {
			uring_ok = false;
			account_close(w, &sf, close(sf.fd), errno);
			blob_free(&b);
			return;
		}
		for (i = 0; i < n; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			io_uring_prep_write(sqe, sf.fd, b.data + off[i], len[i], (uint64_t)-1);
			if (i < n - 1)
				sqe->flags |= IOSQE_IO_LINK;
			sqe->user_data = i;
			res[i] = -ECANCELED;
		}
		if (!uring_submit(&ring, n, why, sizeof(why))) {
			/* what was not submitted never ran: the upload is lost track of */
			violation(w, "uring", "%s", why);
			sf_lose_track(&sf);
			n = 0;
			uclose = false;
		}
		deadline = now_s() + 30;
		while (got < n) {
			err = uring_next(&ring, &cqe, deadline);
			if (err) {
				if (err == -ETIME) {
					violation(w, "stuck", "io_uring chain of %d pieces on %s/content: piece %d not complete after 30 s",
						  n, ext_name[e], got);
					dump_tasks("an io_uring chain not complete");
				} else {
					violation(w, "uring", "io_uring_wait_cqe_timeout: %s", errname(-err));
				}
				blob_free(&b);
				return;
			}
			if (cqe->user_data < (uint64_t)n)
				res[cqe->user_data] = cqe->res;
			io_uring_cqe_seen(&ring, cqe);
			got++;
		}
		for (i = 0; i < n; i++) {
			if (res[i] == -ECANCELED) {
				outcome(O_CANCELED);
				continue;
			}
			account_write(w, &sf, &b, len[i], res[i] < 0 ? -1 : res[i],
				      res[i] < 0 ? (int)-res[i] : 0);
		}
		if (uclose) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			io_uring_prep_close(sqe, sf.fd);
			if (!uring_submit(&ring, 1, why, sizeof(why))) {
				violation(w, "uring", "%s", why);
				blob_free(&b);
				return;
			}
			err = uring_next(&ring, &cqe, now_s() + 30);
			if (err) {
				violation(w, err == -ETIME ? "stuck" : "uring", "io_uring close of %s/content: %s",
					  ext_name[e], err == -ETIME ? "not complete after 30 s" : errname(-err));
				blob_free(&b);
				return;
			}
			res[n] = cqe->res;
			io_uring_cqe_seen(&ring, cqe);
			account_close(w, &sf, res[n] < 0 ? -1 : 0, res[n] < 0 ? (int)-res[n] : 0);
		}
		io_uring_queue_exit(&ring);
		if (!uclose)
			account_close(w, &sf, close(sf.fd), errno);
		blob_free(&b);
	}
}

/* ---- forked children on one description ------------------------------------------ */

#define CH_MAX		3
#define CH_WRITES	MAX_PIECES

struct cres {
	int n;
	int bi[CH_WRITES];
	size_t off[CH_WRITES], len[CH_WRITES];
	long ret[CH_WRITES];
	int err[CH_WRITES];
	int close_ret, close_err;
};

struct shm {
	struct cres c[CH_MAX + 1];
};

/* forks started and finished: a description open while one ran may be inherited */
static uint64_t forks_started, forks_done;

static pid_t fork_counted(void)
{
	pid_t pid;

	__atomic_add_fetch(&forks_started, 1, __ATOMIC_SEQ_CST);
	pid = fork();
	if (pid != 0)
		__atomic_add_fetch(&forks_done, 1, __ATOMIC_SEQ_CST);
	return pid;
}

/* wait for a child, at most @secs; false if it is still running */
static bool wait_child(pid_t pid, int *status, int secs)
{
	int i;

	for (i = 0; i < secs * 200; i++) {
		pid_t p = waitpid(pid, status, WNOHANG);

		if (p == pid)
			return true;
		if (p < 0 && errno != EINTR)
			return false;
		sleep_us(5000);
	}
	return false;
}

/* in the child: write the given pieces, record each result, close, exit */
static void child_write(struct cres *c, int fd, const struct blob *blobs)
{
	int i;

	for (i = 0; i < c->n; i++) {
		c->ret[i] = write(fd, blobs[c->bi[i]].data + c->off[i], c->len[i]);
		c->err[i] = errno;
	}
	c->close_ret = close(fd);
	c->close_err = errno;
	_exit(0);
}

static void op_fork(struct worker *w, struct rng *r)
{
	int e = rnd(r, NEXT), variant = rnd(r, 3), nch, i, k, status;
	struct blob blobs[2 * CH_MAX + 1];
	int nblobs = 0;
	struct shm *s = w->shm;
	pid_t pid[CH_MAX];
	struct sfile sf;
	size_t len[MAX_PIECES];

	memset(s, 0, sizeof(*s));
	memset(blobs, 0, sizeof(blobs));
	if (variant == 1) {
		/* handoff: the parent begins, one child finishes, in turn */
		size_t first, off;
		int n;

		pick_blob(r, e, PICK_ANY, &blobs[0]);
		nblobs = 1;
		first = 1 + rnd(r, blobs[0].size > 1 ? blobs[0].size - 1 : 1);
		if (first >= blobs[0].size)
			first = blobs[0].size;
		n = pieces(r, blobs[0].size - first, len, 4, false);
		s->c[0].n = n;
		off = first;
		for (i = 0; i < n; i++) {
			s->c[0].bi[i] = 0;
			s->c[0].off[i] = off;
			s->c[0].len[i] = len[i];
			off += len[i];
		}
		if (sf_open(w, e, 0, SF_SINGLE, &sf)) {
			single_write(w, &sf, &blobs[0], 0, first);
			pid[0] = fork_counted();
			if (pid[0] == 0)
				child_write(&s->c[0], sf.fd, blobs);
			if (pid[0] < 0) {
				violation(w, "fork", "fork: %s", errname(errno));
			} else if (!wait_child(pid[0], &status, STUCK_SECS)) {
				violation(w, "stuck", "upload-fork child %d still running after %d s",
					  pid[0], STUCK_SECS);
			} else {
				for (i = 0; i < s->c[0].n; i++)
					account_write(w, &sf, &blobs[0], s->c[0].len[i], s->c[0].ret[i],
						      s->c[0].err[i]);
				account_close_copy(w, &sf, s->c[0].close_ret, s->c[0].close_err);
			}
			account_close(w, &sf, close(sf.fd), errno);
		}
		blob_free(&blobs[0]);
		return;
	}
	/* whole files from every child (and the parent); variant 2: one
	 * child only closes its copy and exits at once */
	nch = 1 + rnd(r, CH_MAX);
	for (k = 0; k < nch; k++) {
		s->c[k].n = variant == 2 && k == 0 ? 0 : 1 + rnd(r, 2);
		for (i = 0; i < s->c[k].n; i++) {
			pick_blob(r, e, PICK_WHOLE, &blobs[nblobs]);
			s->c[k].bi[i] = nblobs;
			s->c[k].len[i] = blobs[nblobs].size;
			nblobs++;
		}
	}
	pick_blob(r, e, PICK_WHOLE, &blobs[nblobs]);
	if (sf_open(w, e, 0, SF_MULTI, &sf)) {
		int started = 0;
		long pret;
		int perr;

		for (k = 0; k < nch; k++) {
			pid[k] = fork_counted();
			if (pid[k] == 0)
				child_write(&s->c[k], sf.fd, blobs);
			if (pid[k] < 0) {
				violation(w, "fork", "fork: %s", errname(errno));
				break;
			}
			started++;
		}
		pret = write(sf.fd, blobs[nblobs].data, blobs[nblobs].size);
		perr = errno;
		for (k = 0; k < started; k++) {
			if (!wait_child(pid[k], &status, STUCK_SECS)) {
				violation(w, "stuck", "upload-fork child %d still running after %d s",
					  pid[k], STUCK_SECS);
				s->c[k].n = 0;
				sf_lose_track(&sf);
			} else if (!WIFEXITED(status)) {
				violation(w, "child-killed", "upload-fork child killed by signal %d",
					  WTERMSIG(status));
				sf_lose_track(&sf);
			}
		}
		for (k = 0; k < started; k++)
			for (i = 0; i < s->c[k].n; i++)
				if ((s->c[k].ret[i] >= 0 && (size_t)s->c[k].ret[i] != s->c[k].len[i]) ||
				    (s->c[k].ret[i] < 0 && (s->c[k].err[i] == ENOMEM || s->c[k].err[i] == EINTR)))
					sf_lose_track(&sf);
		if ((pret >= 0 && (size_t)pret != blobs[nblobs].size) ||
		    (pret < 0 && (perr == ENOMEM || perr == EINTR)))
			sf_lose_track(&sf);
		for (k = 0; k < started; k++) {
			for (i = 0; i < s->c[k].n; i++)
				account_write(w, &sf, &blobs[s->c[k].bi[i]], s->c[k].len[i],
					      s->c[k].ret[i], s->c[k].err[i]);
			account_close_copy(w, &sf, s->c[k].close_ret, s->c[k].close_err);
		}
		account_write(w, &sf, &blobs[nblobs], blobs[nblobs].size, pret, perr);
		account_close(w, &sf, close(sf.fd), errno);
	}
	for (i = 0; i <= nblobs; i++)
		blob_free(&blobs[i]);
}

/* ---- the kill switch, the disable list ---------------------------------------------- */

/*
 * What a write of @word to @e's state file may answer (the kill switch,
 * registry.c): "disable" succeeds (ENODEV once it unregisters); "enable"
 * succeeds, or EPERM (on the disable list), EIO (it faulted), ESHUTDOWN
 * (a task that died inside it holds its lock, or the retained content's
 * handover found it disabled again), ENODEV; a bad word EINVAL.
 */
static void state_result(struct worker *w, int e, unsigned gen, const char *word, ssize_t ret,
			 int err)
{
	bool enable = !strncmp(word, "enable", 6);
	bool good = enable || !strncmp(word, "disable", 7);

	if (good && strlen(word) > 9)
		good = enable = false;
	if (ret == (ssize_t)strlen(word)) {
		outcome(O_STATE_OK);
		if (!good)
			violation(w, "state", "%s/state took '%s'", ext_name[e], word);
		if (enable)
			tally(e, gen, T_E, 0);	/* the retained content handed over again */
	} else if (ret >= 0) {
		violation(w, "state", "%s/state: short write %zd of %zu", ext_name[e], ret, strlen(word));
	} else if (err == EINVAL && !good) {
		outcome(O_STATE_BADWORD);
	} else if (err == EPERM && enable) {
		outcome(O_STATE_VETO);
	} else if (err == EIO && enable && fault_injected(e, gen)) {
		outcome(O_STATE_FAULTED);
	} else if (err == ESHUTDOWN && enable) {
		outcome(O_STATE_SHUTDOWN);
	} else if (err == ENOMEM && enable) {
		/* the handover: the extension refused it (counted) or not */
		tally(e, gen, T_U, 0);
	} else if (err == ENODEV && good) {
		outcome(O_STATE_GONE);
	} else if (err == EINTR && enable) {
		/* waiting for its lock, interrupted (see O_EINTR) */
		outcome(O_EINTR);
	} else {
		violation(w, "errno", "write '%s' to %s/state: %s", word, ext_name[e], errname(err));
	}
}

static const char *pick_state_word(struct rng *r)
{
	static const char *const on[] = { "enable", "enable\n" };
	static const char *const off[] = { "disable", "disable\n" };
	static const char *const bad[] = { "bogus", "ENABLE", "enable-and-more-words" };
	unsigned k = rnd(r, 100);

	return k < 46 ? on[rnd(r, 2)] : k < 88 ? off[rnd(r, 2)] : bad[rnd(r, 3)];
}

static void op_state(struct worker *w, struct rng *r)
{
	int e = rnd(r, NEXT), fd;
	const char *word = pick_state_word(r);
	unsigned gen;
	ssize_t ret;

	fd = ext_open(w, e, "state", chance(r, 30) ? O_RDWR : O_WRONLY, &gen);
	if (fd < 0)
		return;
	ret = write(fd, word, strlen(word));
	state_result(w, e, gen, word, ret, errno);
	if (close(fd))
		violation(w, "close", "close %s/state: %s", ext_name[e], errname(errno));
}

static void op_disable(struct worker *w, struct rng *r)
{
	char list[2048];
	unsigned kind = rnd(r, 100);
	bool valid = true;
	int fd, i, n;
	ssize_t ret;

	list[0] = '\0';
	if (kind < 40) {
		if (chance(r, 50))
			strcpy(list, "\n");
	} else if (kind < 65) {
		const char *nm = ext_name[rnd(r, NEXT)];

		snprintf(list, sizeof(list), "%s", nm);
		if (chance(r, 30))
			for (i = 0; list[i]; i++)
				if (list[i] == '_')
					list[i] = '-';
		if (chance(r, 50))
			strcat(list, "\n");
	} else if (kind < 80) {
		snprintf(list, sizeof(list), "%s,bh_nonexistent,%s,", ext_name[rnd(r, NEXT)],
			 ext_name[rnd(r, NEXT)]);
	} else if (kind < 90) {
		/* 33 names, one more than the shim keeps */
		valid = false;
		for (i = 0, n = 0; i < 33; i++)
			n += snprintf(list + n, sizeof(list) - n, "%sbh_x%d", i ? "," : "", i);
	} else {
		/* a name of 32 characters, one more than a name may have */
		valid = false;
		snprintf(list, sizeof(list), "bh_noop,bh_%s", "abcdefghijklmnopqrstuvwxyzabc");
	}
	fd = open(BH "/disable", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENODEV)
			outcome(O_OPEN_ABSENT);
		else
			violation(w, "open", "open %s/disable: %s", BH, errname(errno));
		return;
	}
	ret = write(fd, list, strlen(list));
	if (ret == (ssize_t)strlen(list) && valid) {
		outcome(O_DISABLE_OK);
	} else if (ret < 0 && errno == EINVAL && !valid) {
		outcome(O_DISABLE_BAD);
	} else if (ret == 0 && !list[0]) {
		outcome(O_DISABLE_OK);	/* an empty write: nothing to do */
	} else {
		violation(w, "disable", "write '%.60s' to disable: %zd (%s)", list, ret,
			  ret < 0 ? errname(errno) : "ok");
	}
	close(fd);
}

/* ---- modules --------------------------------------------------------------------------- */

static int do_insmod(const char *name, const char *params)
{
	char path[PATH_MAX];
	int fd, ret, err;

	snprintf(path, sizeof(path), "%s/%s.ko", moddir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("%s: cannot open the module: %s", path, strerror(errno));
	/* (its waits are interruptible, by io_uring's task work too) */
	ret = syscall(SYS_finit_module, fd, params, 0);
	while (ret && errno == EINTR) {
		ret = syscall(SYS_finit_module, fd, params, 0);
		/* the interrupted one may have loaded it after all */
		if (ret && errno == EEXIST && strcmp(name, "bulkhead"))
			ret = 0;
	}
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

static int do_rmmod(const char *name)
{
	int ret;

	/* (module_mutex is taken interruptibly, by io_uring's task work too) */
	ret = syscall(SYS_delete_module, name, O_NONBLOCK);
	while (ret && errno == EINTR) {
		ret = syscall(SYS_delete_module, name, O_NONBLOCK);
		/* the interrupted one may have removed it after all */
		if (ret && errno == ENOENT)
			ret = 0;
	}
	return ret;
}

/*
 * rmmod an extension (caller holds its write lock): a callback in
 * progress pins the module for a moment (EBUSY/EAGAIN), so retry for up
 * to a second; an open file of it never should keep it.
 */
static bool ext_rmmod(struct worker *w, int e)
{
	int i;

	for (i = 0; i < 50; i++) {
		if (do_rmmod(ext_name[e]) == 0) {
			exts[e].loaded = false;
			outcome(O_RMMOD_OK);
			return true;
		}
		if (errno != EAGAIN && errno != EBUSY)
			break;
		sleep_us(20000);
	}
	if (errno == EAGAIN || errno == EBUSY)
		outcome(O_RMMOD_BUSY);
	else
		violation(w, "rmmod", "rmmod %s: %s", ext_name[e], errname(errno));
	return false;
}

/* insmod an extension (caller holds its write lock) */
static bool ext_insmod(struct worker *w, int e, bool fail_init)
{
	if (do_insmod(ext_name[e], fail_init ? "fail_init=1" : "") == 0) {
		if (fail_init)
			violation(w, "insmod", "%s with fail_init=1 loaded", ext_name[e]);
		exts[e].loaded = true;
		exts[e].gen++;
		tally_reset(e);
		outcome(O_INSMOD_OK);
		return true;
	}
	switch (errno) {
	case EPERM:
		outcome(O_INSMOD_VETO);		/* on the disable list */
		break;
	case ENOENT:
	case EBUSY:
		outcome(O_INSMOD_NOSHIM);	/* the shim is out, or on its way in or out */
		break;
	case EIO:
		if (fail_init) {
			outcome(O_INSMOD_FAILINIT);
			break;
		}
		/* fall through */
	default:
		violation(w, "insmod", "insmod %s%s: %s", ext_name[e], fail_init ? " fail_init=1" : "",
			  errname(errno));
		break;
	}
	return false;
}

static void op_churn(struct worker *w, struct rng *r)
{
	int e = rnd(r, NEXT);
	bool reload = chance(r, 75), fail_init = e == X_LEAKY && chance(r, 25);

	pthread_rwlock_wrlock(&exts[e].lock);
	if (exts[e].loaded) {
		if (ext_rmmod(w, e) && reload)
			ext_insmod(w, e, fail_init);
	} else {
		ext_insmod(w, e, fail_init);
	}
	pthread_rwlock_unlock(&exts[e].lock);
}

static void holds_close_all(struct worker *w);

static long hammer_opens, hammer_gone;

static bool shim_insmod(struct worker *w)
{
	if (do_insmod("bulkhead", "") == 0) {
		outcome(O_SHIM_INSMOD_OK);
		return true;
	}
	if (errno == EEXIST) {
		outcome(O_SHIM_INSMOD_EXIST);
		return true;
	}
	if (errno == EBUSY) {
		/* another thread's rmmod of it has not finished (the kernel
		 * does not wait for a module that is going) */
		outcome(O_SHIM_INSMOD_BUSY);
		return false;
	}
	violation(w, "shim-insmod", "insmod bulkhead: %s", errname(errno));
	return false;
}

struct hammer {
	struct worker *w;
	struct rng r;
	bool stop;
	long opens, absent, gone;
};

/* open, read and close the global files until told to stop */
static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	char path[PATH_MAX], buf[TEXT_MAX];
	const char *file;
	ssize_t n;
	int fd;

	while (!__atomic_load_n(&h->stop, __ATOMIC_SEQ_CST)) {
		file = global_files[rnd(&h->r, 3)];
		snprintf(path, sizeof(path), BH "/%s", file);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		h->opens++;
		if (fd < 0) {
			if (errno == ENOENT)
				h->absent++;
			else if (errno == ENODEV)
				h->gone++;	/* the shim on its way out */
			else
				violation(h->w, "open", "open %s during rmmod bulkhead: %s", path,
					  errname(errno));
		} else {
			n = read_all(fd, buf, sizeof(buf), &h->r);
			if (n < 0)
				violation(h->w, "read", "read %s during rmmod bulkhead: %s", path,
					  errname(errno));
			else
				check_global_text(h->w, file, buf, n);
			close(fd);
		}
		/* gaps, or rmmod would never find the shim unused */
		sleep_us(rnd(&h->r, 1500));
	}
	return NULL;
}

/*
 * Every extension out, the shim out (retried while anything has a file of
 * it open) and in again, extensions back.  A hammer thread keeps opening
 * the global files all along: its opens race with the shim's unload.
 */
static void shim_cycle(struct worker *w, struct rng *r)
{
	struct hammer hm = { .w = w };
	bool out = false;
	pthread_t hth;
	int e, i;

	rng_init(&hm.r, rng_next(r));
	if (pthread_create(&hth, NULL, hammer_main, &hm))
		die("shim cycle: pthread_create: %s", strerror(errno));
	__atomic_store_n(&drain, true, __ATOMIC_SEQ_CST);
	holds_close_all(w);
	sleep_us(50000);
	for (e = 0; e < NEXT; e++)
		pthread_rwlock_wrlock(&exts[e].lock);
	for (e = 0; e < NEXT; e++)
		if (exts[e].loaded)
			ext_rmmod(w, e);
	for (i = 0; i < 150; i++) {
		if (do_rmmod("bulkhead") == 0 || errno == ENOENT) {
			out = true;
			break;
		}
		if (errno != EAGAIN && errno != EBUSY) {
			violation(w, "shim-rmmod", "rmmod bulkhead: %s", errname(errno));
			break;
		}
		sleep_us(20000);
	}
	if (out) {
		outcome(O_SHIM_CYCLE);
		sleep_us(rnd(r, 100000));
		for (i = 0; i < 20 && !shim_insmod(w); i++)
			sleep_us(100000);
		if (i == 20)
			violation(w, "shim-insmod", "insmod bulkhead: failed for 2 s after the shim went out");
	} else {
		outcome(O_SHIM_CYCLE_BUSY);
	}
	for (e = 0; e < NEXT; e++)
		if (!exts[e].loaded && chance(r, 90))
			ext_insmod(w, e, false);
	for (e = NEXT - 1; e >= 0; e--)
		pthread_rwlock_unlock(&exts[e].lock);
	__atomic_store_n(&drain, false, __ATOMIC_SEQ_CST);
	__atomic_store_n(&hm.stop, true, __ATOMIC_SEQ_CST);
	pthread_join(hth, NULL);
	__atomic_add_fetch(&hammer_opens, hm.opens, __ATOMIC_RELAXED);
	__atomic_add_fetch(&hammer_gone, hm.gone, __ATOMIC_RELAXED);
}

static void op_shim(struct worker *w, struct rng *r)
{
	unsigned kind = rnd(r, 3);
	double now = now_s();
	bool cycle = false;

	pthread_mutex_lock(&cycle_mu);
	if (now - last_cycle >= SHIM_CYCLE_EVERY) {
		last_cycle = now;
		cycle = true;
	}
	pthread_mutex_unlock(&cycle_mu);
	if (cycle) {
		shim_cycle(w, r);
	} else if (kind == 0) {
		shim_insmod(w);
	} else if (do_rmmod("bulkhead") == 0) {
		/* nothing was loaded and nothing open: it is out now */
		outcome(O_SHIM_RMMOD_OK);
	} else if (errno == EAGAIN || errno == EBUSY) {
		outcome(O_SHIM_RMMOD_BUSY);
	} else if (errno == ENOENT) {
		outcome(O_SHIM_RMMOD_ABSENT);
	} else {
		violation(w, "shim-rmmod", "rmmod bulkhead: %s", errname(errno));
	}
}

/* ---- descriptors held across operations -------------------------------------------- */

enum { H_CONTENT, H_STATE, H_RO, H_GLOBAL };

static void hold_close(struct worker *w, struct hold *h)
{
	if (h->kind == H_CONTENT) {
		account_close(w, h->sf, close(h->fd), errno);
		free(h->sf);
		blob_free(&h->blob);
	} else if (close(h->fd)) {
		violation(w, "close", "close of a held %s: %s", h->file, errname(errno));
	}
	*h = w->hold[--w->nhold];
}

static void holds_close_all(struct worker *w)
{
	while (w->nhold)
		hold_close(w, &w->hold[w->nhold - 1]);
}

static void op_hold(struct worker *w, struct rng *r)
{
	int n = 1 + rnd(r, 3), i;
	unsigned k;

	for (i = 0; i < n && w->nhold < MAX_HOLD; i++) {
		struct hold *h = &w->hold[w->nhold];
		int e = rnd(r, NEXT);

		memset(h, 0, sizeof(*h));
		/* few content descriptors: each one keeps that extension's
		 * content file busy (EBUSY) for everyone else */
		k = rnd(r, 100);
		h->kind = k < 20 ? H_CONTENT : k < 45 ? H_STATE : k < 80 ? H_RO : H_GLOBAL;
		h->ext = e;
		h->left = 1 + rnd(r, 10);
		if (h->kind == H_GLOBAL) {
			char path[PATH_MAX];

			h->file = global_files[rnd(r, 3)];
			snprintf(path, sizeof(path), BH "/%s", h->file);
			h->fd = open(path, O_RDONLY | O_CLOEXEC);
			if (h->fd < 0) {
				if (errno != ENOENT && errno != ENODEV)
					violation(w, "open", "open %s: %s", path, errname(errno));
				continue;
			}
		} else if (h->kind == H_CONTENT) {
			h->file = "content";
			h->sf = calloc(1, sizeof(*h->sf));
			if (!h->sf)
				die("hold: out of memory");
			pick_blob(r, e, PICK_ANY, &h->blob);
			if (!sf_open(w, e, 0, SF_SINGLE, h->sf)) {
				free(h->sf);
				blob_free(&h->blob);
				continue;
			}
			h->fd = h->sf->fd;
			h->gen = h->sf->gen;
			/* a piece now, the rest later (maybe after a reload) */
			if (chance(r, 60)) {
				size_t l = 1 + rnd(r, h->blob.size);

				single_write(w, h->sf, &h->blob, 0, l);
			}
		} else {
			h->file = h->kind == H_STATE ? "state" : ro_files[rnd(r, NRO)];
			h->fd = ext_open(w, e, h->file, h->kind == H_STATE ? O_RDWR : O_RDONLY, &h->gen);
			if (h->fd < 0)
				continue;
		}
		w->nhold++;
	}
}

static void op_use_held(struct worker *w, struct rng *r)
{
	char buf[TEXT_MAX];
	struct hold *h;
	ssize_t n;

	if (!w->nhold)
		return;
	h = &w->hold[rnd(r, w->nhold)];
	switch (h->kind) {
	case H_CONTENT:
		if (h->gen != exts[h->ext].gen)
			outcome(O_HELD_STALE);
		if (h->sf->mode != SF_SINGLE)
			break;
		if (!h->sf->judged && h->sf->pos < h->blob.size) {
			size_t l = h->blob.size - h->sf->pos;

			if (chance(r, 50))
				l = 1 + rnd(r, l);
			single_write(w, h->sf, &h->blob, h->sf->pos, l);
		} else if (h->sf->judged) {
			single_write(w, h->sf, &h->blob, 0, h->blob.size);
		}
		break;
	case H_STATE:
		if (chance(r, 50)) {
			const char *word = pick_state_word(r);

			n = write(h->fd, word, strlen(word));
			state_result(w, h->ext, h->gen, word, n, errno);
			break;
		}
		/* or read it */
		__attribute__((fallthrough));
		/* fall through: read it */
	case H_RO:
		if (lseek(h->fd, 0, SEEK_SET) != 0) {
			violation(w, "read", "lseek 0 of a held %s/%s: %s", ext_name[h->ext], h->file,
				  errname(errno));
			break;
		}
		n = read_all(h->fd, buf, sizeof(buf), r);
		if (n < 0)
			ext_read_failed(w, h->ext, h->gen, h->file, errno);
		else
			check_ext_text(w, h->ext, h->gen, h->file, buf, n);
		break;
	default:
		if (lseek(h->fd, 0, SEEK_SET) != 0) {
			violation(w, "read", "lseek 0 of a held %s: %s", h->file, errname(errno));
			break;
		}
		n = read_all(h->fd, buf, sizeof(buf), r);
		if (n < 0)
			violation(w, "read", "read of a held %s: %s", h->file, errname(errno));
		else
			check_global_text(w, h->file, buf, n);
		break;
	}
}

/* ---- exec, bad opens ----------------------------------------------------------------- */

static void op_exec(struct worker *w, struct rng *r)
{
	static char arg0[] = "true";
	char *argv[] = { arg0, NULL };
	const char *path = chance(r, 70) ? "/bin/true" : "/bin/busybox";
	int status, err;
	pid_t pid;

	__atomic_add_fetch(&forks_started, 1, __ATOMIC_SEQ_CST);
	err = posix_spawn(&pid, path, NULL, NULL, argv, environ);
	__atomic_add_fetch(&forks_done, 1, __ATOMIC_SEQ_CST);
	if (err) {
		violation(w, "exec", "posix_spawn %s: %s", path, errname(err));
		return;
	}
	if (!wait_child(pid, &status, STUCK_SECS))
		violation(w, "stuck", "exec of %s still running after %d s", path, STUCK_SECS);
	else if (WIFSIGNALED(status))
		violation(w, "exec-killed", "exec of %s killed by signal %d (an oops in an event?)",
			  path, WTERMSIG(status));
	else
		outcome(O_EXEC_OK);
}

static void op_bad_open(struct worker *w, struct rng *r)
{
	int e = rnd(r, NEXT), fd;
	unsigned gen;

	if (chance(r, 50)) {
		/* the intake is write-only */
		fd = ext_open(w, e, "content", chance(r, 50) ? O_RDONLY : O_RDWR, &gen);
		if (fd >= 0) {
			violation(w, "bad-open", "%s/content opened for reading", ext_name[e]);
			close(fd);
		}
		return;
	}
	/* root may open a 0444 file for writing; it has no write */
	fd = ext_open(w, e, ro_files[rnd(r, NRO)], O_WRONLY, &gen);
	if (fd < 0)
		return;
	if (write(fd, "1\n", 2) >= 0)
		violation(w, "bad-open", "a write to a read-only file of %s succeeded", ext_name[e]);
	else if (errno == EINVAL)
		outcome(O_BAD_EINVAL);
	else
		violation(w, "errno", "write to a read-only file of %s: %s", ext_name[e], errname(errno));
	close(fd);
}

/* ---- workers ----------------------------------------------------------------------------- */

static int pick_op(struct rng *r)
{
	unsigned total = 0, x, i;

	for (i = 0; i < NOPS; i++)
		total += op_weight[i];
	x = rnd(r, total);
	for (i = 0; i < NOPS; i++) {
		if (x < op_weight[i])
			return i;
		x -= op_weight[i];
	}
	return 0;
}

static void run_op(struct worker *w, int op, struct rng *r)
{
	switch (op) {
	case OP_READ_GLOBAL: op_read_global(w, r); break;
	case OP_READ_EXT: op_read_ext(w, r); break;
	case OP_UPLOAD: op_upload(w, r); break;
	case OP_THREADS: op_threads(w, r); break;
	case OP_URING: op_uring(w, r); break;
	case OP_FORK: op_fork(w, r); break;
	case OP_STATE: op_state(w, r); break;
	case OP_DISABLE: op_disable(w, r); break;
	case OP_CHURN: op_churn(w, r); break;
	case OP_SHIM: op_shim(w, r); break;
	case OP_HOLD: if (!__atomic_load_n(&drain, __ATOMIC_SEQ_CST)) op_hold(w, r); break;
	case OP_USE_HELD: op_use_held(w, r); break;
	case OP_EXEC: op_exec(w, r); break;
	case OP_BAD_OPEN: op_bad_open(w, r); break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int i;

	w->tid = gettid();
	rng_init(&w->rng, seed ^ (0x5851f42d4c957f2dULL * (uint64_t)(w->idx + 1)));
	while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
		int op = pick_op(&w->rng);
		struct rng r;

		rng_init(&r, rng_next(&w->rng));
		pthread_rwlock_rdlock(&world);
		w->opno++;
		w->op_t0 = now_s();
		__atomic_store_n(&w->op, op, __ATOMIC_SEQ_CST);
		/* descriptors held for long enough go; all of them when a
		 * shim cycle wants the shim free */
		for (i = w->nhold - 1; i >= 0; i--)
			if (--w->hold[i].left <= 0 || __atomic_load_n(&drain, __ATOMIC_SEQ_CST))
				hold_close(w, &w->hold[i]);
		run_op(w, op, &r);
		__atomic_add_fetch(&op_n[op], 1, __ATOMIC_RELAXED);
		__atomic_store_n(&w->op, -1, __ATOMIC_SEQ_CST);
		pthread_rwlock_unlock(&world);
	}
	pthread_rwlock_rdlock(&world);
	holds_close_all(w);
	pthread_rwlock_unlock(&world);
	__atomic_store_n(&w->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

/* ---- checks file -------------------------------------------------------------------------- */

static FILE *checks;
static int nchecks_failed;

static void check_line(bool okay, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void check_line(bool okay, const char *name, const char *fmt, ...)
{
	char why[400] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
	}
	if (okay) {
		fprintf(checks, "ok %s\n", name);
	} else {
		nchecks_failed++;
		fprintf(checks, "fail %s %s (seed %" PRIu64 ")\n", name, why, seed);
	}
	fflush(checks);
}

/* ---- reading a file whole (setup, injection, final checks) ------------------------------- */

static bool read_file(const char *path, char *buf, size_t cap)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

static bool ext_file(int e, const char *file, char *buf, size_t cap)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), BH "/extensions/%s/%s", ext_name[e], file);
	return read_file(path, buf, cap);
}

static long long counter(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? atoll(p + strlen(key) + 1) : -1;
}

static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text);
}

/* ---- fault injection (the main thread, every worker paused) ------------------------------- */

static FILE *faults;
static int ninjected;

static void checkpoint_locked(void);

/* a fresh load of @e with content @valid_blob active; its load number */
static bool inject_prepare(struct worker *w, int e, const struct blob **vb)
{
	struct sfile sf;
	int pb;
	struct rng r;

	rng_init(&r, seed ^ (uint64_t)e);
	if (!write_file(BH "/disable", "\n") && !(shim_insmod(w) && write_file(BH "/disable", "\n"))) {
		violation(w, "injection", "cannot clear the disable list: %s", errname(errno));
		return false;
	}
	pthread_rwlock_wrlock(&exts[e].lock);
	if (exts[e].loaded)
		ext_rmmod(w, e);
	if (!exts[e].loaded)
		ext_insmod(w, e, false);
	pthread_rwlock_unlock(&exts[e].lock);
	if (!exts[e].loaded) {
		violation(w, "injection", "%s could not be loaded afresh", ext_name[e]);
		return false;
	}
	if (e == X_EVENTOOPS) {
		pb = inject_blob[e];
	} else {
		pb = pick_valid(&r, e);
	}
	*vb = &pool[pb];
	if (!sf_open(w, e, 0, SF_SINGLE, &sf)) {
		violation(w, "injection", "%s/content: cannot open: %s", ext_name[e], errname(errno));
		return false;
	}
	single_write(w, &sf, *vb, 0, (*vb)->size);
	account_close(w, &sf, close(sf.fd), errno);
	if (!sf.accepted) {
		violation(w, "injection", "%s did not take %s", ext_name[e], (*vb)->name);
		return false;
	}
	return true;
}

/* after the child died: the extension is faulted, counted once, content kept */
static void inject_verify(struct worker *w, int e, int kind, unsigned version, pid_t pid,
			  const char *what)
{
	char buf[512], name[64];
	int status;
	bool died = false;

	if (!wait_child(pid, &status, 30))
		violation(w, "injection", "%s: the child is still running after 30 s", what);
	else if (!WIFSIGNALED(status))
		violation(w, "injection", "%s: the child survived (exit status %d)", what,
			  WEXITSTATUS(status));
	else
		died = true;
	exts[e].inj_gen = exts[e].gen;
	exts[e].inj_kind = kind;
	exts[e].inj_version = version;
	snprintf(name, sizeof(name), "injected-%s", kind == INJ_TAKE ? "take-content" : "event");
	if (!died) {
		check_line(false, name, "%s: the child was not killed", what);
		return;
	}
	fprintf(faults, "%s %s %u\n", ext_name[e], kind == INJ_TAKE ? "take_content" : "event",
		kind == INJ_TAKE ? pool[inject_blob[e]].version : version);
	fflush(faults);
	ninjected++;
	if (!ext_file(e, "state", buf, sizeof(buf)) || strcmp(buf, "faulted\n")) {
		check_line(false, name, "%s: state '%s', want faulted", ext_name[e], buf);
		return;
	}
	if (!ext_file(e, "counters", buf, sizeof(buf)) || counter(buf, "faults") != 1) {
		check_line(false, name, "%s: counters '%s', want faults 1", ext_name[e], buf);
		return;
	}
	if (!ext_file(e, "content_version", buf, sizeof(buf)) || (unsigned)atoi(buf) != version) {
		check_line(false, name, "%s: content_version '%s', want %u kept", ext_name[e], buf,
			   version);
		return;
	}
	check_line(true, name, NULL);
	say("injected a fault into %s (%s): its child was killed, it is faulted, faults 1, content %u kept",
	    ext_name[e], kind == INJ_TAKE ? "take_content" : "handle_event", version);
}

static void inject(struct worker *w, int kind)
{
	int e = kind == INJ_TAKE ? X_TAKEOOPS : X_EVENTOOPS;
	const struct blob *ob = &pool[inject_blob[e]], *vb;
	char printk[64] = "";
	struct timespec ts;
	pid_t pid;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 90;
	if (pthread_rwlock_timedwrlock(&world, &ts)) {
		violation(w, "stuck", "fault injection: the workers did not pause within 90 s");
		check_line(false, kind == INJ_TAKE ? "injected-take-content" : "injected-event",
			   "the workers did not pause");
		return;
	}
	checkpoint_locked();
	/* an oops makes the console verbose (console_verbose()): the
	 * harness's loglevel is put back afterwards, or every line of the
	 * rest of the run crawls through the emulated serial port */
	read_file("/proc/sys/kernel/printk", printk, sizeof(printk));
	if (inject_prepare(w, e, &vb)) {
		if (kind == INJ_TAKE) {
			char path[PATH_MAX];

			snprintf(path, sizeof(path), BH "/extensions/%s/content", ext_name[e]);
			pid = fork_counted();
			if (pid == 0) {
				int fd = open(path, O_WRONLY);

				if (fd >= 0 && write(fd, ob->data, ob->size) >= 0)
					_exit(0);
				_exit(3);
			}
			inject_verify(w, e, kind, vb->version, pid, "take_content oops");
		} else {
			static char arg0[] = ARMED_PATH;
			char *argv[] = { arg0, NULL };

			pid = fork_counted();
			if (pid == 0) {
				execve(ARMED_PATH, argv, environ);
				_exit(3);
			}
			inject_verify(w, e, kind, vb->version, pid, "event oops");
		}
	} else {
		check_line(false, kind == INJ_TAKE ? "injected-take-content" : "injected-event",
			   "could not prepare %s", ext_name[e]);
	}
	if (printk[0] && !write_file("/proc/sys/kernel/printk", printk))
		say("cannot restore the console loglevel '%.20s': %s", printk, strerror(errno));
	pthread_rwlock_unlock(&world);
}

/* ---- the end: counters against the tallies ----------------------------------------------- */

/*
 * The counters of @e's load against what its writers saw (the bounds atop
 * this file).  Every worker is paused (or gone), every descriptor but the
 * held ones closed; a held upload is in neither.  Returns 1 when they
 * agree, 0 with @why when not, -1 when @e is not loaded.
 */
static int counters_agree(int e, char *why, size_t size, char *line, size_t lsize,
			  long long *accepted, long long *refused)
{
	char cnt[512], ver[64], state[64], dir[PATH_MAX];
	struct tally t;
	long long acc, ref, flt;
	unsigned long long v;
	bool inj = fault_injected(e, exts[e].gen);
	struct stat sb;
	size_t n = 0;

	why[0] = '\0';
	snprintf(dir, sizeof(dir), BH "/extensions/%s", ext_name[e]);
	if ((stat(dir, &sb) == 0) != exts[e].loaded) {
		snprintf(why, size, "%s is %sloaded, but its directory %s", ext_name[e],
			 exts[e].loaded ? "" : "not ", exts[e].loaded ? "is missing" : "exists");
		return 0;
	}
	if (!exts[e].loaded)
		return -1;
	if (!ext_file(e, "counters", cnt, sizeof(cnt)) || !ext_file(e, "content_version", ver, sizeof(ver)) ||
	    !ext_file(e, "state", state, sizeof(state))) {
		snprintf(why, size, "%s: a file cannot be read: %s", ext_name[e], errname(errno));
		return 0;
	}
	pthread_mutex_lock(&exts[e].mu);
	t = exts[e].t;
	pthread_mutex_unlock(&exts[e].mu);
	acc = counter(cnt, "accepted");
	ref = counter(cnt, "refused");
	flt = counter(cnt, "faults");
	v = strtoull(ver, NULL, 10);
	state[strcspn(state, "\n")] = '\0';
	*accepted = acc;
	*refused = ref;
#define MISMATCH(...) (n += snprintf(why + n, n < size ? size - n : 0, __VA_ARGS__))
	if (acc < t.a || acc > t.a + t.m + t.e + t.u)
		MISMATCH("accepted %lld not in [%ld, %ld]; ", acc, t.a, t.a + t.m + t.e + t.u);
	if (ref < t.r || ref > t.r + t.m + t.u)
		MISMATCH("refused %lld not in [%ld, %ld]; ", ref, t.r, t.r + t.m + t.u);
	if (acc + ref < t.a + t.r + t.m || acc + ref > t.a + t.r + t.m + t.e + 2 * t.u)
		MISMATCH("accepted+refused %lld not in [%ld, %ld]; ", acc + ref, t.a + t.r + t.m,
			 t.a + t.r + t.m + t.e + 2 * t.u);
	if (flt != (inj ? 1 : 0))
		MISMATCH("faults %lld, want %d; ", flt, inj ? 1 : 0);
	if (inj != !strcmp(state, "faulted"))
		MISMATCH("state %s, but %s fault was injected; ", state, inj ? "a" : "no");
	if (acc == 0 && v != 0)
		MISMATCH("content_version %llu with nothing accepted; ", v);
	if (acc > 0 && !bit(t.versions, v) && !(t.any_version && bit(exts[e].valid, v)) &&
	    !(inj && v == exts[e].inj_version))
		MISMATCH("content_version %llu was never accepted; ", v);
#undef MISMATCH
	snprintf(line, lsize, "%s (load %u): accepted %lld in [%ld, %ld], refused %lld in [%ld, %ld], faults %lld, content %llu, %s",
		 ext_name[e], exts[e].gen, acc, t.a, t.a + t.m + t.e + t.u, ref, t.r, t.r + t.m + t.u,
		 flt, v, state);
	if (n)
		snprintf(why + strlen(why), size - strlen(why), "(%s)", line);
	return n == 0;
}

static void final_ext(int e)
{
	char why[1024], line[400], name[64];
	long long acc, ref;
	int agree = counters_agree(e, why, sizeof(why), line, sizeof(line), &acc, &ref);

	snprintf(name, sizeof(name), "final-%s", ext_name[e]);
	if (agree < 0) {
		say("final %s: not loaded", ext_name[e]);
		return;
	}
	if (agree)
		say("final %s", line);
	check_line(agree, name, "%s", why);
}

/*
 * Every so often, with the workers paused: the counters of every loaded
 * extension against its tally, so that many loads are checked, not only
 * the last.  Caller holds the world lock for writing.
 */
static int ncheckpoints, ncheckpoint_loads, ncheckpoint_bad;
static long long checked_accepted, checked_refused;
static char checkpoint_first[1024];

static void checkpoint_locked(void)
{
	char why[1024], line[400];
	long long acc = 0, ref = 0;
	int e, agree;

	/* a release deferred to a workqueue lands */
	sleep_us(200000);
	ncheckpoints++;
	for (e = 0; e < NEXT; e++) {
		agree = counters_agree(e, why, sizeof(why), line, sizeof(line), &acc, &ref);
		if (agree < 0)
			continue;
		ncheckpoint_loads++;
		checked_accepted += acc;
		checked_refused += ref;
		if (!agree && !ncheckpoint_bad++) {
			snprintf(checkpoint_first, sizeof(checkpoint_first), "%.900s at %.0f s", why,
				 now_s() - t_start);
			say("checkpoint: MISMATCH %s", why);
		}
	}
}

static void checkpoint(struct worker *w)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 90;
	if (pthread_rwlock_timedwrlock(&world, &ts)) {
		violation(w, "stuck", "checkpoint: the workers did not pause within 90 s");
		return;
	}
	checkpoint_locked();
	pthread_rwlock_unlock(&world);
}

/* ---- main ------------------------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "usage: %s --seconds N [--seed S] [--workers W] --fixtures DIR --moddir DIR"
		" --checks FILE --faults FILE\n", prog);
	exit(2);
}

static void summary(double secs)
{
	char line[4096];
	long total = 0;
	int i, n;

	for (i = 0; i < NOPS; i++)
		total += op_n[i];
	say("seed %" PRIu64 ", %.1f s, %d workers, %ld ops (%.1f ops/s)", seed, secs, nworkers, total,
	    secs > 0 ? total / secs : 0.0);
	n = snprintf(line, sizeof(line), "ops:");
	for (i = 0; i < NOPS; i++)
		n += snprintf(line + n, sizeof(line) - n, " %s %ld", op_name[i], op_n[i]);
	say("%s", line);
	say("shim cycles: %ld outcomes, their hammer threads opened the global files %ld times, %ld found the shim going (ENODEV)",
	    outcome_n[O_SHIM_CYCLE] + outcome_n[O_SHIM_CYCLE_BUSY], hammer_opens, hammer_gone);
	n = snprintf(line, sizeof(line), "outcomes:");
	for (i = 0; i < NOUTCOMES; i++)
		if (outcome_n[i])
			n += snprintf(line + n, sizeof(line) - n, " %s %ld", outcome_name[i], outcome_n[i]);
	say("%s", line);
}

int main(int argc, char **argv)
{
	const char *fixtures = NULL;
	struct worker *ws, mainw;
	double seconds = -1, t_inj[2], t_check;
	bool seeded = false, injected[2] = { false, false }, all_done;
	int i, fd;
	pthread_rwlockattr_t ra;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc % 2 == 0)
		usage();
	for (i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = argv[i + 1];
		char *end;

		if (!strcmp(a, "--seconds")) {
			seconds = strtod(v, &end);
			if (*end || seconds < 1)
				die("--seconds %s: want a number of seconds, at least 1", v);
		} else if (!strcmp(a, "--seed")) {
			errno = 0;
			seed = strtoull(v, &end, 0);
			if (*end || errno)
				die("--seed %s: want an unsigned number", v);
			seeded = true;
		} else if (!strcmp(a, "--workers")) {
			nworkers = atoi(v);
			if (nworkers < 1 || nworkers > MAX_WORKERS)
				die("--workers %s: want 1 to %d", v, MAX_WORKERS);
		} else if (!strcmp(a, "--fixtures")) {
			fixtures = v;
		} else if (!strcmp(a, "--moddir")) {
			moddir = v;
		} else if (!strcmp(a, "--checks")) {
			checks_path = v;
		} else if (!strcmp(a, "--faults")) {
			faults_path = v;
		} else {
			usage();
		}
	}
	if (seconds < 0 || !fixtures || !moddir || !checks_path || !faults_path)
		usage();
	if (!seeded) {
		uint32_t s;

		if (getrandom(&s, sizeof(s), 0) != sizeof(s))
			die("getrandom: %s", strerror(errno));
		seed = s ? s : 1;
	}
	say("seed %" PRIu64 " (replay: STRESS_SEED=%" PRIu64 "), %.0f s, %d workers", seed, seed,
	    seconds, nworkers);

	checks = fopen(checks_path, "w");
	if (!checks)
		die("%s: cannot create the checks file: %s", checks_path, strerror(errno));
	faults = fopen(faults_path, "w");
	if (!faults)
		die("%s: cannot create the faults file: %s", faults_path, strerror(errno));
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&world, &ra);
	for (i = 0; i < NEXT; i++) {
		pthread_rwlock_init(&exts[i].lock, &ra);
		pthread_mutex_init(&exts[i].mu, NULL);
	}
	pool_load(fixtures);

	/* the path the armed eventoops rule names: a script that does nothing */
	fd = open(ARMED_PATH, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0 || write(fd, "#!/bin/sh\nexit 0\n", 17) != 17 || close(fd))
		die("%s: cannot create the armed path's script: %s", ARMED_PATH, strerror(errno));

	/* setup: the shim and every extension, the disable list empty */
	memset(&mainw, 0, sizeof(mainw));
	mainw.idx = -1;
	mainw.op = -1;
	if (!shim_insmod(&mainw))
		die("insmod %s/bulkhead.ko failed: %s", moddir, strerror(errno));
	if (!write_file(BH "/disable", "\n"))
		die("%s/disable: cannot clear the disable list: %s", BH, strerror(errno));
	for (i = 0; i < NEXT; i++) {
		pthread_rwlock_wrlock(&exts[i].lock);
		if (!ext_insmod(&mainw, i, false))
			die("insmod %s/%s.ko failed: %s", moddir, ext_name[i], strerror(errno));
		pthread_rwlock_unlock(&exts[i].lock);
	}

	ws = calloc(nworkers, sizeof(*ws));
	if (!ws)
		die("workers: out of memory");
	t_start = now_s();
	t_end = t_start + seconds;
	t_inj[0] = t_start + seconds / 3;
	t_inj[1] = t_start + 2 * seconds / 3;
	last_cycle = t_start;
	t_check = t_start + CHECK_EVERY;
	for (i = 0; i < nworkers; i++) {
		ws[i].idx = i;
		ws[i].op = -1;
		ws[i].shm = mmap(NULL, sizeof(struct shm), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (ws[i].shm == MAP_FAILED)
			die("mmap of the children's result area: %s", strerror(errno));
		if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]))
			die("pthread_create: %s", strerror(errno));
	}

	/* the coordinator: injections on time, progress, stuck workers */
	for (;;) {
		double now = now_s();

		if (now >= t_end)
			break;
		for (i = 0; i < 2; i++)
			if (!injected[i] && now >= t_inj[i]) {
				injected[i] = true;
				inject(&mainw, i == 0 ? INJ_TAKE : INJ_EVENT);
				t_check = now_s() + CHECK_EVERY;
			}
		if (now >= t_check) {
			checkpoint(&mainw);
			t_check = now_s() + CHECK_EVERY;
		}
		for (i = 0; i < nworkers; i++) {
			int op = __atomic_load_n(&ws[i].op, __ATOMIC_SEQ_CST);

			if (op >= 0 && now - ws[i].op_t0 > STUCK_SECS && !ws[i].stuck_told) {
				char path[64], stack[512] = "";

				ws[i].stuck_told = true;
				snprintf(path, sizeof(path), "/proc/self/task/%d/stack", ws[i].tid);
				read_file(path, stack, sizeof(stack));
				for (char *p = stack; *p; p++)
					if (*p == '\n')
						*p = ' ';
				violation(&mainw, "stuck", "worker %d in op %lu (%s) for %.0f s: %s", i,
					  ws[i].opno, op_name[op], now - ws[i].op_t0, stack);
				dump_tasks("a worker stuck");
			}
		}
		if ((long)(now - t_start) / 30 != (long)(now - t_start + 0.2) / 30) {
			long total = 0;

			for (i = 0; i < NOPS; i++)
				total += op_n[i];
			say("%.0f s: %ld ops", now - t_start + 0.2, total);
		}
		sleep_us(200000);
	}
	__atomic_store_n(&stop, true, __ATOMIC_SEQ_CST);
	all_done = false;
	for (i = 0; i < 90 * 5 && !all_done; i++) {
		int k;

		all_done = true;
		for (k = 0; k < nworkers; k++)
			all_done &= __atomic_load_n(&ws[k].done, __ATOMIC_SEQ_CST);
		if (!all_done)
			sleep_us(200000);
	}
	summary(now_s() - t_start);
	check_line(all_done, "workers-finish", "a worker did not finish its operation within 90 s");
	if (!all_done) {
		for (i = 0; i < nworkers; i++)
			if (!ws[i].done)
				say("worker %d still in op %lu (%s)", i, ws[i].opno,
				    ws[i].op >= 0 ? op_name[ws[i].op] : "-");
		fclose(checks);
		fclose(faults);
		/* threads stuck in the kernel: do not wait for them */
		_exit(1);
	}
	for (i = 0; i < nworkers; i++)
		pthread_join(ws[i].th, NULL);

	/* releases deferred to a workqueue (a last close in an exiting task) */
	sleep_us(500000);
	for (i = 0; i < NEXT; i++)
		final_ext(i);
	check_line(ncheckpoint_bad == 0, "checkpoint-counters", "%d of %d loads disagreed, first: %s",
		   ncheckpoint_bad, ncheckpoint_loads, checkpoint_first);
	say("checkpoints: %d, %d loads checked (%lld accepted, %lld refused uploads counted), %d disagreed",
	    ncheckpoints, ncheckpoint_loads, checked_accepted, checked_refused, ncheckpoint_bad);
	check_line(ninjected == 2, "faults-injected", "%d of 2 faults injected", ninjected);
	check_line(uring_ok, "io-uring", "io_uring_queue_init failed: io_uring was not exercised");
	for (i = 0; i < NOPS; i++)
		if (!op_n[i])
			break;
	/* (a run shorter than half a minute may miss the rarest) */
	check_line(i == NOPS || seconds < 30, "every-op-ran", "operation %s never ran",
		   i < NOPS ? op_name[i] : "");
	pthread_mutex_lock(&vmu);
	for (i = 0; i < nvk; i++) {
		char name[64];

		snprintf(name, sizeof(name), "no-%.31s", vk[i].name);
		check_line(false, name, "%ld times, first: %s", vk[i].n, vk[i].first);
	}
	if (!nvk)
		check_line(true, "no-violations", NULL);
	say("violations: %d kinds%s", nvk, nvk ? "" : " (none)");
	for (i = 0; i < nvk; i++)
		say("  %s: %ld, first: %s", vk[i].name, vk[i].n, vk[i].first);
	pthread_mutex_unlock(&vmu);
	say("seed %" PRIu64 ": %s", seed, nchecks_failed ? "FAIL" : "PASS");
	fclose(checks);
	fclose(faults);
	return nchecks_failed ? 1 : 0;
}
