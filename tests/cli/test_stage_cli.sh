#!/bin/sh
# test_stage_cli.sh BIN - "bulkheadctl content stage" and bulkhead-load as
# an operator meets them on a machine where the shim is not running (the
# host: no /sys/kernel/security/bulkhead): the schema then comes from the
# extension's configured .schema file, content becomes active for the
# next load, refusals name the reason and change nothing, the store is
# pruned, and the loader refuses a missing or stale boot decision by
# falling back to safe mode.  The shim's side of staging (a live push, its
# refusal) is tested in the VM (tests/vm/scenarios/loader*.sh).
# BIN is the test variants' directory (BUILD/test-bin, `make check-cli`):
# only they honour the BULKHEAD_* paths and clock set here.
set -u
build=$1
ctl=$build/bulkheadctl
load=$build/bulkhead-load
top=$(cd "$(dirname "$0")/../.." && pwd)
fx=$top/tests/vm/fixtures
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; sed 's/^/     /' "$t/err" "$t/out" 2>/dev/null | head -20; }
run() { "$@" >"$t/out" 2>"$t/err"; }
has() { grep -q -- "$1" "$t/out" "$t/err"; }
# jget KEY: the first value of "KEY" in the last status --json
jget() { tr -d ' \n' <"$t/out" | sed -n "s/.*\"name\":\"bh_execwatch\"[^}]*\"$1\":\([0-9]*\).*/\1/p"; }

export BULKHEAD_STATE_DIR=$t/state BULKHEAD_EXTENSIONS_DIR=$t/conf \
	BULKHEAD_PROC_SYS_KERNEL=$t/sys BULKHEAD_PSTORE_DIR=$t/pstore \
	BULKHEAD_WATCHDOG_DIR=$t/watchdog BULKHEAD_CMDLINE=$t/cmdline \
	BULKHEAD_GUARD_CONF=$t/guard.conf BULKHEAD_MODPROBE_DIR=$t/modprobe \
	BULKHEAD_SYSCTL_DIR=$t/sysctl.d BULKHEAD_SECURITYFS_DIR=$t/secfs \
	BULKHEAD_METRICS_DIR=$t/metrics
mkdir -p "$t/conf" "$t/sys/random" "$t/pstore" "$t/watchdog" "$t/state" "$t/metrics"
echo 0 >"$t/sys/panic"
echo 0 >"$t/sys/panic_on_oops"
echo "root=/dev/vda" >"$t/cmdline"
echo 11111111-2222-3333-4444-555555555555 >"$t/sys/random/boot_id"

# content fixtures: v1, v2, v3 and a 21-field one, built by the tool itself
for n in 1 2 3; do
	sed "s/\"content_version\": 1,/\"content_version\": $n,/" "$fx/ew-v1.json" >"$t/v$n.json"
	"$ctl" content build "$t/v$n.json" -o "$t/v$n.bhc" --schema "$fx/execwatch.schema" >/dev/null
done
"$ctl" content build "$fx/ew-bad-field-count.json" -o "$t/bad.bhc" >/dev/null 2>&1
cat >"$t/conf/50-execwatch.conf" <<CONF
[extension]
name = bh_execwatch
schema = $fx/execwatch.schema
CONF

BULKHEAD_NOW=1000 run "$build/bulkhead-guard" boot || bad "guard boot"

run "$ctl" content stage bh_execwatch "$t/v2.bhc"
[ $? = 0 ] && has "content 2 active" && has "not registered with the shim now" &&
	ok "stage without the shim: active for the next load" || bad "stage without the shim"
[ -f "$t/state/content/bh_execwatch/2" ] && cmp -s "$t/v2.bhc" "$t/state/content/bh_execwatch/2" &&
	ok "stage copies the file into the store" || bad "stage copies into the store"
run "$ctl" status --json
[ "$(jget active)" = 2 ] && [ "$(jget pending)" = 0 ] && ok "status: active 2, nothing pending" ||
	bad "status after stage: active '$(jget active)' pending '$(jget pending)'"
grep -qxF 'bulkhead_decisions_total{action="stage"} 1' "$t/metrics/bulkhead.prom" &&
	grep -qxF 'bulkhead_extension_content_version{extension="bh_execwatch",slot="active"} 2' "$t/metrics/bulkhead.prom" &&
	grep -qxF 'bulkhead_extension_content_version{extension="bh_execwatch",slot="lkg"} 0' "$t/metrics/bulkhead.prom" &&
	ok "stage rewrites the metrics: a stage decision, active 2" ||
	bad "metrics after stage: $(cat "$t/metrics/bulkhead.prom" 2>&1)"
grep -q '"action":"stage"' "$t/out" && ok "the stage is a recorded decision" || bad "stage decision"

run "$ctl" content stage bh_execwatch "$t/v1.bhc"
[ $? = 1 ] && has "version 1 is not above the active version 2 (--force stages it anyway)" &&
	[ ! -e "$t/state/content/bh_execwatch/1" ] &&
	ok "older version refused, nothing stored" || bad "older version refused"
run "$ctl" content stage bh_execwatch "$t/v2.bhc"
[ $? = 1 ] && has "version 2 is not above the active version 2" && ok "same version refused" ||
	bad "same version refused"

run "$ctl" content stage bh_execwatch "$t/bad.bhc"
[ $? = 1 ] && has "refused (field-count)" && has "21 fields, schema declares 20" ||
	has "refused (" && ok "invalid content refused with the validator's reason" || bad "invalid content refused"
