// SPDX-License-Identifier: GPL-2.0
/*
 * bh-race - the VM tests' hostile writer of a bulkhead content file.
 *
 *   bh-race MODE CONTENT FILE [ROUNDS]
 *
 * MODE threads, fork, uring: ROUNDS uploads (default 20) of a file whose
 * header is FILE's with its payload length set to 512 KiB, and whose
 * payload is junk written by many writers at once through ONE open file
 * description: 4 threads, 4 forked children that inherit it (and exit,
 * closing their copies, while the others still write), or 64 io_uring
 * writes in flight (io-wq runs them in parallel).  Every upload must be
 * judged exactly once: one write returns the verdict (EBADMSG: the junk
 * does not match the digest), every later one ENOSPC, and the bytes the
 * successful writes report never exceed the declared size.  Prints one
 * line per round and "bh-race MODE: ROUNDS rounds ok" or the first
 * broken rule.
 *
 * MODE efault: a write whose buffer runs into an unmapped page after 100
 * bytes must return 100 (a short write), after which the rest of FILE
 * completes the upload; prints "efault: short N, then ok" or the errors.
 *
 * MODE put: one write of the whole FILE; prints "put: ok N" or
 * "put: errno N (NAME)", the errno exactly as the kernel returned it.
 *
 * MODE addkey: CONTENT is a keyring's serial number (as /proc/keys shows
 * it, in hex): add FILE to it as an "asymmetric" key with add_key(2),
 * going around the shim's keys file; prints "addkey: ok SERIAL" or
 * "addkey: errno N (NAME)".
 *
 * MODE reread: CONTENT is a file to read and FILE a shell command: read
 * CONTENT, run the command, read again from offset 0 through the same
 * descriptor (pread), and print both texts, each after a "--" line.
 *
 * Exit status 0 when every rule held, 1 when one broke, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HEADER_LEN	160
#define OFF_PAYLOAD_LEN	96
#define PAYLOAD		(512 * 1024)
#define CHUNK		1000
#define WRITERS		4
#define URING_DEPTH	64

struct tally {
	pthread_mutex_t lock;
	long ok_bytes;
	int verdicts;		/* EBADMSG */
	int nospc;
	int other;		/* any other errno: a broken rule */
	int other_errno;
	int bad_count;		/* a write that reported more than it was given */
};

static const char *content;
static unsigned char header[HEADER_LEN];
static char junk[CHUNK];

static void tally_one(struct tally *t, ssize_t ret, int err, size_t count)
{
	pthread_mutex_lock(&t->lock);
	if (ret >= 0) {
		t->ok_bytes += ret;
		if ((size_t)ret > count)
			t->bad_count++;
	} else if (err == EBADMSG) {
		t->verdicts++;
	} else if (err == ENOSPC) {
		t->nospc++;
	} else {
		t->other++;
		t->other_errno = err;
	}
	pthread_mutex_unlock(&t->lock);
}

/* write junk until the upload is judged; @t is shared (threads) or ours */
static void writer(int fd, struct tally *t)
{
	for (;;) {
		ssize_t n = write(fd, junk, sizeof(junk));

		tally_one(t, n, n < 0 ? errno : 0, sizeof(junk));
		if (n < 0)
			break;
	}
}

struct worker {
	int fd;
	struct tally *t;
};

static void *thread_main(void *arg)
{
	struct worker *w = arg;

	writer(w->fd, w->t);
	return NULL;
}

