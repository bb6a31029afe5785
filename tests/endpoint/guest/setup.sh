#!/bin/sh
# setup.sh - the guest's set-up of a run, on the scenario disk: the image's
# bh-endpoint-setup.service runs it in the first boot, before the guard
# and the loader start (local-fs.target is reached; the shim is not
# loaded, so staging validates against the configured schema file).  It
# calls the scenario's `setup` function, if there is one: what was on the
# machine before this boot, as a management agent leaves configuration
# and staged content for the next one.  Its failed checks count as boot
# 1's.  Unit files it writes count from the next boot: systemd has read
# them already.
set -u
BH_DIR=/run/bh-endpoint
export BH_DIR PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
. "$BH_DIR/lib.sh"

mkdir -p "$BH_STATE"
BH_BOOT=1
export BH_BOOT
. "$BH_DIR/scenario.sh"
case $(type setup 2>/dev/null) in
*function*)
	bh_say "set-up of $(cat "$BH_DIR/name"), before Bulkhead's units start"
	setup
	;;
esac
touch /var/lib/bh-endpoint-setup.done
sync