run "$ctl" status --json
[ "$(jget active)" = 2 ] && ok "a refusal changes nothing" || bad "refusal changed the state"

run "$ctl" content stage bh_nosuch "$t/v3.bhc"
[ $? = 2 ] && has "extension 'bh_nosuch' is not configured" && ok "unknown extension refused" ||
	bad "unknown extension"
run "$ctl" content stage bh_execwatch "$t/missing.bhc"
[ $? = 2 ] && has "missing.bhc: cannot open" && ok "unreadable file refused" || bad "unreadable file"

run "$ctl" content stage bh_execwatch "$t/v1.bhc" --force
[ $? = 0 ] && has "content 1 active" && ok "--force stages an older version" || bad "--force"
run "$ctl" content stage bh_execwatch "$t/v3.bhc"
[ $? = 0 ] && [ -f "$t/state/content/bh_execwatch/3" ] && [ ! -e "$t/state/content/bh_execwatch/2" ] &&
	[ ! -e "$t/state/content/bh_execwatch/1" ] && ok "pruning drops versions nobody may choose" ||
	bad "pruning: $(ls "$t/state/content/bh_execwatch" | tr '\n' ' ')"

# pinned: held as pending
run "$ctl" pin bh_execwatch 3 && sed "s/\"content_version\": 1,/\"content_version\": 4,/" "$fx/ew-v1.json" >"$t/v4.json" &&
	"$ctl" content build "$t/v4.json" -o "$t/v4.bhc" >/dev/null
run "$ctl" content stage bh_execwatch "$t/v4.bhc"
[ $? = 0 ] && has "content 4 pending" && has "pinned to content 3" && ok "pinned: held as pending" ||
	bad "pinned stage"
run "$ctl" status --json
[ "$(jget pending)" = 4 ] && [ "$(jget active)" = 3 ] && ok "status: active 3, pending 4" || bad "pinned status"
run "$ctl" pin bh_execwatch 0
run "$ctl" pin bh_execwatch 1
[ $? = 0 ] && has "content/bh_execwatch/1 is not in the store; the loader will report content-missing" &&
	ok "pinning a version the store does not hold warns" || bad "pin of a pruned version"
run "$ctl" pin bh_execwatch 0

# a bad config file is named with its line; stage still finds the good one
printf '[extension]\nname = bh_other\nfrobnicate = 1\n' >"$t/conf/60-other.conf"
sed "s/\"content_version\": 1,/\"content_version\": 5,/" "$fx/ew-v1.json" >"$t/v5.json"
"$ctl" content build "$t/v5.json" -o "$t/v5.bhc" >/dev/null
run "$ctl" content stage bh_execwatch "$t/v5.bhc"
[ $? = 0 ] && has "60-other.conf: line 3: unknown key 'frobnicate'" && ok "bad config named, others still usable" ||
	bad "bad config during stage"
rm -f "$t/conf/60-other.conf"

# the loader: no decision, or another kernel boot's decision -> safe mode
mv "$t/state/boot.json" "$t/boot.json.saved"
run "$load"
rc=$?
[ $rc = 3 ] && has "booting in safe mode" && ok "loader without boot.json: safe mode, exit 3" ||
	bad "loader without boot.json (exit $rc)"
sed 's/"kernel_boot_id":"[^"]*"/"kernel_boot_id":"99999999-2222-3333-4444-555555555555"/' \
	"$t/boot.json.saved" >"$t/state/boot.json"
run "$load"
rc=$?
[ $rc = 3 ] && has "is stale: it was made in kernel boot 99999999" && ok "stale boot.json refused: safe mode" ||
	bad "stale boot.json (exit $rc)"
# one bad name in the decision's disable list costs only itself, not safe mode
bid=$(sed -n 's/.*"boot_id":\([0-9]*\).*/\1/p' "$t/boot.json.saved")
printf '{"format":1,"boot_id":%s,"kernel_boot_id":"11111111-2222-3333-4444-555555555555",%s}\n' "$bid" \
	'"safe_mode":false,"disable":["\"bh_x\"","bh_execwatch"],"content":[]' >"$t/state/boot.json"
run "$load"
! has "booting in safe mode" && has "boot.json: 'disable' entry 0 '\"bh_x\"' is not an extension name: .*skipped" &&
	has "extension bh_execwatch: not loaded: disabled" &&
	ok "loader skips a bad disable entry, keeps the decision" || bad "loader and a bad disable entry"
# the command line's quotes never reach boot.json: bulkhead.disable="NAME" disables NAME
echo 'root=/dev/vda bulkhead.disable="bh_execwatch"' >"$t/cmdline"
run "$build/bulkhead-guard" shutdown && BULKHEAD_NOW=5000 run "$build/bulkhead-guard" boot && run "$load"
! has "booting in safe mode" && has "extension bh_execwatch: not loaded: disabled" &&
	ok "bulkhead.disable=\"NAME\" reaches the loader as NAME" || bad "quoted bulkhead.disable= to the loader"
echo "root=/dev/vda" >"$t/cmdline"
run "$load" --bogus
[ $? = 2 ] && ok "loader usage error exit 2" || bad "loader usage"

echo "stage-cli: $pass passed, $fail failed"
[ -n "${RESULTS:-}" ] && echo "stage $pass $fail" >>"$RESULTS"
[ "$fail" = 0 ]
