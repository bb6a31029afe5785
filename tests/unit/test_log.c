// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_log.c - bg_notify(): the loader's READY/STATUS reach systemd's
 * notify socket through libsystemd opened at run time, and nothing is
 * sent (or loaded) without NOTIFY_SOCKET.  The test plays systemd: it
 * binds a datagram socket and reads what arrives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "testutil.h"

struct t {
	char dir[64];
	char path[96];
	int fd;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (!t)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/bh-notify-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->path, sizeof(t->path), "%s/notify", t->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", t->path);
	t->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (t->fd < 0 || bind(t->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	unsetenv("NOTIFY_SOCKET");
	close(t->fd);
	rm_tree(t->dir);
	free(t);
	free_owned();
	return 0;
}

/* what systemd would have received, or "" */
static char *received(struct t *t)
{
	char *buf = own(calloc(1, 4096));
	ssize_t n = recv(t->fd, buf, 4095, 0);

	if (n < 0)
		assert_int_equal(errno, EAGAIN);
	return buf;
}

static void notify_sends_ready_and_status_to_the_notify_socket(void **state)
{
	struct t *t = *state;

	setenv("NOTIFY_SOCKET", t->path, 1);
	bg_notify("STATUS=loading %s and %u extension(s)", "bulkhead", 2u);
	assert_string_equal(received(t), "STATUS=loading bulkhead and 2 extension(s)");
	bg_notify("READY=1\nSTATUS=%s", "boot 7: shim loaded, 2 of 2 extension(s) loaded, 0 failed");
	assert_string_equal(received(t),
			    "READY=1\nSTATUS=boot 7: shim loaded, 2 of 2 extension(s) loaded, 0 failed");
}

static void notify_without_notify_socket_sends_nothing(void **state)
{
	struct t *t = *state;

	unsetenv("NOTIFY_SOCKET");
	bg_notify("READY=1");
	assert_string_equal(received(t), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(notify_sends_ready_and_status_to_the_notify_socket,
						setup, teardown),
		cmocka_unit_test_setup_teardown(notify_without_notify_socket_sends_nothing,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
