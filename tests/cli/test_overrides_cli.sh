#!/bin/sh
# test_overrides_cli.sh BUILD BIN - the BULKHEAD_* test overrides (paths,
# the clock) exist only in the test variants of the tools (BIN, that is
# BUILD/test-bin, built with -DBULKHEAD_TEST_HOOKS), and even there only
# for a process that gained no privilege (secure_getenv).  The tools as
# `make` builds and `make install` installs them (BUILD) must ignore every
# one of them: their names are not even in the binaries, a read-only
# command reads the real paths whatever the environment says, and a
# decision is stamped with the real time.  Options (--state-dir) still
# move the state.
#
# Safe on any machine: the installed tools run here only `status` against
# the real paths (read-only), and write only under --state-dir in a
# temporary directory; never `bulkhead-guard boot`, which would write
# /proc/sys/kernel and archive /sys/fs/pstore.
set -u
build=$1
bin=$2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$t/err" ] && sed 's/^/     /' "$t/err" 2>/dev/null | head -10; }
skip() { echo "skip $1"; }

# none of the caller's own overrides
for v in $(env | sed -n 's/^\(BULKHEAD_[A-Z_]*\)=.*/\1/p'); do
	unset "$v"
done

# a fake world, recognisable wherever it shows through: a state with
# bh_marker disabled at time 1000, kernel.panic 4242, an armed watchdog
mkdir -p "$t/pstore" "$t/sys/random" "$t/watchdog/watchdog0" "$t/conf" "$t/metrics"
echo 4242 >"$t/sys/panic"
echo 4243 >"$t/sys/panic_on_oops"
echo 11111111-2222-3333-4444-555555555555 >"$t/sys/random/boot_id"
echo active >"$t/watchdog/watchdog0/state"
echo "root=/dev/vda bulkhead.safe_mode=1" >"$t/cmdline"
printf '[policy]\nprobation = 0\n' >"$t/guard.conf"
fake() {
	env BULKHEAD_STATE_DIR="$t/state" BULKHEAD_GUARD_CONF="$t/guard.conf" \
		BULKHEAD_PSTORE_DIR="$t/pstore" BULKHEAD_WATCHDOG_DIR="$t/watchdog" \
		BULKHEAD_CMDLINE="$t/cmdline" BULKHEAD_PROC_SYS_KERNEL="$t/sys" \
		BULKHEAD_EXTENSIONS_DIR="$t/conf" BULKHEAD_METRICS_DIR="$t/metrics" \
		BULKHEAD_NOW=1000 "$@"
}
# at: the time of the last decision in `history --json` on stdin
at() { tr -d ' \n' | sed -n 's/.*"at":\([0-9-]*\),.*/\1/p'; }

# ---- the names -------------------------------------------------------------
# a string the code looks up lives in .rodata (debug info is elsewhere)
rodata() { objcopy -O binary --only-section=.rodata "$1" "$t/rodata" 2>"$t/err" && cat "$t/rodata"; }
if command -v objcopy >/dev/null 2>&1; then
	for b in bulkheadctl bulkhead-guard bulkhead-load; do
		names=$(rodata "$build/$b" | grep -ao 'BULKHEAD_[A-Z_]*' | sort -u | tr '\n' ' ')
		[ -f "$t/rodata" ] && [ -z "$names" ] && ok "$build/$b has no BULKHEAD_* name in it" ||
			bad "$build/$b still looks up: ${names:-(cannot read .rodata)}"
		rm -f "$t/rodata"
		rodata "$bin/$b" | grep -aq BULKHEAD_STATE_DIR && ok "$bin/$b (test variant) has them" ||
			bad "$bin/$b (test variant) lacks BULKHEAD_STATE_DIR"
	done
else
	skip "no objcopy: the tools' strings not checked"
fi

# ---- the test variant honours them (else the checks below prove nothing) ---
fake "$bin/bulkheadctl" disable bh_marker >/dev/null 2>"$t/err" &&
	[ -f "$t/state/state" ] && ok "test variant: BULKHEAD_STATE_DIR moves the state" ||
	bad "test variant: disable into BULKHEAD_STATE_DIR"
grep -q 'extension="bh_marker"} 1' "$t/metrics/bulkhead.prom" 2>/dev/null &&
	ok "test variant: BULKHEAD_METRICS_DIR moves the metrics" || bad "test variant: BULKHEAD_METRICS_DIR"
