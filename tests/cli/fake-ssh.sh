#!/bin/sh
# fake-ssh.sh HOST COMMAND - ssh as examples/ops/bulkhead-fleet-status
# calls it (BULKHEAD_SSH), for tests/cli/test_ops_cli.sh: "HOST" is the
# directory $FAKE_SSH_ROOT/HOST, whose state/ the test variant of
# bulkheadctl ($FAKE_SSH_BIN) reads as /var/lib/bulkhead, and COMMAND
# runs as ssh runs it, through a shell, with that bulkheadctl first on
# PATH.  A host without a directory is unreachable: exit 255 with ssh's
# message.  A file "output" in the host's directory is what its command
# prints instead (a broken host).  Each run is listed in
# $FAKE_SSH_ROOT/running while it lasts, and the number running then is
# appended to $FAKE_SSH_ROOT/concurrency.
set -u
host=$1
shift
dir=$FAKE_SSH_ROOT/$host
if [ ! -d "$dir" ]; then
	echo "ssh: connect to host $host port 22: Connection refused" >&2
	exit 255
fi
mkdir -p "$FAKE_SSH_ROOT/running"
touch "$FAKE_SSH_ROOT/running/$host"
ls "$FAKE_SSH_ROOT/running" | wc -l >>"$FAKE_SSH_ROOT/concurrency"
[ -n "${FAKE_SSH_DELAY:-}" ] && sleep "$FAKE_SSH_DELAY"
if [ -f "$dir/output" ]; then
	cat "$dir/output"
	rc=0
else
	PATH=$FAKE_SSH_BIN:$PATH BULKHEAD_STATE_DIR=$dir/state \
		BULKHEAD_GUARD_CONF=$dir/guard.conf BULKHEAD_PROC_SYS_KERNEL=$dir/sys \
		BULKHEAD_WATCHDOG_DIR=$dir/watchdog sh -c "$*"
	rc=$?
fi
rm -f "$FAKE_SSH_ROOT/running/$host"
exit $rc
