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

# expect_rc NAME WANT GOT OUTPUT: an exit status; a FAIL line quotes the
# command's OUTPUT
expect_rc() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "exit status $3, want $2: $(quote "$4")"; fi
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

# ---- the loader and the boot guard (scenarios/loader*.sh, bench) ----------
LOAD=/vm/bin/bulkhead-load
GUARD=/vm/bin/bulkhead-guard
# shellcheck disable=SC2034 # read by the scenarios and the bench
KMOD=/vm/kmod
EXTD=/etc/bulkhead/extensions.d

# guard_env [STATE_DIR]: the guard's, the loader's and bulkheadctl's
# environment: the state in STATE_DIR (default /var/lib/bulkhead, made
# here), the extensions' configuration in $EXTD, empty pstore and
# watchdog directories (the guest has neither), the kernel command line
# the guard reads in /tmp/bh-cmdline (a copy of /proc/cmdline that a
# scenario may change), and a guard.conf that leaves kernel.panic to the
# harness (panic=-1) and promotes content at "good" without waiting
guard_env() {
	STATE=${1:-/var/lib/bulkhead}
	mkdir -p "$STATE" "$EXTD" /tmp/bh-pstore /tmp/bh-watchdog
	printf '[kernel]\npanic_timeout = 0\n[policy]\nprobation = 0\n' >/etc/bulkhead/guard.conf
	cat /proc/cmdline >/tmp/bh-cmdline
	export BULKHEAD_STATE_DIR="$STATE" BULKHEAD_EXTENSIONS_DIR="$EXTD" \
		BULKHEAD_PSTORE_DIR=/tmp/bh-pstore BULKHEAD_WATCHDOG_DIR=/tmp/bh-watchdog \
		BULKHEAD_CMDLINE=/tmp/bh-cmdline BULKHEAD_GUARD_CONF=/etc/bulkhead/guard.conf
}

# ext_conf FILE NAME [KEY=VALUE...]: write $EXTD/FILE, one [extension]
# section for NAME (module NAME unless a module= is given)
ext_conf() {
	_f=$1
	_n=$2
	shift 2
	{
		echo "[extension]"
		echo "name = $_n"
		case " $* " in *" module="*) ;; *) echo "module = $_n" ;; esac
		for _kv in "$@"; do
			echo "${_kv%%=*} = ${_kv#*=}"
		done
	} >"$EXTD/$_f"
}

# guard_boot: `bulkhead-guard boot`; sets guard_rc and guard_err
# shellcheck disable=SC2034 # read by the scenarios
guard_boot() {
	"$GUARD" boot 2>/tmp/guard.err
	guard_rc=$?
	guard_err=$(cat /tmp/guard.err)
}

# unload_all: every module of ours that is loaded, the shim last
unload_all() {
	awk '$1 ~ /^bh_/ { print $1 }' /proc/modules | while read -r _m; do
		rmmod "$_m" 2>/dev/null
	done
	! is_loaded bulkhead || rmmod bulkhead
}

# next_boot: what a reboot is to the guard and the loader: a clean
# shutdown mark, nothing of ours loaded, then `bulkhead-guard boot` (the
# kernel's boot id stays the same, so boot.json is still this boot's)
next_boot() {
	"$GUARD" shutdown 2>/dev/null
	unload_all
	guard_boot
}

# run_load [ARGS...]: bulkhead-load; sets load_rc and load_err (its
# messages: there is no journald in the guest, so they go to stderr)
# shellcheck disable=SC2034 # read by the scenarios
run_load() {
	"$LOAD" "$@" >/tmp/load.out 2>/tmp/load.err
	load_rc=$?
	load_err=$(cat /tmp/load.err /tmp/load.out)
}

# ctl_stage EXT FILE [ARGS...]: bulkheadctl content stage; sets stage_rc
# and stage_err
# shellcheck disable=SC2034 # read by the scenarios
ctl_stage() {
	"$CTL" content stage "$@" >/tmp/stage.out 2>/tmp/stage.err
	stage_rc=$?
	stage_err=$(cat /tmp/stage.err /tmp/stage.out)
}

