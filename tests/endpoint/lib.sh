# tests/endpoint/lib.sh - host-side helpers of the endpoint tests, sourced
# by mkimage.sh and run.sh: the scenario disk, one qemu run, reading the
# results back.  Sets nothing on its own but the helpers.

# ep_die MSG: fail with the caller's prefix ($ep_name)
ep_die() {
	echo "${ep_name:-endpoint}: $*" >&2
	exit 1
}

# ep_hash FILE...: one sha256 over the names and contents of FILEs
ep_hash() {
	for f in "$@"; do
		printf '%s\n' "${f##*/}"
		sha256sum <"$f"
	done | sha256sum | cut -c1-16
}

# ep_disk DIR IMG: the scenario disk, an ext4 image labelled BHTEST holding
# DIR (the guest's bh-endpoint mounts it and runs its run.sh; results come
# back in its out/).  mkfs.ext4 -d needs no loop mount.
ep_disk() {
	rm -f "$2"
	# room for what a scenario writes: 64 MiB beyond the files
	truncate -s "$(($(du -sm "$1" | cut -f1) * 5 / 4 + 64))M" "$2"
	mkfs.ext4 -q -F -L BHTEST -d "$1" "$2" || ep_die "mkfs.ext4 -d $1 failed"
}

# ep_scenario NAME: the file of scenario NAME (scenarios/, or bench/ for
# make bench's baselines, which bench.sh alone runs); empty if none
ep_scenario() {
	for f in "$here/scenarios/$1.sh" "$here/bench/$1.sh"; do
		[ -r "$f" ] && echo "$f" && return
	done
	return 0	# nothing: the caller says so (under set -e too)
}

# ep_header FILE NAME: the value of FILE's "# endpoint-NAME: VALUE" line
ep_header() {
	sed -n "s/^# endpoint-$2: *\([^ ]*\).*/\1/p" "$1" | head -n 1
}

# ep_limit FILE: its qemu time limit in seconds: endpoint-timeout, or 150
# a boot
ep_limit() {
	set -- "$(ep_header "$1" timeout)" "$(ep_header "$1" boots)"
	echo "${1:-$((150 * ${2:-1}))}"
}

# ep_boot_files ROOT KVER DIR: the kernel and initrd of KVER from the
# guest's own /boot on ROOT (a qcow2 root disk, the guest powered off) to
# DIR/vmlinuz-KVER and DIR/initrd.img-KVER: the host plays the bootloader,
# which boots the kernel the guest installed, unpacked to DIR/vmlinux-KVER
# (../unpack-kernel.sh, from run.sh's $here)
ep_boot_files() {
	rm -f "$3/boot-root.raw"
	qemu-img convert -f qcow2 -O raw "$1" "$3/boot-root.raw" ||
		ep_die "cannot read the root disk $1"
	for f in vmlinuz initrd.img; do
		rm -f "$3/$f-$2"
		debugfs -R "dump /boot/$f-$2 $3/$f-$2" "$3/boot-root.raw" >/dev/null 2>&1
		[ -s "$3/$f-$2" ] || {
			rm -f "$3/boot-root.raw"
			ep_die "no /boot/$f-$2 on the guest's root disk"
		}
	done
	rm -f "$3/boot-root.raw"
	sh "$here/../unpack-kernel.sh" "$3/vmlinuz-$2" "$3/vmlinux-$2" ||
		ep_die "cannot unpack the guest's kernel $3/vmlinuz-$2"
}

# ep_results IMG DIR: copy the scenario disk's out/ to DIR (debugfs reads
# the image without mounting it)
ep_results() {
	rm -rf "$2"
	mkdir -p "$2"
	debugfs -R "rdump /out $2" "$1" >/dev/null 2>&1 || ep_die "cannot read the results from $1"
	[ -d "$2/out" ] || ep_die "no out/ on $1"
}

# ep_qemu ROOT KERNEL INITRD DISK LOG LIMIT [CMDLINE...]: boot the endpoint
# in ONE qemu process (TCG) until the guest powers off, or LIMIT seconds.
# No -no-reboot: a panic or a watchdog reset reboots inside the same
# process, so ramoops (memmap=1M$0x10000000) keeps the crashed kernel's
# log.  ROOT is the (overlay) root disk, DISK the scenario disk; the
# serial console goes to LOG.  One network card on qemu's user network with
# restrict=on (no way out: the guest has no network), and two ports of the
# host's 127.0.0.1 forwarded to it: EP_SSH_PORT to ssh, EP_METRICS_PORT to
# node_exporter.  Returns qemu's status (124: the limit).
ep_qemu() {
	root=$1 kernel=$2 initrd=$3 disk=$4 log=$5 limit=$6
	shift 6
	rm -f "$log"
	# shellcheck disable=SC2016
	timeout --foreground -k 5 "$limit" qemu-system-x86_64 \
		-accel tcg -machine q35 -m "${EP_MEM:-1024}" -smp "${EP_SMP:-2}" \
		-nodefaults -no-user-config -display none -monitor "unix:$log.mon,server=on,wait=off" \
		-serial "file:$log" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "root=/dev/vda rw console=ttyS0,115200 loglevel=5 net.ifnames=0 memmap=1M\$0x10000000 $*" \
		-drive "file=$root,format=qcow2,if=virtio" \
		-drive "file=$disk,format=raw,if=virtio" \
		-device i6300esb -action watchdog=reset \
		-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$EP_SSH_PORT-:22,hostfwd=tcp:127.0.0.1:$EP_METRICS_PORT-:9100" \
		-device virtio-net-pci,netdev=n0 \
		</dev/null >"$log.qemu" 2>&1
}

# ep_monitor LOG COMMAND: a command to the qemu of ep_qemu ... LOG ... on
# its monitor (system_reset: the reset button)
ep_monitor() {
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
time.sleep(1)
s.close()' "$1.mon" "$2"
}

# ---- host steps (run.sh; host/SCENARIO.sh) ---------------------------------

# ep_ssh CMD...: run CMD as root in the guest (EP_SSH_PORT, the run's key)
ep_ssh() {
	ssh -q -p "$EP_SSH_PORT" -i "$out/ssh-key" -o BatchMode=yes -o ConnectTimeout=10 \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -l root 127.0.0.1 "$@"
}

# ep_host_check DESC CMD...: a check the host makes; a failure fails the
# run (it goes into the guest's failures, which the verdict counts)
ep_host_check() {
	desc=$1
	shift
	if "$@" >"$out/host-step.out" 2>&1; then
		echo "$ep_name: ok: host: $desc"
	else
		echo "$ep_name: FAILED: host: $desc ($(tail -n 3 "$out/host-step.out" | tr '\n' ' '))"
		ep_ssh "echo 'host: $desc' >>/run/bh-endpoint/state/failures"
	fi
}

# ep_host_done STEP: the guest may go on
ep_host_done() {
	ep_ssh "touch /run/bh-endpoint/state/host-$1.done"
}
