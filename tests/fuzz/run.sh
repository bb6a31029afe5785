#!/bin/sh
# run.sh BUILD SECONDS - fuzz the content validator for SECONDS seconds.
#
# Seeds come from the unit tests (test_validator writes every fixture it
# builds, valid or not, to $BH_SEED_DIR) and from the harness itself (a few
# valid files, so a run starts past the digest check even when the unit
# tests are not built yet).  The working corpus in BUILD/fuzz/corpus
# persists between runs, so each run starts where the last one stopped.
#
# Prints one summary line; exits non-zero, and appends "fuzz 0 1" to
# $RESULTS when that is set, if the fuzzer failed or wrote a crash, leak,
# timeout or out-of-memory artifact during this run; "fuzz 1 0" otherwise.
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD SECONDS" >&2
	exit 2
fi
build=$1
secs=$2
fuzzer=$build/fuzz/fuzz_validate
validator=$build/tests/test_validator
seeds=$build/fuzz/seeds
corpus=$build/fuzz/corpus
artifacts=$build/fuzz/artifacts
log=$build/fuzz/fuzz.log

result() {
	if [ -n "${RESULTS:-}" ]; then
		echo "fuzz $1 $2" >> "$RESULTS"
	fi
}

fail() {
	echo "fuzz: FAILED: $*"
	result 0 1
	exit 1
}

[ -x "$fuzzer" ] || fail "$fuzzer not built"
mkdir -p "$corpus" "$artifacts" || fail "cannot create $build/fuzz"

# Regenerate the seeds: a fixture the unit tests no longer build should not
# linger, and the corpus keeps whatever the fuzzer learnt from it anyway.
rm -rf "$seeds"
mkdir -p "$seeds" || fail "cannot create $seeds"
if [ -x "$validator" ]; then
	# the seeds are a by-product: a failing unit test is check-unit's news
	BH_SEED_DIR=$seeds "$validator" >/dev/null 2>&1 ||
		echo "fuzz: note: $validator failed; its seeds may be incomplete"
else
	echo "fuzz: note: $validator not built; seeding from the harness only"
fi
BH_SEED_DIR=$seeds "$fuzzer" >/dev/null 2>&1 ||
	fail "the harness could not write its seeds to $seeds"
nseeds=$(find "$seeds" -type f | wc -l)
cp "$seeds"/* "$corpus"/ 2>/dev/null

# Artifacts of earlier runs stay for inspection; only new ones count.
# (ls is safe here: libFuzzer names them crash-<sha1> and the like.)
before=$build/fuzz/.artifacts.before
after=$build/fuzz/.artifacts.after
# shellcheck disable=SC2012
ls "$artifacts" | sort > "$before"

"$fuzzer" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
	-artifact_prefix="$artifacts/" -print_final_stats=1 \
	"$corpus" > "$log" 2>&1
rc=$?

# shellcheck disable=SC2012
ls "$artifacts" | sort > "$after"
new=$(comm -13 "$before" "$after" | grep -E '^(crash|leak|timeout|oom)-' || true)
rm -f "$before" "$after"
ncrash=$(printf '%s' "$new" | grep -c . || true)

# libFuzzer's last words: "Done 1416888 runs in 21 second(s)"
runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n1)
took=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -n1)
if [ -z "$runs" ]; then
	# no "Done" line: it died; the final stats may still say how far it got
	runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
	took=$secs
fi
runs=${runs:-0}
if [ "${took:-0}" -gt 0 ]; then
	rate=$((runs / took))
else
	rate=$runs
fi
nfiles=$(find "$corpus" -type f | wc -l)
# the fuzzer's own count drops inputs that add no coverage: "corp: 224/66Kb"
units=$(sed -n 's/^#[0-9]*[[:space:]]*DONE .* corp: \([0-9]*\)\/.*/\1/p' "$log" | tail -n1)

echo "fuzz: $runs executions in ${took}s ($rate exec/s), corpus ${units:-?} units ($nfiles files, $nseeds seeds), $ncrash crashes"

if [ "$rc" -ne 0 ] || [ "$ncrash" -ne 0 ]; then
	# the fuzzer's report says what and where; show its end
	tail -n 40 "$log"
	for a in $new; do
		echo "fuzz: artifact $artifacts/$a"
	done
	fail "fuzzer exit status $rc, $ncrash new artifacts (log: $log)"
fi
result 1 0
exit 0
