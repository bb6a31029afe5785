#!/bin/sh
# run-all.sh BUILD [KVER...] - the VM tests that reboot for real
# (tests/vm/crash/run.sh: the crash loop, then the re-staging updater loop
# restage-loop, then irq-blame) on every kernel given, or, without any, on every
# installed kernel a VM can boot (/boot/vmlinuz-K with /lib/modules/K/build).
# One run at a time: each is a TCG guest that reboots by itself, and the
# machine is shared.  Prints each run's last line and then
#	crash: N passed, M failed
# (runs); each run appends its own "SCENARIO PASS FAIL" to $RESULTS if set.
# Exits non-zero when any run failed.
set -u

[ $# -ge 1 ] || {
	echo "usage: $0 BUILD [KVER...]" >&2
	exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
build=$1
shift
if [ $# -eq 0 ]; then
	# shellcheck disable=SC2012 # kernel version names
	for k in $(ls /lib/modules | sort -V); do
		[ -r "/boot/vmlinuz-$k" ] && [ -d "/lib/modules/$k/build" ] && set -- "$@" "$k"
	done
fi
[ $# -ge 1 ] || {
	echo "crash: no kernel to boot"
	exit 1
}
mkdir -p "$build/vm"
npass=0
nfail=0
for k in "$@"; do
	for s in crash restage-loop irq-blame; do
		if sh "$here/run.sh" "$build" "$k" "$s" >"$build/vm/$s-$k.out" 2>&1; then
			npass=$((npass + 1))
		else
			nfail=$((nfail + 1))
			grep '^FAIL ' "$build/vm/$s-$k.out"
		fi
		tail -n 1 "$build/vm/$s-$k.out"
	done
done
echo "crash: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
