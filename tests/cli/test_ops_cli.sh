#!/bin/sh
# test_ops_cli.sh BIN - examples/ops/bulkhead-fleet-status against a fleet
# of fake hosts: BULKHEAD_SSH is tests/cli/fake-ssh.sh, which runs the real
# `bulkheadctl status --json` (the test variant in BIN, BUILD/test-bin)
# against each host's own state directory, made by the real bulkhead-guard
# and bulkheadctl: one healthy host, one in safe mode, one with an
# extension disabled, one failing its boots, one with a damaged state, one
# printing garbage, one unreachable.  The exact lines, their order, the
# exit codes, usage errors and the bound on parallel jobs.
set -u
build=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
fleet=$top/examples/ops/bulkhead-fleet-status
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; sed 's/^/     /' "$t/out" "$t/err" 2>/dev/null | head -20; }
run() { "$@" >"$t/out" 2>"$t/err"; }

if ! command -v python3 >/dev/null 2>&1; then
	echo "FAIL python3 missing (make deps installs it)"
	echo "ops-cli: 0 passed, 1 failed"
	[ -n "${RESULTS:-}" ] && echo "ops 0 1" >>"$RESULTS"
	exit 1
fi

r=$t/hosts
export FAKE_SSH_ROOT=$r FAKE_SSH_BIN=$(cd "$build" && pwd)
export BULKHEAD_SSH="sh $top/tests/cli/fake-ssh.sh"
unset BULKHEAD_REMOTE_CMD FAKE_SSH_DELAY

# on HOST, the test variant of TOOL with that host's paths
on() {
	h=$1
	shift
	env BULKHEAD_STATE_DIR="$r/$h/state" BULKHEAD_PSTORE_DIR="$r/$h/pstore" \
		BULKHEAD_WATCHDOG_DIR="$r/$h/watchdog" BULKHEAD_CMDLINE="$r/$h/cmdline" \
		BULKHEAD_PROC_SYS_KERNEL="$r/$h/sys" BULKHEAD_GUARD_CONF="$r/$h/guard.conf" \
		BULKHEAD_MODPROBE_DIR="$r/$h/modprobe" BULKHEAD_SECURITYFS_DIR="$r/$h/secfs" \
		BULKHEAD_METRICS_DIR="$r/$h/metrics" BULKHEAD_NOW=1795000000 \
		"$build/$@" >>"$r/$h.log" 2>&1
}
mkhost() {
	mkdir -p "$r/$1/pstore" "$r/$1/sys" "$r/$1/watchdog"
	echo quiet >"$r/$1/cmdline"
	echo 10 >"$r/$1/sys/panic"
	echo 1 >"$r/$1/sys/panic_on_oops"
}

# web-1: booted, good
mkhost web-1
on web-1 bulkhead-guard boot && on web-1 bulkhead-guard good
# web-2: the shim's insert began and never ended: safe mode (then good)
mkhost web-2
on web-2 bulkhead-guard boot && echo "1 begin insert bulkhead 0" >"$r/web-2/state/loader.journal" &&
	on web-2 bulkhead-guard boot && on web-2 bulkhead-guard good
# web-3: an operator disabled an extension
mkhost web-3
on web-3 bulkhead-guard boot && on web-3 bulkhead-guard good && on web-3 bulkheadctl disable bh_execwatch
# web-4: unreachable (no directory)
# web-5: two boots that never reached good
mkhost web-5
on web-5 bulkhead-guard boot && on web-5 bulkhead-guard boot && on web-5 bulkhead-guard boot
# web-6: both copies of the state damaged
mkhost web-6
mkdir -p "$r/web-6/state"
printf 'garbage' >"$r/web-6/state/state"
printf 'garbage' >"$r/web-6/state/state.prev"
# web-7: prints what is no status
mkhost web-7
printf 'Welcome to web-7!\n' >"$r/web-7/output"
# web-8: healthy, with an extension running content it took
mkhost web-8
on web-8 bulkhead-guard boot && on web-8 bulkhead-guard good && on web-8 bulkheadctl pin bh_execwatch 3
[ -d "$r/web-2/state" ] && [ -d "$r/web-3/state" ] && [ -d "$r/web-8/state" ] &&
	ok "fleet set up by the real tools" || bad "fleet setup: $(cat "$r"/*.log)"

printf '%s\n' \
	'web-2: safe mode' \
	'web-3: disabled: bh_execwatch' \
	'web-4: unreachable: ssh: connect to host web-4 port 22: Connection refused' \
	'web-5: consecutive failures: 2' >"$t/want"
