# load-bench.sh - the guest half of tests/vm/bench-load.sh: what the loader
# costs over the bare way of bringing up the shim and an extension with
# its content, alternated over R rounds (the order reversed every other
# round, so that a drift of the host's speed favours neither):
#
#   loader  bulkhead-load: boot.json and extensions.d read, bulkhead.ko and
#           bh_execwatch inserted through libkmod, content 1 read from the
#           store and pushed, every step journalled with fsync, the result
#           saved in the guard's state (fsync'd, renamed)
#   bare    Debian's kmod: modprobe bulkhead, modprobe bh_execwatch, then
#           cat of the same content file into securityfs
#
# each followed by rmmod of both (not timed), and, to show where the
# difference goes, two more measurements:
#
#   tmpfs   bulkhead-load with a second state directory on tmpfs (no
#           fsync reaches a disk)
#   exec    bulkhead-load --help: starting the program (the dynamic
#           linker and its eight libraries), nothing loaded
#
# The state directory is on
# ext4 on the virtio disk the host attaches (VM_DISK, so the loader's
# fsyncs reach a block device), or on tmpfs when there is none; the
# "BENCH-MEDIUM" line says which.  Timestamps are the kernel's monotonic
# clock in nanoseconds, read without a fork (lib.sh: now_ns); an "empty"
# measurement (two timestamps, nothing between) per round gives the
# timer's own cost, which the host subtracts.
#
# One "BENCH WHAT ROUND NANOSECONDS" line per measurement; the host does
# the arithmetic.  R comes from bhvm.bench_rounds= on the kernel command
# line.  Every round checks that both modules are in and content 1 is
# active: a broken run fails, a slow one does not.
# vm-timeout: 1200
# shellcheck shell=sh disable=SC2154,SC2320 # lib.sh variables; $? of echo is the write status

rounds=$(sed -n 's/.*bhvm\.bench_rounds=\([0-9]*\).*/\1/p' /proc/cmdline)
rounds=${rounds:-30}
state=/var/lib/bulkhead
d=$EXT/bh_execwatch

# ---- the state directory: ext4 on /dev/vda when the host gave a disk --------------
while read -r m; do
	insmod "/vm/disk/$m" 2>/dev/null || echo "note: insmod $m failed (not needed on every machine)"
done </vm/disk/disk.list
i=0
while [ ! -b /dev/vda ] && [ $i -lt 10 ] && [ -s /vm/disk/disk.list ]; do
	sleep 0.2
	i=$((i + 1))
done
mkdir -p $state
medium=tmpfs
if [ -b /dev/vda ] && mount -t ext4 /dev/vda $state; then
	medium=ext4
	ok state-on-ext4
else
	mount -t tmpfs tmpfs $state
fi
echo "BENCH-MEDIUM $medium"

# ---- one decision for every round ------------------------------------------------------
guard_env $state
ext_conf 10-execwatch.conf bh_execwatch required=yes "schema=$FX/execwatch.schema"
guard_boot
ctl_stage bh_execwatch "$FX/ew-v1.bhc"
expect_rc stage-v1 0 "$stage_rc" "$stage_err"
"$GUARD" shutdown 2>/dev/null
guard_boot
expect_rc guard-boot 0 "$guard_rc" "$guard_err"
expect_eq chosen-v1 1 "$(chosen bh_execwatch)"
# the same decision in a state directory on tmpfs
mkdir -p /tmp/state-tmpfs
BULKHEAD_STATE_DIR=/tmp/state-tmpfs "$GUARD" boot 2>/dev/null
BULKHEAD_STATE_DIR=/tmp/state-tmpfs "$CTL" content stage bh_execwatch "$FX/ew-v1.bhc" 2>/dev/null
BULKHEAD_STATE_DIR=/tmp/state-tmpfs "$GUARD" shutdown 2>/dev/null
BULKHEAD_STATE_DIR=/tmp/state-tmpfs "$GUARD" boot 2>/dev/null
expect_eq tmpfs-chosen-v1 1 "$(jget /tmp/state-tmpfs/boot.json "content[0].version")"

# up WHAT: bring the shim, bh_execwatch and content 1 up one way
up() {
	case $1 in
	loader)
		"$LOAD" >/dev/null 2>/tmp/up.err
		;;
	bare)
		"$KMOD/modprobe" bulkhead 2>/tmp/up.err &&
			"$KMOD/modprobe" bh_execwatch 2>>/tmp/up.err &&
			cat "$FX/ew-v1.bhc" >"$d/content" 2>>/tmp/up.err
		;;
	tmpfs)
		"$LOAD" --state-dir /tmp/state-tmpfs >/dev/null 2>/tmp/up.err
		;;
	exec)
		"$LOAD" --help >/dev/null 2>/tmp/up.err
		;;
	empty) ;;
	esac
}

# is_up: what both ways must have brought up
is_up() {
	is_loaded bulkhead && is_loaded bh_execwatch &&
		[ "$(cat "$d/content_version" 2>/dev/null)" = 1 ]
}

down() {
	rmmod bh_execwatch 2>/dev/null
	rmmod bulkhead 2>/dev/null
	! is_loaded bulkhead
}

# measure WHAT ROUND: one timed bring-up, checked, then torn down
measure() {
	now_ns
	t0=$now_ns
	up "$1"
	rc=$?
	now_ns
	t1=$now_ns
	[ "$2" = 0 ] || echo "BENCH $1 $2 $((t1 - t0))"
	case $1 in empty | exec) return 0 ;; esac
	if [ "$rc" -ne 0 ] || ! is_up; then
		fail "$1-round-$2" "exit status $rc, up: $(is_up && echo yes || echo no): $(quote "$(cat /tmp/up.err)")"
	fi
	down || fail "$1-down-round-$2" "bulkhead still loaded"
}

# warm-up, not measured: qemu translates the code paths on first use
down
for w in loader bare tmpfs exec; do
	measure $w 0
done
r=1
nfail0=$nfail
while [ $r -le "$rounds" ]; do
	order="empty loader bare tmpfs exec"
	[ $((r % 2)) -eq 0 ] && order="exec tmpfs bare loader empty"
	for w in $order; do
		measure "$w" $r
	done
	r=$((r + 1))
done
expect_eq all-rounds-up "$nfail0" "$nfail"
# every loader run journalled its insert and push (the warm-up's too)
b=$(boot_id)
expect_eq journal-inserts $((rounds + 1)) "$(grep -c "^$b end insert bh_execwatch 1\$" $state/loader.journal)"
expect_eq journal-pushes $((rounds + 1)) "$(grep -c "^$b end push bh_execwatch 1\$" $state/loader.journal)"
expect_eq status-loaded loaded "$(ext_field bh_execwatch load.result)"
sync
[ "$medium" = tmpfs ] || umount $state
