# signed.sh - signed content and anti-rollback in the shim (issue 14):
# the .bulkhead keyring, its seal, the signature checked by the kernel's
# verify_pkcs7_signature() before the payload, format 1 refused once a
# key is enrolled, unsigned content refused where a signature is
# required, and the floor below which no content version is taken.
#
# The fixtures (mkfixtures.sh) are signed on the host with key A; B is a
# key nobody enrolled.  Every refusal must fail the write with EBADMSG,
# keep the active content, name its class and reason in last_error and
# count once; the kernel log must show no oops or warning (the host scans
# the console).
# shellcheck shell=sh disable=SC2154 # lib.sh variables

d=$EXT/bh_execwatch
ver() { rd "$d/content_version"; }

# refused NAME FILE CLASS REASON: one refusal, checked all the way
refused() {
	_v0=$(ver)
	_r0=$(field "$d/counters" refused)
	push "$2" "$d/content"
	expect_contains "$1-ebadmsg" "Bad message" "$push_rc $push_err"
	expect_eq "$1-version-kept" "$_v0" "$(ver)"
	expect_contains "$1-class" "content refused ($3)" "$(rd "$d/last_error")"
	expect_contains "$1-reason" "$4" "$(rd "$d/last_error")"
	expect_eq "$1-counted-once" $((_r0 + 1)) "$(field "$d/counters" refused)"
	echo "refusal $1: $(rd "$d/last_error")"
}

# accepted NAME FILE VERSION
accepted() {
	push "$2" "$d/content"
	expect_eq "$1" "0 $3" "$push_rc $(ver)"
}

check shim-insmod insmod_bh
check execwatch-insmod insmod "$MODDIR/bh_execwatch.ko"
expect_eq nothing-sealed-at-start "0 0" "$(rd "$BH/keys_sealed") $(rd "$BH/allow_format1")"

# ---- before any key --------------------------------------------------------
accepted no-key-format1-taken "$FX/ew-v2-format1.bhc" 2
accepted no-key-unsigned-taken "$FX/ew-v1.bhc" 1
# a signature no key here can check is refused, not ignored
refused no-key-signed "$FX/ew-signed-v2.bhc" signature "unknown signer"

# ---- enrolment: root only, through the shim, before the seal ---------------
out=$(as_user "cat $FX/sig-a.der >$BH/keys")
expect_contains user-cannot-enrol "Permission denied" "$out"
expect_eq user-enrolled-nothing "" "$(cat "$BH/keys")"
out=$(as_user "cat /proc/keys")
expect_not_contains user-cannot-see-keyring ".bulkhead" "$out"
check root-enrols-a sh -c "cat $FX/sig-a.der >$BH/keys"
expect_contains keys-lists-a "content key a" "$(rd "$BH/keys")"
# ECDSA P-256: 6.12 takes the key; Debian's 6.1 has no ECDSA and its
# X.509 parser refuses the certificate
case $KVER in
6.1.*) check_not root-enrols-e-refused-on-6.1 sh -c "cat $FX/sig-e.der >$BH/keys" ; nkeys=1 ;;
*) check root-enrols-e sh -c "cat $FX/sig-e.der >$BH/keys" ; nkeys=2 ;;
esac
# the keyring itself: root going around the shim with add_key(2)
serial=$(awk '$9 == ".bulkhead:" { print $1 }' /proc/keys)
check keyring-in-proc-keys [ -n "$serial" ]
out=$(/vm/bin/bh-race addkey "$serial" "$FX/sig-b.der" 2>&1)
expect_contains root-add-key-around-shim-refused "addkey: errno 13" "$out"
out=$(as_user "/vm/bin/bh-race addkey $serial $FX/sig-b.der")
expect_contains user-add-key-refused "addkey: errno" "$out"
check not-a-certificate-refused sh -c "! echo junk >$BH/keys"
expect_eq keys-so-far "$nkeys" "$(grep -c . "$BH/keys")"

# ---- the seal ---------------------------------------------------------------
check seal sh -c "echo 1 >$BH/keys_sealed"
expect_eq sealed 1 "$(rd "$BH/keys_sealed")"
out=$( (cat "$FX/sig-b.der" >"$BH/keys") 2>&1)
expect_contains key-after-seal-refused "Operation not permitted" "$out"
expect_eq no-key-added-after-seal "$nkeys" "$(grep -c . "$BH/keys")"
out=$( (echo 0 >"$BH/keys_sealed") 2>&1)
expect_contains unseal-refused "Operation not permitted" "$out"
out=$( (echo 1 >"$BH/allow_format1") 2>&1)
expect_contains format1-downgrade-after-seal-refused "Operation not permitted" "$out"

