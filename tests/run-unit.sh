#!/bin/sh
# run-unit.sh BIN... - run cmocka test binaries, print one summary line,
# and append "unit PASSED FAILED" to $RESULTS when it is set.
passed=0
failed=0
for bin in "$@"; do
	out=$("$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	passed=$((passed + ${p:-0}))
	# a crash or sanitizer abort before cmocka's summary counts as a failure
	if [ "$rc" != 0 ] && [ -z "$f" ]; then f=1; fi
	failed=$((failed + ${f:-0}))
done
name=${SUITE:-unit}
echo "$name: $passed passed, $failed failed"
[ -n "${RESULTS:-}" ] && echo "$name $passed $failed" >> "$RESULTS"
[ "$failed" = 0 ]
