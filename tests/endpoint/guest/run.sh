#!/bin/sh
# run.sh - the guest's side of an endpoint run, on the scenario disk: the
# image's bh-endpoint.service mounts the disk at /run/bh-endpoint and runs
# this at every boot, once multi-user.target is reached.
#
# It counts the boot, prints and saves the boot's timeline (bh_timeline:
# the units that matter to Bulkhead, the guard's, the loader's and
# systemd-pstore's journal lines, what pstore holds), then calls the
# scenario's boot_N function (scenario.sh, N the boot of this run, from 1),
# or its boot_any if it has no boot_N.
# boot_N ends the boot itself: bh_reboot, a crash (bh_crash_wait after
# setting it off), or bh_finish, which prints the verdict and powers off;
# returning is the same as bh_finish.  A boot the scenario has no function
# for fails the run.
set -u
BH_DIR=/run/bh-endpoint
export BH_DIR PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
. "$BH_DIR/lib.sh"

mkdir -p "$BH_STATE"
# the host's key for its steps (host/SCENARIO.sh)
if [ -r "$BH_DIR/ssh/authorized_keys" ]; then
	install -D -m 0600 "$BH_DIR/ssh/authorized_keys" /root/.ssh/authorized_keys
fi
BH_BOOT=$(($(cat "$BH_STATE/boots" 2>/dev/null || echo 0) + 1))
echo "$BH_BOOT" >"$BH_STATE/boots"
BH_OUT=$BH_DIR/out/boot-$BH_BOOT
export BH_BOOT BH_OUT
mkdir -p "$BH_OUT"
sync
bh_say "boot $BH_BOOT of $(cat "$BH_DIR/name"): kernel $(uname -r), up $(cut -d' ' -f1 /proc/uptime) s," \
	"system $(systemctl is-system-running 2>/dev/null)"
bh_timeline
# what the guard saw and decided in this boot, for the host's timeline
journalctl -b 0 -o cat _SYSTEMD_UNIT=bulkhead-guard.service 2>/dev/null | while IFS= read -r l; do
	bh_say "guard: $l"
done

. "$BH_DIR/scenario.sh"
case $(type "boot_$BH_BOOT" 2>/dev/null) in
*function*) "boot_$BH_BOOT" ;;
*)
	# a scenario whose boots the host cuts short has one for all of them
	case $(type boot_any 2>/dev/null) in
	*function*) boot_any ;;
	*) bh_fail "the scenario has no boot_$BH_BOOT: an unexpected boot" ;;
	esac
	;;
esac
bh_finish