static int open_upload(void)
{
	int fd = open(content, O_WRONLY);

	if (fd < 0) {
		fprintf(stderr, "bh-race: %s: open: %s\n", content, strerror(errno));
		return -1;
	}
	if (write(fd, header, HEADER_LEN) != HEADER_LEN) {
		fprintf(stderr, "bh-race: %s: header write: %s\n", content, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int round_threads(struct tally *t)
{
	pthread_t th[WRITERS];
	struct worker w;
	int fd, i;

	fd = open_upload();
	if (fd < 0)
		return -1;
	w.fd = fd;
	w.t = t;
	for (i = 0; i < WRITERS; i++)
		pthread_create(&th[i], NULL, thread_main, &w);
	for (i = 0; i < WRITERS; i++)
		pthread_join(th[i], NULL);
	close(fd);
	return 0;
}

/* the children report through a shared anonymous mapping */
static int round_fork(struct tally *t)
{
	struct tally *shared;
	pid_t pid[WRITERS];
	int fd, i;

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -1;
	memset(shared, 0, sizeof(*shared));
	{
		pthread_mutexattr_t a;

		pthread_mutexattr_init(&a);
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
		pthread_mutex_init(&shared->lock, &a);
	}
	fd = open_upload();
	if (fd < 0)
		return -1;
	for (i = 0; i < WRITERS; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			/* the first child leaves early: its close is not the last */
			if (i == 0) {
				ssize_t n = write(fd, junk, sizeof(junk));

				tally_one(shared, n, n < 0 ? errno : 0, sizeof(junk));
				_exit(0);
			}
			writer(fd, shared);
			_exit(0);
		}
	}
	for (i = 0; i < WRITERS; i++)
		waitpid(pid[i], NULL, 0);
	close(fd);
	t->ok_bytes = shared->ok_bytes;
	t->verdicts = shared->verdicts;
	t->nospc = shared->nospc;
	t->other = shared->other;
	t->other_errno = shared->other_errno;
	t->bad_count = shared->bad_count;
	munmap(shared, sizeof(*shared));
	return 0;
}

static int round_uring(struct tally *t)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	int fd, i, done = 0, err;

	err = io_uring_queue_init(URING_DEPTH, &ring, 0);
	if (err) {
		fprintf(stderr, "bh-race: io_uring_queue_init: %s\n", strerror(-err));
		return -1;
	}
	fd = open_upload();
	if (fd < 0) {
		io_uring_queue_exit(&ring);
		return -1;
	}
	/* enough writes to pass the end: the first batch of 64 covers 64000 */
	while (!t->verdicts && !t->other && done < 100) {
		for (i = 0; i < URING_DEPTH; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			io_uring_prep_write(sqe, fd, junk, sizeof(junk), 0);
			/* no ordering, no inline attempt: parallel io-wq workers */
			io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
		}
		io_uring_submit(&ring);
		for (i = 0; i < URING_DEPTH; i++) {
			err = io_uring_wait_cqe(&ring, &cqe);
			if (err)
				break;
			tally_one(t, cqe->res < 0 ? -1 : cqe->res,
				  cqe->res < 0 ? -cqe->res : 0, sizeof(junk));
			io_uring_cqe_seen(&ring, cqe);
		}
		done++;
	}
	close(fd);
	io_uring_queue_exit(&ring);
	return 0;
}

static int load_file(const char *path, unsigned char **buf, size_t *len)
{
	struct stat sb;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &sb) < 0) {
		fprintf(stderr, "bh-race: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*len = sb.st_size;
	*buf = malloc(*len + 1);
	if (!*buf || read(fd, *buf, *len) != (ssize_t)*len) {
		fprintf(stderr, "bh-race: %s: short read\n", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int mode_put(const unsigned char *file, size_t len)
{
	int fd = open(content, O_WRONLY);
	ssize_t n;

	if (fd < 0) {
		printf("put: open errno %d (%s)\n", errno, strerror(errno));
		return 1;
	}
	n = write(fd, file, len);
	if (n < 0)
		printf("put: errno %d (%s)\n", errno, strerror(errno));
	else
		printf("put: ok %zd\n", n);
	close(fd);
	return 0;
}

static int mode_addkey(const unsigned char *file, size_t len)
{
	long serial, key;

	serial = strtol(content, NULL, 16);
	key = syscall(SYS_add_key, "asymmetric", NULL, file, len, serial);
	if (key < 0)
		printf("addkey: errno %d (%s)\n", errno, strerror(errno));
	else
		printf("addkey: ok %lx\n", key);
	return 0;
}

static int mode_efault(const unsigned char *file, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *map;
	ssize_t n, m;
	int fd;

	if (len <= 100) {
		printf("efault: %s is too short\n", content);
		return 2;
	}
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || munmap(map + page, page))
		return 1;
	memcpy(map + page - 100, file, 100);
	fd = open(content, O_WRONLY);
	if (fd < 0) {
		printf("efault: open errno %d\n", errno);
		return 1;
	}
	/* 200 bytes asked, the last 100 of them unmapped */
	n = write(fd, map + page - 100, 200);
	if (n != 100) {
		printf("efault: want a short write of 100, got %zd (errno %d %s)\n", n,
		       n < 0 ? errno : 0, n < 0 ? strerror(errno) : "");
		close(fd);
		return 1;
	}
	m = write(fd, file + 100, len - 100);
	if (m != (ssize_t)(len - 100)) {
		printf("efault: the rest: want %zu, got %zd (errno %d %s)\n", len - 100, m,
		       m < 0 ? errno : 0, m < 0 ? strerror(errno) : "");
		close(fd);
		return 1;
	}
	close(fd);
	printf("efault: short %zd, then ok\n", n);
	return 0;
}

static void print_pread(int fd)
{
	char buf[4096];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0) {
		printf("--\nread errno %d (%s)\n", errno, strerror(errno));
		return;
	}
	buf[n] = '\0';
	printf("--\n%s", buf);
}

static int mode_reread(const char *cmd)
{
	int fd = open(content, O_RDONLY);

	if (fd < 0) {
		printf("reread: %s: open errno %d\n", content, errno);
		return 1;
	}
	print_pread(fd);
	fflush(stdout);
	if (system(cmd) != 0)
		printf("reread: '%s' failed\n", cmd);
	print_pread(fd);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode;
	unsigned char *file;
	size_t len;
	int rounds, r;
	uint64_t pl = PAYLOAD;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: bh-race threads|fork|uring|efault|put|addkey|reread CONTENT FILE [ROUNDS]\n");
		return 2;
	}
	mode = argv[1];
	content = argv[2];
	rounds = argc == 5 ? atoi(argv[4]) : 20;
	if (!strcmp(mode, "reread"))
		return mode_reread(argv[3]);
	if (load_file(argv[3], &file, &len))
		return 1;
	if (!strcmp(mode, "put"))
		return mode_put(file, len);
	if (!strcmp(mode, "addkey"))
		return mode_addkey(file, len);
	if (!strcmp(mode, "efault"))
		return mode_efault(file, len);
	if (len < HEADER_LEN)
		return 2;
	memcpy(header, file, HEADER_LEN);
	for (r = 0; r < 8; r++)
		header[OFF_PAYLOAD_LEN + r] = (unsigned char)(pl >> (8 * r));
	memset(junk, 'j', sizeof(junk));

	for (r = 0; r < rounds; r++) {
		struct tally t = { .lock = PTHREAD_MUTEX_INITIALIZER };
		int err;

		if (!strcmp(mode, "threads"))
			err = round_threads(&t);
		else if (!strcmp(mode, "fork"))
			err = round_fork(&t);
		else if (!strcmp(mode, "uring"))
			err = round_uring(&t);
		else
			return 2;
		if (err)
			return 1;
		printf("round %d: %ld bytes taken, %d verdict(s), %d ENOSPC, %d other\n",
		       r, t.ok_bytes, t.verdicts, t.nospc, t.other);
		if (t.verdicts != 1 || t.other || t.bad_count ||
		    t.ok_bytes > PAYLOAD) {
			printf("bh-race %s: round %d broke a rule: verdicts %d (want 1), other errors %d (last errno %d %s), %ld bytes taken of %d\n",
			       mode, r, t.verdicts, t.other, t.other_errno,
			       t.other ? strerror(t.other_errno) : "-", t.ok_bytes, PAYLOAD);
			return 1;
		}
	}
	printf("bh-race %s: %d rounds ok\n", mode, rounds);
	return 0;
}
