# host/upgrade.sh - the host's part of scenarios/upgrade.sh, sourced by
# run.sh: the packages the guest installs, put on the scenario disk, as an
# endpoint's management agent copies them in (the guest has no network):
#
#   debs/next/    Bulkhead's packages from this tree, built once more as a
#                 later version (make deb DEB_VERSION=VERSION+1): the
#                 upgrade from the build installed in the image
#   debs/kernel/  Debian's EP_UPGRADE_KVER kernel (default: the newest in
#                 the host's /lib/modules other than the image's) and its
#                 headers, with the two packages the headers need
#                 (linux-headers-*-common, linux-kbuild-*), from the host's
#                 Debian mirror with apt-get download
#
# Both are cached in BUILD/endpoint/upgrade/: the later build is made
# again when the image's packages change, the kernel's when the kernel
# does.

host_disk() {
	disk=$1
	up=$build/endpoint/upgrade
	mkdir -p "$up"
	# the later build of the packages installed in the image
	cur=$(ls "$build"/deb/bulkhead_*.deb)
	key=$(ep_hash "$build"/deb/*.deb)
	if [ "$(cat "$up/next.key" 2>/dev/null)" != "$key" ]; then
		next=$(dpkg-deb -f "$cur" Version)+1
		echo "$ep_name: Bulkhead's packages as $next (the upgrade)"
		rm -rf "$up/next"
		DEB_VERSION=$next sh "$here/../../scripts/deb.sh" "$up/next" >"$up/next.log" 2>&1 || {
			tail -n 20 "$up/next.log" >&2
			return 1
		}
		rm -rf "$up/next/src"
		echo "$key" >"$up/next.key"
	fi
	mkdir -p "$disk/debs/next"
	cp "$up"/next/bulkhead_*.deb "$up"/next/bulkhead-dkms_*.deb "$disk/debs/next/"

	# the kernel the endpoint upgrades to
	new=${EP_UPGRADE_KVER:-$(ls /lib/modules | sort -V | tail -n 1)}
	[ -n "$new" ] && [ "$new" != "$kver" ] || {
		echo "$ep_name: no kernel to upgrade $kver to (EP_UPGRADE_KVER)" >&2
		return 1
	}
	abi=${new%-*}
	set -- "linux-image-$new" "linux-headers-$new" "linux-headers-$abi-common" "linux-kbuild-$abi"
	kdir=$up/kernel-$new
	if [ "$(ls "$kdir"/*.deb 2>/dev/null | wc -l)" != $# ]; then
		echo "$ep_name: apt-get download $*"
		rm -rf "$kdir"
		mkdir -p "$kdir.tmp"
		(cd "$kdir.tmp" && apt-get download -q "$@") >"$up/kernel.log" 2>&1 || {
			tail -n 20 "$up/kernel.log" >&2
			return 1
		}
		mv "$kdir.tmp" "$kdir"
	fi
	mkdir -p "$disk/debs/kernel"
	cp "$kdir"/*.deb "$disk/debs/kernel/"
	echo "$new" >"$disk/debs/kernel/version"
}
