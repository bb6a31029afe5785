#!/bin/sh
# endpoint-demo.sh BUILD KVER - the second half of `make demo`: the crash
# loop of July 2024, ended by itself on a Debian 12 endpoint with systemd.
# Boots the endpoint of tests/endpoint/ (built or reused first) through
# its take-oops scenario and tells what happened, from what the run left:
# the serial console, and for each boot `bulkheadctl status --json` and the
# journal (tests/endpoint/README.md).  Needs root (the image build).
set -u
build=$1
kver=$2
top=$(cd "$(dirname "$0")/.." && pwd)
run=$build/endpoint/$kver/runs/take-oops
res=$run/results/out
step() { printf '\n== %s\n' "$*"; }
say() { printf '%s\n' "$*" | fold -s -w 78; }
# field BOOT JQ: from boot BOOT's `bulkheadctl status --json`
field() { jq -r "$2" "$res/boot-$1/status.json" 2>/dev/null; }
ext='.state.extensions[] | select(.name == "bh_takeoops")'
# journal BOOT UNIT: that unit's messages in boot BOOT, with their time
journal() {
	jq -r --arg u "$2" 'select(._SYSTEMD_UNIT == $u) |
		"  [\((.__MONOTONIC_TIMESTAMP | tonumber) / 1e6 | . * 100 | floor / 100) s] \(.MESSAGE)"' \
		"$res/boot-$1/journal.json" 2>/dev/null
}

step "A Debian 12 endpoint: systemd, Debian's $kver kernel, Bulkhead from its .debs"
say "Booting it under qemu (no KVM: about 30 s a boot). The sensor is bh_takeoops, a test extension whose parser crashes on one kind of record that its schema allows: no validator can know every bug."
start=$(date +%s)
if ! sh "$top/tests/endpoint/run.sh" "$build" "$kver" take-oops >"$build/endpoint-demo.log" 2>&1; then
	tail -n 20 "$build/endpoint-demo.log"
	echo "demo: FAILED: the endpoint run did not pass (log $build/endpoint-demo.log)" >&2
	exit 1
fi
took=$(($(date +%s) - start))
# what the image took, if it was built now (the base layer beside the rest)
grep -h '^endpoint-image: .* built in' "$build/endpoint-base.log" "$build/endpoint-demo.log" 2>/dev/null |
	sed 's/^/  /'

step "Before boot 1: content 1 is staged for bh_takeoops"
say "With bulkheadctl content stage, before Bulkhead's units start in boot 1, as a management agent leaves it for the next boot."
step "Boot 1: content 1 runs and is proven good"
say "bulkhead-load pushed content $(field 1 "$ext | .load.version") at $(field 1 "$ext | .load.uptime") s; after probation, boot-complete.target's health checks passed and bulkhead-guard-good marked the boot good: content $(field 1 "$ext | .lkg") is now last-known-good."
step "Boot 1: the vendor's update, content 2, arrives"
say "It is valid by the schema, so the shim hands it over, and bh_takeoops's parser crashes on it. The serial console:"
for p in 'BUG: kernel NULL pointer' 'RIP: .*\[bh_takeoops\]' 'bulkhead: fault extension=' \
	'Kernel panic - not syncing'; do
	grep -a -m 1 -e "$p" "$run/console.log"
done | cut -c1-110 | sed 's/^/  /'
say "Without Bulkhead this is July 2024: the sensor loads content 2 at every boot and crashes again, until someone at the keyboard deletes the file."
step "Boot 2: the guard reads the evidence and rolls back, with nobody at the keyboard"
journal 2 bulkhead-guard.service | cut -c1-200
step "Boot 2 is healthy"
say "bh_takeoops runs content $(field 2 "$ext | .load.version") again; content 2 is refused by staging from now on (it crashed the machine); the boot was marked good through boot-complete.target."
journal 2 bulkhead-load.service | cut -c1-160 | tail -n 3
step "bulkheadctl status, on the endpoint after boot 2"
sed -n 's/^.*bh-endpoint:   status: /  /p' "$run/console.log" | tail -n 12
qemu=$(sed -n 's/.*: qemu ran \([0-9]*\)s.*/\1/p' "$build/endpoint-demo.log" | tail -n 1)
printf '\ndemo: crash loop ended by itself: 1 crash, %s boots, %s s of qemu (run log %s)\n' \
	"$(cat "$run/results/state/boots")" "${qemu:-$took}" "$build/endpoint-demo.log"