# jflat FILE: the JSON in FILE as "path=value" lines (jflat.awk)
jflat() {
	awk -f /vm/jflat.awk "$1"
}

# jget FILE PATH: the value at PATH in the JSON FILE, empty if none
jget() {
	jflat "$1" | awk -v k="$2=" 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }'
}

# bootjson PATH: a value from this boot's decision
bootjson() {
	jget "$STATE/boot.json" "$1"
}

# bootjson_list KEY: the names in boot.json's array KEY, comma-separated
bootjson_list() {
	jflat "$STATE/boot.json" | sed -n "s/^$1\[[0-9]*\]=//p" | tr '\n' ',' | sed 's/,$//'
}

# chosen EXT: the content version boot.json tells the loader to use
chosen() {
	jflat "$STATE/boot.json" | awk -v e="$1" '
		{ k = $0; sub(/=.*/, "", k); v = substr($0, length(k) + 2) }
		k ~ /^content\[[0-9]+\]\.extension$/ { i = k; sub(/\.extension$/, "", i); n[i] = v }
		k ~ /^content\[[0-9]+\]\.version$/ { i = k; sub(/\.version$/, "", i); ver[i] = v }
		END { for (i in n) if (n[i] == e) print ver[i] }'
}

# ext_field EXT FIELD: one field of EXT's entry in `bulkheadctl status
# --json` (state.extensions[]), e.g. active, chosen, status, load.result
ext_field() {
	"$CTL" status --json 2>/dev/null >/tmp/status.json
	jflat /tmp/status.json | awk -v e="$1" -v f="$2" '
		{ k = $0; sub(/=.*/, "", k); v = substr($0, length(k) + 2) }
		match(k, /^state\.extensions\[[0-9]+\]\./) {
			p = substr(k, 1, RLENGTH)
			r = substr(k, RLENGTH + 1)
			if (r == "name") name[p] = v
			val[p, r] = v
		}
		END { for (p in name) if (name[p] == e) print val[p, f] }'
}

# boot_id: the boot the guard started last (boot.json)
boot_id() {
	bootjson boot_id
}

# journal_of BOOT: that boot's loader journal lines without the boot id,
# comma-separated
journal_of() {
	awk -v b="$1" '$1 == b { $1 = ""; sub(/^ /, ""); print }' "$STATE/loader.journal" 2>/dev/null |
		tr '\n' ',' | sed 's/,$//'
}

# now_ns: sets now_ns to the monotonic clock in nanoseconds, without a
# fork: "now at N nsecs", the third line of /proc/timer_list (busybox's
# date has no %N, and a timer that forks and execs costs tens of
# milliseconds under TCG, more than some of the steps timed)
# shellcheck disable=SC2034 # read by the bench
now_ns() {
	{
		read -r _l
		read -r _l
		read -r _l _l now_ns _l
	} </proc/timer_list
}

# within_deadline SECONDS NAME CMD...: run CMD in the background and fail
# NAME if it is still running after SECONDS, naming where it sleeps; its
# output goes to /tmp/NAME.out, its status to /tmp/NAME.rc
within_deadline() {
	_s=$1
	_n=$2
	shift 2
	"$@" >"/tmp/$_n.out" 2>&1 &
	_p=$!
	_w=0
	# a finished child stays a zombie until waited for
	while [ "$_w" -lt "$_s" ] && running "$_p"; do
		sleep 1
		_w=$((_w + 1))
	done
	if running "$_p"; then
		fail "$_n-returns" "still blocked after ${_s}s: $* (in $(sed -n 's/^\[<[0-9a-f]*>\] //p' "/proc/$_p/stack" 2>/dev/null | head -n 3 | tr '\n' ' '))"
		return 1
	fi
	wait "$_p"
	echo $? >"/tmp/$_n.rc"
	ok "$_n-returns"
}

running() {
	_st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -n "$_st" ] && [ "$_st" != Z ]
}