run "$fleet" -j 3 web-1 web-2 web-3 web-4 web-5 web-6 web-7 web-8; rc=$?
# the damaged state's message comes from bulkheadctl; its start is stable
sed -n 5p "$t/out" | grep -q '^web-6: unparseable output (exit 3): bulkheadctl: error: state .*/web-6/state: unreadable: ' &&
	sed -n 6p "$t/out" | grep -qx 'web-7: unparseable output (exit 0): not JSON: Welcome to web-7!' &&
	[ "$(sed -n '1,4p' "$t/out")" = "$(cat "$t/want")" ] && [ "$(wc -l <"$t/out")" = 6 ] &&
	[ $rc = 1 ] && [ ! -s "$t/err" ] &&
	ok "one line per degraded host, in the hosts' order, nothing for healthy ones, exit 1" ||
	bad "fleet (rc $rc)"

run "$fleet" web-1 web-8; rc=$?
[ $rc = 0 ] && [ ! -s "$t/out" ] && [ ! -s "$t/err" ] &&
	ok "healthy hosts: no output, exit 0" || bad "healthy hosts (rc $rc)"

# from a file, with comments and blank lines, and from arguments; each once
printf '# the web tier\nweb-1\n\nweb-3  # disabled\nweb-1\n' >"$t/list"
run "$fleet" -f "$t/list" web-4; rc=$?
[ $rc = 1 ] && [ "$(cat "$t/out")" = "$(printf '%s\n' \
	'web-4: unreachable: ssh: connect to host web-4 port 22: Connection refused' \
	'web-3: disabled: bh_execwatch')" ] &&
	ok "hosts from a file and arguments, each asked once" || bad "host file (rc $rc)"
printf 'web-3\n' | run "$fleet" -f -; rc=$?
[ $rc = 1 ] && [ "$(cat "$t/out")" = 'web-3: disabled: bh_execwatch' ] &&
	ok "hosts from standard input" || bad "host list on stdin (rc $rc)"

# the remote command can be changed (sudo on a login that is not root)
BULKHEAD_REMOTE_CMD="echo '{}'" run "$fleet" web-1; rc=$?
[ $rc = 1 ] && grep -qx 'web-1: unparseable output (exit 0): not bulkheadctl status --json format 1' "$t/out" &&
	ok "BULKHEAD_REMOTE_CMD replaces the remote command" || bad "BULKHEAD_REMOTE_CMD (rc $rc)"

# never more than --jobs at once, and more than one when allowed
: >"$r/concurrency"
FAKE_SSH_DELAY=1 run "$fleet" -j 2 web-1 web-2 web-3 web-5 web-6 web-8; rc=$?
max=$(sort -n "$r/concurrency" | tail -n 1)
[ $rc = 1 ] && [ "$(wc -l <"$r/concurrency")" = 6 ] && [ "$max" = 2 ] &&
	ok "at most --jobs hosts at once (2 of 6, each taking a second)" ||
	bad "jobs: $(tr '\n' ' ' <"$r/concurrency") (rc $rc)"

# a host that does not answer in time is unreachable
FAKE_SSH_DELAY=5 run "$fleet" -t 0.5 web-1; rc=$?
[ $rc = 1 ] && grep -qx 'web-1: unreachable: no answer within 0.5 s' "$t/out" &&
	ok "--timeout: a host that does not answer is unreachable" || bad "timeout (rc $rc)"

# a host name never becomes an option of ssh; every usage error exits 2
for args in "" "-j 0 web-1" "-t 0 web-1" "--frobnicate web-1" "-f $t/none" "-- -oProxyCommand=x" \
	"-- web-1 we\\ b"; do
	eval "run \"\$fleet\" $args"; rc=$?
	if [ $rc != 2 ] || [ -s "$t/out" ] || ! grep -q 'usage:' "$t/err"; then
		bad "usage error exits 2: '$args' (rc $rc)"
		continue
	fi
	ok "usage error exits 2: '$args'"
done
BULKHEAD_SSH='ssh "unclosed' run "$fleet" web-1; rc=$?
[ $rc = 2 ] && grep -q 'BULKHEAD_SSH' "$t/err" && ok "a BULKHEAD_SSH that is no word list: exit 2" ||
	bad "bad BULKHEAD_SSH (rc $rc)"

echo "ops-cli: $pass passed, $fail failed"
[ -n "${RESULTS:-}" ] && echo "ops $pass $fail" >>"$RESULTS"
[ "$fail" = 0 ]