cp "$t/metrics/bulkhead.prom" "$t/metrics.before"
fake "$bin/bulkheadctl" status --json >"$t/test.json" 2>"$t/err"
grep -q '"panic_timeout":4242' "$t/test.json" && grep -q '"watchdog_armed":true' "$t/test.json" &&
	grep -q bh_marker "$t/test.json" &&
	ok "test variant: status reads BULKHEAD_PROC_SYS_KERNEL, _WATCHDOG_DIR, _STATE_DIR" ||
	bad "test variant: status under the overrides: $(tr -d ' \n' <"$t/test.json" | cut -c1-200)"
[ "$(fake "$bin/bulkheadctl" history --json 2>"$t/err" | at)" = 1000 ] &&
	ok "test variant: BULKHEAD_NOW fixes the clock" || bad "test variant: BULKHEAD_NOW"

# ---- the installed tools ignore them ---------------------------------------
cp "$t/state/state" "$t/state.before"
"$build/bulkheadctl" status --json >"$t/real.json" 2>"$t/real.err"
real_rc=$?
fake "$build/bulkheadctl" status --json >"$t/prod.json" 2>"$t/err"
prod_rc=$?
[ $prod_rc = $real_rc ] && cmp -s "$t/real.json" "$t/prod.json" &&
	! grep -q 'bh_marker\|4242' "$t/prod.json" &&
	ok "installed bulkheadctl status: the overrides change nothing (real state, sysctls, watchdog)" ||
	bad "installed bulkheadctl status follows the overrides: $(diff "$t/real.json" "$t/prod.json" | grep '^>' | tr -d ' \n' | cut -c1-300)"

fake "$build/bulkheadctl" status --json --state-dir "$t/state" >"$t/out" 2>"$t/err"
grep -q bh_marker "$t/out" && ! grep -q '"panic_timeout":4242' "$t/out" &&
	! grep -q '"watchdog_armed":true' "$t/out" &&
	ok "installed bulkheadctl: --state-dir still moves the state, the sysctls stay real" ||
	bad "installed bulkheadctl --state-dir: $(tr -d ' \n' <"$t/out" | cut -c1-200)"

t0=$(date +%s)
fake "$build/bulkheadctl" disable bh_clock --state-dir "$t/prod" >/dev/null 2>"$t/err"
when=$("$build/bulkheadctl" history --json --state-dir "$t/prod" 2>"$t/err" | at)
[ -n "$when" ] && [ "$when" -ge "$t0" ] && [ "$when" -le $(($(date +%s) + 1)) ] &&
	ok "installed bulkheadctl: BULKHEAD_NOW ignored, the decision has the real time" ||
	bad "installed bulkheadctl: decision at '$when' with BULKHEAD_NOW=1000 (real time $t0)"
cmp -s "$t/state.before" "$t/state/state" &&
	ok "installed bulkheadctl: BULKHEAD_STATE_DIR's state untouched" ||
	bad "installed bulkheadctl wrote the state BULKHEAD_STATE_DIR names"
cmp -s "$t/metrics.before" "$t/metrics/bulkhead.prom" &&
	ok "installed bulkheadctl: BULKHEAD_METRICS_DIR's metrics untouched" ||
	bad "installed bulkheadctl wrote the metrics BULKHEAD_METRICS_DIR names"

# ---- even the test variant: not in a process that gained privilege ---------
# nobody running a copy with a file capability: AT_SECURE, so secure_getenv()
# returns nothing; the same copy without the capability is the control
if [ "$(id -u)" = 0 ] && command -v setcap >/dev/null 2>&1 &&
	command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
	chmod 755 "$t"
	cp -r "$t/state" "$t/pub"
	chmod -R a+rX "$t/pub"
	cp "$bin/bulkheadctl" "$t/plainctl"
	cp "$bin/bulkheadctl" "$t/capctl"
	asnobody() {
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
			env BULKHEAD_STATE_DIR="$t/pub" "$@"
	}
	if setcap cap_dac_read_search+ep "$t/capctl" 2>"$t/err"; then
		asnobody "$t/plainctl" status >"$t/plain.out" 2>"$t/err"
		asnobody "$t/capctl" status >"$t/cap.out" 2>"$t/err"
		grep -q bh_marker "$t/plain.out" && ! grep -q bh_marker "$t/cap.out" &&
			ok "test variant with a file capability ignores BULKHEAD_STATE_DIR (secure_getenv)" ||
			bad "test variant, file capability: plain '$(grep -c bh_marker "$t/plain.out")' capability '$(grep -c bh_marker "$t/cap.out")' lines naming bh_marker"
	else
		skip "setcap failed here ($(cat "$t/err")): secure_getenv not checked"
	fi
else
	skip "not root, or no setcap/setpriv: secure_getenv not checked"
fi

echo "overrides-cli: $pass passed, $fail failed"
[ -n "${RESULTS:-}" ] && echo "overrides $pass $fail" >>"$RESULTS"
[ "$fail" = 0 ]
