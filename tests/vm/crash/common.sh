# common.sh - the start of every boot of the VM tests that reboot for real
# (tests/vm/crash/: init.sh, the crash loop; restage.sh, the re-staging
# updater loop), sourced by their /init: mounts, the state disk at
# /var/lib/bulkhead, ramoops, the boot counter, the pass/fail tally that
# survives a reboot, and the helpers.  The caller sets TAG (the prefix of
# its "ok TAG/NAME" lines) and STATE first.
# shellcheck shell=sh
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t securityfs securityfs /sys/kernel/security
mount -t tmpfs tmpfs /tmp
exec </dev/null >/dev/console 2>&1

npass=0
nfail=0
ok() {
	npass=$((npass + 1))
	echo "ok $TAG/$1"
}
fail() {
	nfail=$((nfail + 1))
	echo "FAIL $TAG/$1${2:+: $2}"
}
quote() {
	printf '%s' "$1" | tr '\n' ' ' | cut -c1-300
}
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "want '$2', got '$(quote "$3")'"; fi
}
expect_contains() {
	case $3 in
	*"$2"*) ok "$1" ;;
	*) fail "$1" "'$2' not in '$(quote "$3")'" ;;
	esac
}
# jget FLATFILE PATH: the value at PATH (jflat.awk output), empty if none
jget() {
	awk -v k="$2=" 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }' "$1"
}
# the pass/fail tally of one boot survives the reboot on the state disk
save_tally() {
	echo "$npass $nfail" >"$STATE/vm-crash.tally"
	sync
}
finish() {
	echo "BULKHEAD-CRASH-RESULT pass=$npass fail=$nfail"
	[ "$nfail" -eq 0 ] && echo "BULKHEAD-CRASH-OK"
	sync
	umount "$STATE" 2>/dev/null
	poweroff -f
}
# load_list FILE: insmod every module named in FILE, in order; a module
# that the machine cannot use (crc32c-intel without SSE4.2 under TCG) may
# fail, what matters is checked afterwards
load_list() {
	while read -r m args; do
		# shellcheck disable=SC2086 # args are module parameters
		insmod "/vm/kmod/$m" $args 2>/tmp/insmod.err ||
			echo "note: insmod $m: $(quote "$(cat /tmp/insmod.err)")"
	done <"$1"
}

# ---- both boots: the state disk and pstore --------------------------------
load_list /vm/kmod/disk.list
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do
	sleep 0.2
	i=$((i + 1))
done
mkdir -p "$STATE"
if ! mount -t ext4 /dev/vda "$STATE"; then
	echo "BULKHEAD-CRASH-BOOT ?"
	fail disk-mount "cannot mount /dev/vda (ext4) at $STATE"
	finish
fi
boot=$(cat "$STATE/vm-crash.boots" 2>/dev/null || echo 0)
boot=$((boot + 1))
echo "$boot" >"$STATE/vm-crash.boots"
sync
echo "BULKHEAD-CRASH-BOOT $boot $(uname -r)"
if [ -f "$STATE/vm-crash.tally" ]; then
	read -r npass nfail <"$STATE/vm-crash.tally"
fi

load_list /vm/kmod/pstore.list
mkdir -p /sys/fs/pstore
mount -t pstore pstore /sys/fs/pstore 2>/dev/null
if grep -q '^ramoops ' /proc/modules; then ok "b$boot-ramoops-loaded"; else fail "b$boot-ramoops-loaded" "ramoops not in /proc/modules"; fi