# ---- a key is enrolled: signatures checked, format 1 refused -----------------
accepted signed-v2-taken "$FX/ew-signed-v2.bhc" 2
refused format1-once-keyed "$FX/ew-v2-format1.bhc" format-version "format 1"
exec 9<"$FX/signed-refusals.list"
while read -r name class reason <&9; do
	refused "$name" "$FX/$name.bhc" "$class" "$(echo "$reason" | tr _ ' ')"
done
exec 9<&-
# ECDSA: verified where the kernel has the algorithm (6.12), refused with
# the kernel's reason where it has not (Debian's 6.1: no CONFIG_CRYPTO_ECDSA)
case $KVER in
6.1.*) refused ecdsa-on-6.1 "$FX/ew-signed-ecdsa-v3.bhc" signature "unknown signer" ;;
*) accepted ecdsa-v3-taken "$FX/ew-signed-ecdsa-v3.bhc" 3
   accepted signed-v2-after-ecdsa "$FX/ew-signed-v2.bhc" 2 ;;
esac
# unsigned format 2 is still taken where no signature is required
accepted unsigned-v3-taken "$FX/ew-v3.bhc" 3
accepted signed-v2-after-unsigned "$FX/ew-signed-v2.bhc" 2

# ---- a signature required ------------------------------------------------------
out=$(as_user "echo 'bh_execwatch 1' >$BH/require_signature")
expect_contains user-cannot-require "Permission denied" "$out"
check require-signature sh -c "echo 'bh_execwatch 1' >$BH/require_signature"
expect_eq require-listed "bh_execwatch 1" "$(rd "$BH/require_signature")"
refused unsigned-where-required "$FX/ew-v3.bhc" signature "unsigned, and a signature is required"
out=$( (echo 'bh_execwatch 0' >"$BH/require_signature") 2>&1)
expect_contains requirement-stays "Operation not permitted" "$out"
accepted signed-v3-where-required "$FX/ew-signed-v3.bhc" 3

# ---- the floor --------------------------------------------------------------------
check floor-2 sh -c "echo 'bh_execwatch 2' >$BH/floors"
expect_eq floor-listed "bh_execwatch 2" "$(rd "$BH/floors")"
refused below-floor "$FX/ew-signed-v1.bhc" rollback "content version 1 is below the floor 2"
accepted at-floor "$FX/ew-signed-v2.bhc" 2
out=$( (echo 'bh_execwatch 1' >"$BH/floors") 2>&1)
expect_contains floor-never-lowered "Operation not permitted" "$out"
expect_eq floor-still-2 "bh_execwatch 2" "$(rd "$BH/floors")"
check floor-raised-to-3 sh -c "echo 'bh_execwatch 3' >$BH/floors"
refused below-raised-floor "$FX/ew-signed-v2.bhc" rollback "content version 2 is below the floor 3"
accepted at-raised-floor "$FX/ew-signed-v3.bhc" 3
out=$(as_user "echo 'bh_execwatch 9' >$BH/floors")
expect_contains user-cannot-raise-floor "Permission denied" "$out"

# ---- policy outlives the extension's module -------------------------------------
check execwatch-rmmod rmmod bh_execwatch
check execwatch-insmod-again insmod "$MODDIR/bh_execwatch.ko"
refused floor-after-reload "$FX/ew-signed-v1.bhc" rollback "below the floor 3"
refused required-after-reload "$FX/ew-v3.bhc" signature "a signature is required"
accepted signed-after-reload "$FX/ew-signed-v3.bhc" 3

# ---- Secure Boot's rule, forced: the machine's keys, never a file's ---------
check execwatch-rmmod-for-sb rmmod bh_execwatch
check shim-rmmod rmmod bulkhead
check shim-insmod-machine-keys insmod "$MODDIR/bulkhead.ko" trust_machine_keyring=1
expect_eq machine-keys-param 1 "$(rd /sys/module/bulkhead/parameters/trust_machine_keyring)"
out=$( (cat "$FX/sig-a.der" >"$BH/keys") 2>&1)
expect_contains machine-keys-no-file-key "Operation not permitted" "$out"
expect_eq machine-keys-none-enrolled "" "$(cat "$BH/keys")"
check execwatch-insmod-machine-keys insmod "$MODDIR/bh_execwatch.ko"
# key A is no machine key: its signature is checked, and refused
refused machine-keys-a-unknown "$FX/ew-signed-v2.bhc" signature \
	"unknown signer: no trusted key made it (checked against the secondary trusted keyring)"
# format 1 is refused with the machine's keys in charge, as with enrolled ones
refused machine-keys-format1 "$FX/ew-v2-format1.bhc" format-version "format 1"
accepted machine-keys-unsigned-v1 "$FX/ew-v1.bhc" 1
