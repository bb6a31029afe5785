# lib.sh - helpers for the VM scenarios, sourced by /init inside the guest
# (busybox ash).  Every check prints exactly one line, "ok SCENARIO/NAME"
# or "FAIL SCENARIO/NAME: why", which the host counts; nothing here prints
# raw kernel log lines, so the host's scan of the console for oopses and
# warnings only ever sees the kernel's own lines.
# shellcheck shell=sh

BH=/sys/kernel/security/bulkhead
EXT=$BH/extensions
KVER=$(uname -r)
MODDIR=/lib/modules/$KVER/extra
FX=/vm/fixtures
CTL=/vm/bin/bulkheadctl
USER_NAME=bhuser

npass=0
nfail=0

ok() {
	npass=$((npass + 1))
	echo "ok $SCEN/$1"
}

fail() {
	nfail=$((nfail + 1))
	echo "FAIL $SCEN/$1${2:+: $2}"
}

# check NAME CMD...: CMD's exit status is the verdict
check() {
	_n=$1
	shift
	if "$@"; then ok "$_n"; else fail "$_n" "command failed: $*"; fi
}

# check_not NAME CMD...: CMD must fail
check_not() {
	_n=$1
	shift
	if "$@"; then fail "$_n" "command succeeded: $*"; else ok "$_n"; fi
}

# quote TEXT: for a FAIL line, on one line, at most 300 characters, and
# without printk timestamps (the host takes a timestamped line on the
# console for the kernel's own)
quote() {
	printf '%s' "$1" | tr '\n' ' ' | sed 's/\[ *[0-9]*\.[0-9]*\] //g' | cut -c1-300
}

# expect_eq NAME WANT GOT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "want '$2', got '$(quote "$3")'"; fi
}

# expect_contains NAME NEEDLE TEXT
expect_contains() {
	case $3 in
	*"$2"*) ok "$1" ;;
	*) fail "$1" "'$2' not in '$(quote "$3")'" ;;
	esac
}

expect_not_contains() {
	case $3 in
	*"$2"*) fail "$1" "'$2' unexpectedly in '$(quote "$3")'" ;;
	*) ok "$1" ;;
	esac
}

# rd FILE: its text, newlines folded to spaces (one-line diagnostics);
# a read error reads as "<unreadable>"
rd() {
	if _t=$(cat "$1" 2>/dev/null); then
		# shellcheck disable=SC2086 # unquoted on purpose: folds lines
		echo $_t
	else
		echo "<unreadable>"
	fi
}

# field FILE KEY: the value of a "key value" line (counters, stats)
field() {
	awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print "none" }' "$1" 2>/dev/null
}

# stat_after FILE PREFIX: the value after "PREFIX " (stats "rule 1 hits N")
stat_after() {
	sed -n "s/^$2 //p" "$1" 2>/dev/null
}

# push FILE DEST [BS]: write FILE into DEST with dd, which checks close()
# as well as write() (a shell redirection throws close errors away, and
# the intake refuses an incomplete file only at close); sets push_rc and
# push_err (dd's complaint, which carries the errno text)
push() {
	push_err=$(dd if="$1" of="$2" bs="${3:-65536}" conv=notrunc 2>&1 >/dev/null)
	# shellcheck disable=SC2034 # read by the scenarios
	push_rc=$?
	push_err=$(echo "$push_err" | grep -v 'records\|bytes' | tr '\n' ' ')
}

# klog_count PATTERN: how many kernel log lines match (grep -E)
klog_count() {
	dmesg | grep -c -E "$1"
}

# klog_mark: remember how long the kernel log is, so klog_since sees only
# what came after
klog_mark() {
	klog_base=$(dmesg | wc -l)
}

klog_since() {
	dmesg | tail -n +$((klog_base + 1))
}

# run_n N CMD...: exec CMD N times from this shell (fork + execve each time:
# an absolute path makes ash exec it rather than run a builtin or applet)
run_n() {
	_i=0
	_c=$1
	shift
	while [ $_i -lt "$_c" ]; do
		"$@" >/dev/null 2>&1
		_i=$((_i + 1))
	done
}

# lsmod_total: the sizes of all loaded modules, added up
lsmod_total() {
	lsmod | awk 'NR > 1 { s += $2 } END { print s + 0 }'
}

# is_loaded NAME: the module is in /proc/modules
is_loaded() {
	grep -q "^$1 " /proc/modules
}

# as_user CMD: run a shell command as the unprivileged user; its stderr
# comes back on stdout for the errno text
as_user() {
	su -s /bin/sh "$USER_NAME" -c "$1" 2>&1
}

# schema_matches NAME SCHEMAFILE: the kernel's schema text equals the
# canonical text bulkheadctl makes of the fixture, byte for byte
schema_matches() {
	"$CTL" schema check "$FX/$2" >/tmp/schema.canon 2>/tmp/schema.err || return 1
	cmp -s /tmp/schema.canon "$EXT/$1/schema"
}

# uptime_cs: the time since boot in centiseconds (/proc/uptime's
# resolution; busybox date has no %N)
uptime_cs() {
	awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime
}

# make_script PATH: a shell script that exits 0, an exec target whose name
# is ours to choose
make_script() {
	printf '#!/bin/sh\nexit 0\n' >"$1"
	chmod 755 "$1"
}

# insmod_bh: the shim from its built file (not modprobe, which would read
# module options from the kernel command line)
insmod_bh() {
	insmod "$MODDIR/bulkhead.ko"
}
