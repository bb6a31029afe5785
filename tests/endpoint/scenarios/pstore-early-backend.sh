# pstore-early-backend - pstore-after-good on a machine whose pstore
# backend is up before systemd-pstore.service looks: on a UEFI machine
# systemd-pstore waits for efi_pstore (modprobe@efi_pstore.service); this
# guest has no UEFI, and a drop-in makes ramoops play efi_pstore's part.
# systemd-pstore then runs as early as it can, and a guard not ordered
# before it comes too late every time: the records are gone from
# /sys/fs/pstore when it reads.  (pstore-after-good loads ramoops from
# modules-load.d, as on the machine of issue 13: there the two race.)
# It ends with boot 3's checks of the first crash: the second crash and
# the rollback are pstore-after-good's.
#
# endpoint-boots: 3
# endpoint-crashes: 1
# endpoint-timeout: 900

early_backend=yes
. "$BH_DIR/scenarios/pstore-after-good.sh"
