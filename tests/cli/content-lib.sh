# content-lib.sh - what test_content_cli.sh and test_sign_cli.sh share,
# sourced after they set t (a scratch directory), pass and fail to 0.
# shellcheck shell=sh disable=SC2154 # t, pass and fail are the caller's

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$t/err" ] && sed 's/^/     stderr: /' "$t/err"; }

# expect NAME RC PATTERN CMD...: exit code RC and stderr/stdout matching PATTERN
expect() {
	name=$1 rc=$2 pat=$3
	shift 3
	"$@" >"$t/out" 2>"$t/err"
	got=$?
	if [ "$got" != "$rc" ]; then
		bad "$name (exit $got, want $rc)"
	elif [ -n "$pat" ] && ! grep -q -- "$pat" "$t/out" "$t/err"; then
		bad "$name (no '$pat' in output)"
	else
		ok "$name"
	fi
}
