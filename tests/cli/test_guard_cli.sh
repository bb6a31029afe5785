#!/bin/sh
# test_guard_cli.sh BIN - bulkhead-guard and bulkheadctl's guard commands
# as init scripts and operators use them, against fixture directories
# standing in for /var/lib/bulkhead, /sys/fs/pstore, /proc/sys/kernel and
# /proc/cmdline: exit codes, boot.json, pstore archiving, the ladder seen
# from outside, operator steering, damaged state and config, and the
# systemd units (systemd-analyze verify, where available).
# BIN is the test variants' directory (BUILD/test-bin, `make check-cli`):
# only they honour the BULKHEAD_* paths and clock set here.
set -u
build=$1
guard=$build/bulkhead-guard
ctl=$build/bulkheadctl
top=$(cd "$(dirname "$0")/../.." && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$t/err" ] && sed 's/^/     /' "$t/err" "$t/out" 2>/dev/null | head -20; }

export BULKHEAD_STATE_DIR=$t/state BULKHEAD_PSTORE_DIR=$t/pstore \
	BULKHEAD_WATCHDOG_DIR=$t/watchdog BULKHEAD_CMDLINE=$t/cmdline \
	BULKHEAD_PROC_SYS_KERNEL=$t/sys BULKHEAD_GUARD_CONF=$t/guard.conf \
	BULKHEAD_MODPROBE_DIR=$t/modprobe BULKHEAD_SECURITYFS_DIR=$t/secfs \
	BULKHEAD_SYSCTL_DIR=$t/sysctl.d BULKHEAD_METRICS_DIR=$t/metrics
mkdir -p "$t/pstore" "$t/sys" "$t/watchdog/watchdog0" "$t/metrics"
echo 0 >"$t/sys/panic"
echo 0 >"$t/sys/panic_on_oops"
echo 0 >"$t/watchdog/watchdog0/bootstatus"
echo "root=/dev/vda quiet" >"$t/cmdline"

run() { "$@" >"$t/out" 2>"$t/err"; }
has() { grep -q -- "$1" "$t/out" "$t/err"; }

BULKHEAD_NOW=1000 run "$guard" boot && [ "$(cat "$t/sys/panic")" = 10 ] &&
	[ "$(cat "$t/sys/panic_on_oops")" = 1 ] && ok "first boot makes panics reboot" || bad "first boot makes panics reboot"
grep -q '"boot_id":1' "$t/state/boot.json" && ok "boot.json names boot 1" || bad "boot.json names boot 1"
# systemd-sysctl runs after the guard (it is ordered after
# systemd-modules-load, the guard before): the guard's values must be the
# ones it applies last, over the package's /etc/sysctl.d/90-bulkhead.conf
[ "$(cat "$t/sysctl.d/99-bulkhead-guard.conf" 2>/dev/null | grep -v '^#')" = "kernel.panic = 10
kernel.panic_on_oops = 1" ] && [ "$(ls "$t/sysctl.d")" = 99-bulkhead-guard.conf ] &&
	ok "the guard leaves its kernel values for systemd-sysctl in /run/sysctl.d" ||
	bad "the guard leaves its kernel values for systemd-sysctl in /run/sysctl.d"
run "$ctl" status && has "machine: ok" && has "no watchdog armed" && ok "status ok, warns about the watchdog" || bad "status ok"

# a crash: the shim's line in pstore, then the next boot
printf '<0>[   12.3] bulkhead: fault extension=bh_execwatch op=event content=7\n' >"$t/pstore/dmesg-ramoops-0"
BULKHEAD_NOW=1060 run "$guard" boot && has "disable bh_execwatch" && ok "shim fault disables the extension (no LKG), logged" || bad "shim fault disables"
[ ! -e "$t/pstore/dmesg-ramoops-0" ] && [ -f "$t/state/pstore/boot-1/dmesg-ramoops-0" ] &&
	ok "pstore record archived and erased" || bad "pstore record archived and erased"
grep -q '"bh_execwatch"' "$t/state/boot.json" && ok "boot.json disables it for the loader" || bad "boot.json disables it"
# nothing loads around the guard: modprobe is told too, before anything loads
grep -qx 'blacklist bh_execwatch' "$t/modprobe/bulkhead.conf" &&
	grep -qx 'install bh_execwatch /bin/false' "$t/modprobe/bulkhead.conf" &&
	ok "/run/modprobe.d keeps the disabled extension out" || bad "modprobe.d at boot"
run "$ctl" status; rc=$?
[ $rc = 1 ] && has "DEGRADED" && has "bh_execwatch disabled: failed boot naming bh_execwatch (shim-fault, op event, content 7)" &&
	ok "status degraded, exit 1, names the evidence" || bad "status degraded (rc $rc)"
run "$ctl" status --json; rc=$?
[ $rc = 1 ] && has '"degraded":true' && has '"op":"event"' && has '"action":"disable"' &&
	ok "status --json names extension, op, content and decision" || bad "status --json"
run "$ctl" history && has "failed" && has "shim-fault bh_execwatch" && ok "history shows the failed boot" || bad "history"

# the metrics for node_exporter's textfile collector, rewritten by the guard run
# metric LINE: the metrics file holds LINE exactly
metric() { grep -qxF -- "$1" "$t/metrics/bulkhead.prom"; }
metric 'bulkhead_boots_total 2' && metric 'bulkhead_consecutive_failures 1' &&
	metric 'bulkhead_decisions_total{action="disable"} 1' &&
	metric 'bulkhead_decisions_total{action="rollback"} 0' &&
	metric 'bulkhead_decisions_total{action="safe-mode"} 0' && metric 'bulkhead_safe_mode 0' &&
	metric 'bulkhead_extension_disabled{extension="bh_execwatch"} 1' &&
	metric 'bulkhead_last_decision_timestamp_seconds 1060' &&
	metric '# TYPE bulkhead_decisions_total counter' &&
	[ "$(stat -c %a "$t/metrics/bulkhead.prom")" = 644 ] && [ ! -e "$t/metrics/bulkhead.prom.tmp" ] &&
	ok "guard run writes the metrics: decision counts, disabled extension, mode 0644, no .tmp" ||
	bad "metrics after the guard's disable: $(cat "$t/metrics/bulkhead.prom" 2>&1)"

# operator steering
# enabled again, but the failed boot is not yet followed by a good one;
# at once, through the shim (a stand-in of its securityfs files here)
mkdir -p "$t/secfs/extensions/bh_execwatch"
echo disabled >"$t/secfs/extensions/bh_execwatch/state"
echo "bh_other,bh_execwatch" >"$t/secfs/disable"
run "$ctl" enable bh_execwatch && [ "$(cat "$t/secfs/extensions/bh_execwatch/state")" = enable ] &&
	[ "$(cat "$t/secfs/disable")" = bh_other ] && [ ! -e "$t/modprobe/bulkhead.conf" ] &&
	has "bh_execwatch: enabled now through the shim's kill switch" &&
	ok "enable acts at once: kill switch, disable list, modprobe.d" || bad "enable at once"
run "$ctl" status; rc=$?
[ $rc = 1 ] && ! has "bh_execwatch disabled" && has "1 consecutive failed boot" &&
	ok "enable lifts the disable; a failed boot still shows degraded" || bad "enable"
metric 'bulkhead_extension_disabled{extension="bh_execwatch"} 0' &&
	metric 'bulkhead_decisions_total{action="enable"} 1' &&
	metric 'bulkhead_decisions_total{action="disable"} 1' &&
	ok "bulkheadctl enable rewrites the metrics" || bad "metrics after enable: $(cat "$t/metrics/bulkhead.prom" 2>&1)"
run "$guard" good && run "$ctl" status && has "machine: ok" && ok "good after enable: ok" || bad "good after enable"
metric 'bulkhead_consecutive_failures 0' && ok "good rewrites the metrics" || bad "metrics after good"
# node_exporter not installed: one quiet line, nothing else changes
BULKHEAD_METRICS_DIR=$t/no-such-dir run "$guard" shutdown &&
	has "info: metrics $t/no-such-dir: no such directory" && [ ! -e "$t/no-such-dir" ] &&
	BULKHEAD_NOW=1500 BULKHEAD_METRICS_DIR=$t/no-such-dir run "$guard" boot &&
	ok "no metrics directory: skipped with an info line, exit 0" || bad "no metrics directory"
# an empty setting turns them off
printf '[metrics]\ndir =\n' >"$t/guard.conf"
rm -f "$t/metrics/bulkhead.prom"
run "$guard" good && [ ! -e "$t/metrics/bulkhead.prom" ] && ! has metrics &&
	ok "guard.conf [metrics] dir = (empty): no metrics, not a word" || bad "metrics off"
rm -f "$t/guard.conf"
run "$ctl" pin bh_execwatch 0 && [ -f "$t/metrics/bulkhead.prom" ] || bad "metrics back on"
run "$ctl" pin bh_execwatch 5 && run "$ctl" status --json && has '"pinned":5' && ok "pin" || bad "pin"
run "$ctl" pin bh_execwatch five; [ $? = 2 ] && has "not an unsigned integer" && ok "pin refuses a bad version (exit 2)" || bad "pin bad version"
run "$ctl" enable "bad/name"; [ $? = 2 ] && ok "enable refuses a bad name (exit 2)" || bad "enable bad name"
run "$ctl" disable bh_execwatch && [ "$(cat "$t/secfs/extensions/bh_execwatch/state")" = disable ] &&
	[ "$(cat "$t/secfs/disable")" = bh_other,bh_execwatch ] &&
	grep -qx 'blacklist bh_execwatch' "$t/modprobe/bulkhead.conf" &&
	ok "disable acts at once: kill switch, disable list, modprobe.d" || bad "disable at once"
rm -rf "$t/secfs"
run "$ctl" enable bh_execwatch && has "bh_execwatch: not running now; it loads at the next boot" &&
	run "$ctl" disable bh_execwatch && has "bh_execwatch: not running now; kept out from now on" &&
	ok "no shim loaded: enable and disable say when they act" || bad "no shim: enable/disable"
run "$ctl" reset && run "$ctl" status; [ $? = 1 ] && has "disabled by operator" &&
	ok "reset keeps an operator's disable" || bad "reset keeps operator disable"

# unattributed failures: counted until the threshold
run "$ctl" enable bh_execwatch
for n in 1 2 3; do BULKHEAD_NOW=$((2000 + n)) run "$guard" boot; done
run "$ctl" status; rc=$?
[ $rc = 1 ] && has "consecutive failures 2 (unexplained 2)" && has "2 consecutive failed boots" && ! has "disabled:" &&
	ok "unexplained failures counted, degraded, nothing disabled" || bad "unexplained counted (rc $rc)"
run "$guard" good && run "$ctl" status && has "consecutive failures 0" && ok "good resets the count" || bad "good resets"
run "$guard" shutdown && BULKHEAD_NOW=3000 run "$guard" boot && run "$ctl" history && has "clean-shutdown" &&
	ok "clean shutdown is no failure" || bad "clean shutdown"

# kernel command line overrides reach boot.json, not the state
echo "quiet bulkhead.safe_mode=1 bulkhead.disable=bh_vendor" >"$t/cmdline"
run "$guard" shutdown && run "$guard" boot && grep -q '"safe_mode":true' "$t/state/boot.json" &&
	grep -q '"bh_vendor"' "$t/state/boot.json" && { run "$ctl" status --json; [ $? = 1 ]; } &&
	[ "$(jq .state.safe_mode "$t/out")" = false ] &&
	ok "command line overrides for one boot only" || bad "command line overrides"
# ... and status says what they hold back in this boot, and why
run "$ctl" status; rc=$?
[ $rc = 1 ] && has "DEGRADED" &&
	has "safe mode for this boot: bulkhead.safe_mode on the kernel command line" &&
	has "bh_vendor held back for this boot: bulkhead.disable on the kernel command line" &&
	ok "status names the command line's safe mode and disables (degraded)" ||
	bad "status names the command line's overrides (rc $rc)"
run "$ctl" status --json
[ "$(jq -c .command_line "$t/out")" = '{"safe_mode":true,"disable":["bh_vendor"]}' ] &&
	ok "status --json: command_line" || bad "status --json: command_line"
# read as the kernel reads them: off is off, quotes are stripped, and a bad
# name costs only itself (with a warning), never the rest of the line; in a
# state of their own, so that nothing the ladder did above is in the way
clguard() { run env BULKHEAD_STATE_DIR="$t/cl/state" BULKHEAD_PSTORE_DIR="$t/cl/pstore" "$guard" "$@"; }
mkdir -p "$t/cl/pstore"
echo 'quiet bulkhead.safe_mode=off bulkhead.disable="bh_vendor"' >"$t/cmdline"
clguard boot && grep -q '"safe_mode":false' "$t/cl/state/boot.json" &&
	grep -q '"bh_vendor"' "$t/cl/state/boot.json" && ! grep -q 'bh_vendor\\"' "$t/cl/state/boot.json" &&
	ok "command line: safe_mode=off is off, quoted name unquoted" || bad "command line: off and quotes"
echo "bulkhead.disable=bh_a,xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx,bh_b bulkhead.safe_mode=1" >"$t/cmdline"
clguard shutdown && clguard boot && grep -q '"safe_mode":true' "$t/cl/state/boot.json" &&
	grep -q '"bh_a"' "$t/cl/state/boot.json" && grep -q '"bh_b"' "$t/cl/state/boot.json" &&
	! grep -q 'xxxx' "$t/cl/state/boot.json" && has "bulkhead.disable: name 'x.*(40 characters) longer than 31: skipped" &&
	ok "command line: an overlong name is skipped, the rest applies" || bad "command line: overlong name"
echo "quiet" >"$t/cmdline"

# the RTC is no clock for the ladder: probation and the crash window run on
# CLOCK_BOOTTIME (BULKHEAD_UPTIME in the test variant); here the RTC goes
# back a year between two crashes after good two hours of running apart:
# they are not one failure (on the wall clock the first stayed "recent")
clk() { run env BULKHEAD_STATE_DIR="$t/clk/state" BULKHEAD_PSTORE_DIR="$t/clk/pstore" \
	BULKHEAD_MODPROBE_DIR="$t/clk/modprobe" BULKHEAD_NOW="$1" BULKHEAD_UPTIME="$2" \
	"$guard" "$3"; }
mkdir -p "$t/clk/pstore"
clk 40000000 4 boot && clk 40000300 300 good &&
	grep -q '"uptime":300' "$t/clk/state/state" &&
	ok "test variant: BULKHEAD_UPTIME is the boot's uptime in the state" ||
	bad "test variant: BULKHEAD_UPTIME"
printf '<0>[  400.100000] bulkhead: fault extension=bh_clock op=event content=0\n' >"$t/clk/pstore/dmesg-ramoops-0"
clk 40000500 4 boot && has "1 of 2 within 3600 s of running time" || bad "first crash after good counted"
clk 8000000 300 good
printf '<0>[ 7500.100000] bulkhead: fault extension=bh_clock op=event content=0\n' >"$t/clk/pstore/dmesg-ramoops-0"
clk 8000100 4 boot && has "1 of 2 within 3600 s of running time" && ! has "disable bh_clock" &&
	run env BULKHEAD_STATE_DIR="$t/clk/state" "$ctl" status --json && has '"run_time":7900' &&
	ok "RTC set back a year: a crash two hours of running later counts alone" ||
	bad "RTC set back: crashes after good"

# damaged state: the previous copy is used, and said so
cp "$t/state/state" "$t/good-state"
printf 'garbage' >"$t/state/state"
run "$ctl" status; [ $? -le 1 ] && has "using the previous copy" && ok "damaged state falls back to the previous copy" || bad "damaged state fallback"
printf 'garbage' >"$t/state/state.prev"
run "$ctl" status; [ $? = 3 ] && has "unreadable" && ok "both copies damaged: status exits 3" || bad "both damaged status"
run "$guard" boot && has "both copies damaged, starting afresh" &&
	run "$ctl" history && has "state lost" && ok "boot starts afresh and records the loss" || bad "boot after state loss"
# boot numbers restart at 1 with a fresh state: the new boot 2, cut short
# by a power cut, must not be blamed on an old journal line of a boot 2
# that died inside bh_x's insert (a state of its own, as above)
mkdir -p "$t/lost/state" && printf 'garbage' >"$t/lost/state/state" && printf 'garbage' >"$t/lost/state/state.prev"
echo "2 begin insert bh_x 0" >"$t/lost/state/loader.journal"
lguard() { run env BULKHEAD_STATE_DIR="$t/lost/state" "$guard" "$@"; }
lguard boot && lguard boot && lguard boot && ! has "bh_x" && ! grep -q bh_x "$t/lost/state/state" &&
	[ -f "$t/lost/state/loader.journal.lost" ] &&
	ok "a fresh state does not read the old journal's boots as its own" || bad "old journal after state loss"

# one boot identity: "good" and "shutdown" must be for the boot the guard
# started in this kernel boot; when boot did not run, the state's boot in
# progress is an earlier one that never ended well (a state of its own)
mkdir -p "$t/kb/state" "$t/kb/sys/random"
echo 11111111-1111-1111-1111-111111111111 >"$t/kb/sys/random/boot_id"
kguard() { run env BULKHEAD_STATE_DIR="$t/kb/state" BULKHEAD_PROC_SYS_KERNEL="$t/kb/sys" "$guard" "$@"; }
kguard boot && grep -q '"kernel_id":"11111111-1111-1111-1111-111111111111"' "$t/kb/state/state" &&
	echo 22222222-2222-2222-2222-222222222222 >"$t/kb/sys/random/boot_id" &&
	! kguard good && has "did not run in this one; boot 1 is not marked good" &&
	! grep -q '"good_at":[1-9]' "$t/kb/state/state" && ! kguard shutdown &&
	ok "good and shutdown refuse a boot another kernel boot started" || bad "one boot identity"

# a state that cannot be read is not a damaged one: never started afresh
mv "$t/state" "$t/state-kept" && mkdir -p "$t/state/state" "$t/state/state.prev"
run "$guard" boot; rc=$?
[ $rc = 3 ] && has "unreadable" && ! has "starting afresh" && [ -d "$t/state/state" ] &&
	ok "unreadable (not damaged) state: boot exits 3, nothing started afresh" || bad "unreadable state (rc $rc)"
rm -rf "$t/state" && mv "$t/state-kept" "$t/state"

# a typo in guard.conf never turns a healthy boot into a failure: every
# command runs on the defaults, says so at critical level, status degrades
printf '[policy]\nthreshold = 3\nrollback_after = soon\n' >"$t/guard.conf"
run "$guard" good && has "guard.conf: line 3: \[policy\] rollback_after = 'soon': .*; using the defaults" &&
	run "$guard" shutdown && BULKHEAD_NOW=4000 run "$guard" boot && run "$guard" good &&
	run "$ctl" history && has "clean-shutdown" && ! has "failed boot" &&
	ok "bad config: good, shutdown and boot run on the defaults" || bad "bad config lifecycle"
run "$ctl" reset && run "$ctl" status; rc=$?
[ $rc = 1 ] && has "DEGRADED" && has "line 3: .*; the guard runs on the defaults" &&
	ok "bad config: reset runs, status degraded naming the line" || bad "bad config status (rc $rc)"
rm -f "$t/guard.conf"
run "$ctl" status && has "machine: ok" && ok "config fixed: status ok again" || bad "config fixed"
run "$guard" frobnicate; [ $? = 2 ] && ok "unknown command exit 2" || bad "unknown command"

# every MESSAGE_ID the guard and the loader log has a catalog entry
missing=""
for id in $(sed -n 's/^#define B[GL]_MSGID_[A-Z_]*[[:space:]]*"\([0-9a-f]*\)"/\1/p' "$top/state/log.h"); do
	grep -q "^-- $id\$" "$top/boot-guard/bulkhead.catalog" || missing="$missing $id"
done
[ -z "$missing" ] && [ "$(grep -c '^#define B[GL]_MSGID_' "$top/state/log.h")" -ge 22 ] &&
	ok "every MESSAGE_ID has a catalog entry" || bad "catalog lacks:$missing"

if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$t/units"
	for u in "$top"/boot-guard/systemd/*.service "$top"/boot-guard/systemd/*.timer \
		"$top"/loader/systemd/*.service; do
		sed -e "s|/usr/sbin/bulkhead-guard|$(cd "$build" && pwd)/bulkhead-guard|" \
			-e "s|/usr/sbin/bulkhead-load|$(cd "$build" && pwd)/bulkhead-load|" \
			"$u" >"$t/units/$(basename "$u")"
	done
	systemd-analyze verify "$t"/units/* >"$t/out" 2>"$t/err" && ! grep -q . "$t/err" &&
		ok "systemd units verify" || bad "systemd units verify"
fi

echo "guard-cli: $pass passed, $fail failed"
[ -n "${RESULTS:-}" ] && echo "guard $pass $fail" >>"$RESULTS"
[ "$fail" = 0 ]
