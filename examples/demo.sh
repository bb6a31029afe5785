#!/bin/sh
# demo.sh BULKHEADCTL - the July-2024 failure, refused before any parser
# sees it.  A sensor's schema declares template 291 with 20 fields; the
# vendor's update v2 carries a record with 21.  Bulkhead accepts v1 and
# refuses v2 with the exact reason, so the previous content stays active.
set -u
ctl=${1:-build/bulkheadctl}
here=$(dirname "$0")/july2024
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; rc=$?; printf '(exit %d)\n' "$rc"; return 0; }

step "The sensor declares its content schema: template 291, exactly 20 fields"
run "$ctl" schema check "$here/sensor.schema"

step "Content v1 (two 20-field records) is built from JSON and accepted"
run "$ctl" content build "$here/channel-291-v1.json" -o "$tmp/channel-291-v1.bhc"
run "$ctl" content verify "$tmp/channel-291-v1.bhc" --schema "$here/sensor.schema"

step "Content v2 adds a record with 21 fields (the July-2024 defect)"
run "$ctl" content build "$here/channel-291-v2.json" -o "$tmp/channel-291-v2.bhc"
run "$ctl" content verify "$tmp/channel-291-v2.bhc" --schema "$here/sensor.schema"

if "$ctl" content verify "$tmp/channel-291-v2.bhc" --schema "$here/sensor.schema" \
	>/dev/null 2>&1; then
	echo "demo: FAILED: the 21-field file was accepted" >&2
	exit 1
fi
"$ctl" content verify "$tmp/channel-291-v1.bhc" --schema "$here/sensor.schema" \
	>/dev/null || { echo "demo: FAILED: v1 was refused" >&2; exit 1; }
printf '\ndemo: v1 accepted, v2 refused before any extension parsed it\n'
