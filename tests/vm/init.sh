#!/bin/sh
# init.sh - /init of the VM test initramfs (tests/vm/mkinitramfs.sh puts it
# there).  It mounts what the scenarios need, runs the scenario named by
# "bhvm.scenario=NAME" on the kernel command line, then checks the whole
# kernel log and the taint flags itself, prints one summary line and,
# only if every check passed, the success marker the host waits for:
#
#	BULKHEAD-VM-RESULT NAME pass=N fail=M
#	BULKHEAD-VM-TAINTED T
#	BULKHEAD-VM-OK NAME
#
# and powers the machine off.  The host (run.sh) scans the console as
# well: a kernel that dies before the marker fails the run either way.

export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t securityfs securityfs /sys/kernel/security
mount -t tmpfs tmpfs /tmp
chmod 1777 /tmp
# the scenario's output goes to the serial console, stdin is nothing
exec </dev/null >/dev/console 2>&1

SCEN=$(sed -n 's/.*bhvm\.scenario=\([^ ]*\).*/\1/p' /proc/cmdline)
# "bhvm.env.NAME=VALUE": host variables a scenario's "# vm-env:" asked for
# (run.sh), exported to it
read -r _cmdline </proc/cmdline
for _w in $_cmdline; do
	case $_w in
	bhvm.env.*=*)
		_w=${_w#bhvm.env.}
		export "${_w%%=*}=${_w#*=}"
		;;
	esac
done
# shellcheck source=tests/vm/lib.sh
. /vm/lib.sh
# scenarios, or the benchmark's guest half
script=/vm/scenarios/$SCEN.sh
[ -f "$script" ] || script=/vm/bench/$SCEN.sh

# "# vm-expect-oops: N" in the scenario's header: the oopses it provokes
expect_oops=$(sed -n 's/^# vm-expect-oops: *\([0-9]*\).*/\1/p' "$script" 2>/dev/null)
expect_oops=${expect_oops:-0}

echo "BULKHEAD-VM-BEGIN $SCEN $KVER"
vm_t0=$(uptime_cs)
if [ -n "$SCEN" ] && [ -f "$script" ]; then
	# shellcheck disable=SC1090 # chosen at run time
	. "$script"
else
	fail setup "no scenario '$SCEN' in /vm/scenarios or /vm/bench"
fi
vm_t1=$(uptime_cs)

# The whole kernel log, every level (the console shows only warnings and
# worse).  An expected oops brings its own "BUG: kernel NULL pointer
# dereference", oops header and call trace, once per oops; anything else
# that looks like trouble fails the scenario.
bad='WARNING:|BUG:|Oops|Call Trace|general protection|kernel BUG|Kernel panic|soft lockup|hard LOCKUP|rcu_.*(stall|detected)|INFO: task .* blocked|UBSAN|refcount_t|corruption|Unable to handle'
dmesg >/tmp/dmesg.all
nhdr=$(grep -c -E 'Oops.*\[#[0-9]+\]' /tmp/dmesg.all)
ntrace=$(grep -c 'Call Trace' /tmp/dmesg.all)
if [ "$expect_oops" -gt 0 ]; then
	grep -E "$bad" /tmp/dmesg.all |
		grep -v -E 'BUG: kernel NULL pointer dereference|Oops.*\[#[0-9]+\]|Call Trace' >/tmp/dmesg.bad
	expect_eq kernel-log-oopses "$expect_oops" "$nhdr"
	expect_eq kernel-log-call-traces "$expect_oops" "$ntrace"
else
	grep -E "$bad" /tmp/dmesg.all >/tmp/dmesg.bad
fi
if [ -s /tmp/dmesg.bad ]; then
	fail kernel-log-clean "$(wc -l </tmp/dmesg.bad) unexpected lines, first: $(head -n 1 /tmp/dmesg.bad | sed 's/^\[[ 0-9.]*\] //')"
else
	ok kernel-log-clean
fi

# O (out-of-tree, 4096) and E (unsigned, 8192) are what loading our
# modules costs; D (128, died) only where the scenario oopses on purpose
tainted=$(cat /proc/sys/kernel/tainted)
allowed=$((4096 | 8192))
[ "$expect_oops" -gt 0 ] && allowed=$((allowed | 128))
if [ $((tainted & ~allowed)) -eq 0 ]; then
	ok "taint-flags"
else
	fail "taint-flags" "tainted=$tainted has bits outside $allowed"
fi

echo "BULKHEAD-VM-TIME $SCEN $(((vm_t1 - vm_t0) / 100)).$(((vm_t1 - vm_t0) % 100 / 10))s"
echo "BULKHEAD-VM-RESULT $SCEN pass=$npass fail=$nfail"
echo "BULKHEAD-VM-TAINTED $tainted"
[ "$nfail" -eq 0 ] && echo "BULKHEAD-VM-OK $SCEN"
sync
poweroff -f
