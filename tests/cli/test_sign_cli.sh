#!/bin/sh
# test_sign_cli.sh BULKHEADCTL - signing content and checking signatures
# as a vendor pipeline and an operator do: `content sign`, `content verify`
# with --cert, --keys and --require-signature, `content dump` of a signed
# file, and the signature checked independently with `openssl cms`.
# Keys and certificates are made here with the openssl command.
set -u
ctl=$1
ex=$(cd "$(dirname "$0")/../../examples/july2024" && pwd)
schema=$ex/sensor.schema
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
fail=0

# ok, bad, expect
. "$(dirname "$0")/content-lib.sh"

# check NAME CMD...: CMD succeeds
check() {
	name=$1
	shift
	if "$@" >"$t/out" 2>"$t/err"; then ok "$name"; else bad "$name"; fi
}

# a self-signed certificate and its unencrypted key: mkcert NAME CN KEYARGS...
mkcert() {
	n=$1 cn=$2
	shift 2
	openssl req -x509 -nodes -days 3650 -subj "/CN=$cn/O=Bulkhead Tests" \
		-keyout "$t/$n.key" -out "$t/$n.pem" "$@" 2>/dev/null ||
		{ echo "FAIL cannot make a certificate with openssl"; exit 1; }
}
mkcert rsa "Vendor RSA" -newkey rsa:2048
mkcert ec "Vendor EC" -newkey ec -pkeyopt ec_paramgen_curve:P-256
mkcert other "Someone Else" -newkey rsa:2048

le32() { od -An -tu4 --endian=little -j "$2" -N 4 "$1" | tr -d ' '; }
# poke FILE OFFSET BYTE: overwrite one byte in place
poke() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
# the signature after the payload, and the header it signs
split_sig() {
	size=$(stat -c %s "$1")
	slen=$(le32 "$1" 136)
	head -c 160 "$1" >"$t/hdr"
	tail -c "$slen" "$1" >"$t/sig.der"
}

"$ctl" content build "$ex/channel-291-v1.json" -o "$t/v1.bhc" 2>"$t/err" || bad "build"
cp "$t/v1.bhc" "$t/v1.orig"

# ---- signing ------------------------------------------------------------
expect sign_rsa_to_output 0 "" "$ctl" content sign "$t/v1.bhc" --key "$t/rsa.key" --cert "$t/rsa.pem" -o "$t/s.bhc"
cmp -s "$t/v1.bhc" "$t/v1.orig" && ok "sign_with_o_leaves_input_alone" || bad "sign_with_o_leaves_input_alone"
split_sig "$t/s.bhc"
rsa_slen=$slen
[ "$(le32 "$t/s.bhc" 140)" = 1 ] && [ "$slen" -gt 0 ] &&
	[ "$size" = $(($(stat -c %s "$t/v1.bhc") + slen)) ] &&
	ok "sig_type_1_and_sig_len_is_the_signature" || bad "sig_type_1_and_sig_len_is_the_signature"
tail -c +161 "$t/v1.bhc" >"$t/p0"
tail -c +161 "$t/s.bhc" | head -c "$(stat -c %s "$t/p0")" >"$t/p1"
cmp -s "$t/p0" "$t/p1" && ok "payload_unchanged_by_signing" || bad "payload_unchanged_by_signing"

# an independent check: a standard detached CMS over the 160 header bytes
check openssl_cms_verifies_the_signature openssl cms -verify -binary -inform DER \
	-in "$t/sig.der" -content "$t/hdr" -noverify -certfile "$t/rsa.pem" -out /dev/null
openssl cms -cmsout -print -inform DER -in "$t/sig.der" >"$t/print" 2>"$t/err"
grep -A1 'certificates:' "$t/print" | grep -q ABSENT && grep -A1 'signedAttrs:' "$t/print" | grep -q ABSENT &&
	grep -q 'd.issuerAndSerialNumber' "$t/print" && grep -q 'eContent: <ABSENT>' "$t/print" &&
	grep -q 'algorithm: sha256' "$t/print" &&
	ok "like_sign_file_no_certs_no_attributes_issuer_serial" || bad "like_sign_file_no_certs_no_attributes_issuer_serial"

# RSA signatures of one header are byte for byte the same: signing is a function
"$ctl" content sign "$t/s.bhc" --key "$t/rsa.key" --cert "$t/rsa.pem" -o "$t/s2.bhc" 2>"$t/err"
cmp -s "$t/s.bhc" "$t/s2.bhc" && ok "resigning_with_the_same_rsa_key_is_identical" || bad "resigning_with_the_same_rsa_key_is_identical"

# ECDSA: the DER length varies from one signature to the next
i=0 good=0
while [ $i -lt 12 ]; do
	"$ctl" content sign "$t/v1.bhc" --key "$t/ec.key" --cert "$t/ec.pem" -o "$t/e$i.bhc" 2>"$t/err" &&
	"$ctl" content verify "$t/e$i.bhc" --schema "$schema" --cert "$t/ec.pem" >/dev/null 2>>"$t/err" &&
		good=$((good + 1))
	i=$((i + 1))
done
[ $good = 12 ] && ok "ecdsa_signatures_settle_and_verify_12_times" || bad "ecdsa_signatures_settle_and_verify_12_times ($good of 12)"
split_sig "$t/e0.bhc"
check openssl_cms_verifies_ecdsa openssl cms -verify -binary -inform DER \
	-in "$t/sig.der" -content "$t/hdr" -noverify -certfile "$t/ec.pem" -out /dev/null

# without -o the file is replaced atomically, its mode kept
cp "$t/v1.orig" "$t/inplace.bhc"
chmod 600 "$t/inplace.bhc"
expect sign_in_place 0 "" "$ctl" content sign "$t/inplace.bhc" --key "$t/rsa.key" --cert "$t/rsa.pem"
cmp -s "$t/inplace.bhc" "$t/s.bhc" && [ "$(stat -c %a "$t/inplace.bhc")" = 600 ] &&
	ok "in_place_result_and_mode" || bad "in_place_result_and_mode"
if ls "$t" | grep -q '\.tmp\.'; then bad "temporary files left behind"; else ok "no temporary files left"; fi

# a signed file signed again: the old signature is replaced
expect resign_with_other_key 0 "" "$ctl" content sign "$t/s.bhc" --key "$t/ec.key" --cert "$t/ec.pem" -o "$t/re.bhc"
expect resigned_verifies_with_new_cert 0 "signed by CN=Vendor EC, O=Bulkhead Tests, verified" \
	"$ctl" content verify "$t/re.bhc" --schema "$schema" --cert "$t/ec.pem"
expect resigned_refused_with_old_cert 1 "unknown signer" \
	"$ctl" content verify "$t/re.bhc" --schema "$schema" --cert "$t/rsa.pem"

# the kernel's own layout: key and certificate in one PEM file; and DER
cat "$t/rsa.key" "$t/rsa.pem" >"$t/both.pem"
expect sign_with_combined_pem 0 "" "$ctl" content sign "$t/v1.bhc" --key "$t/both.pem" --cert "$t/both.pem" -o "$t/b.bhc"
openssl pkey -in "$t/rsa.key" -outform DER -out "$t/rsa.key.der" 2>/dev/null
openssl x509 -in "$t/rsa.pem" -outform DER -out "$t/rsa.der" 2>/dev/null
expect sign_with_der_key_and_cert 0 "" "$ctl" content sign "$t/v1.bhc" --key "$t/rsa.key.der" --cert "$t/rsa.der" -o "$t/d.bhc"
cmp -s "$t/b.bhc" "$t/s.bhc" && cmp -s "$t/d.bhc" "$t/s.bhc" && ok "pem_der_and_combined_sign_alike" || bad "pem_der_and_combined_sign_alike"

# ---- verifying ----------------------------------------------------------
expect verify_with_cert 0 \
	"content $t/s.bhc: valid: extension 'bh_sensor', schema 'sensor-channels' version 1, content version 1, 2 records, signed by CN=Vendor RSA, O=Bulkhead Tests, verified" \
	"$ctl" content verify "$t/s.bhc" --schema "$schema" --cert "$t/rsa.pem"
expect verify_with_der_cert 0 "verified" "$ctl" content verify "$t/s.bhc" --schema "$schema" --cert "$t/rsa.der"
mkdir "$t/keys" "$t/keys/sub.pem"
cp "$t/other.pem" "$t/keys/10-other.crt"
openssl x509 -in "$t/ec.pem" -outform DER -out "$t/keys/20-ec.der" 2>/dev/null
cp "$t/rsa.pem" "$t/keys/30-rsa.pem"
echo "not a certificate" >"$t/keys/README"
cp "$t/rsa.key" "$t/keys/30-rsa.key"
expect verify_with_keys_dir_rsa 0 "signed by CN=Vendor RSA, O=Bulkhead Tests, verified" \
	"$ctl" content verify "$t/s.bhc" --schema "$schema" --keys "$t/keys"
expect verify_with_keys_dir_ec 0 "signed by CN=Vendor EC, O=Bulkhead Tests, verified" \
	"$ctl" content verify "$t/e1.bhc" --schema "$schema" --keys "$t/keys"
expect verify_without_keys_says_unchecked 0 \
	"2 records, signed (issuer CN=Vendor RSA, O=Bulkhead Tests, serial 0x[0-9A-F]*), signature not checked (no --cert or --keys)" \
	"$ctl" content verify "$t/s.bhc" --schema "$schema"
expect verify_unsigned_says_unsigned 0 "2 records, unsigned$" \
	"$ctl" content verify "$t/v1.bhc" --schema "$schema" --cert "$t/rsa.pem"

expect refuses_wrong_cert 1 \
	"content $t/s.bhc: refused (signature): signature ($rsa_slen bytes) refused: unknown signer: issuer CN=Vendor RSA, O=Bulkhead Tests, serial 0x" \
	"$ctl" content verify "$t/s.bhc" --schema "$schema" --cert "$t/other.pem"
mkdir "$t/otherkeys"
cp "$t/other.pem" "$t/ec.pem" "$t/otherkeys/"
expect refuses_keys_dir_without_signer 1 "unknown signer" \
	"$ctl" content verify "$t/s.bhc" --schema "$schema" --keys "$t/otherkeys"

cp "$t/s.bhc" "$t/th.bhc"
poke "$t/th.bhc" 88 '\002'	# content_version 1 -> 2
expect refuses_tampered_header 1 "refused (signature): .*bad signature" \
	"$ctl" content verify "$t/th.bhc" --schema "$schema" --cert "$t/rsa.pem"
split_sig "$t/th.bhc"
if openssl cms -verify -binary -inform DER -in "$t/sig.der" -content "$t/hdr" -noverify \
	-certfile "$t/rsa.pem" -out /dev/null >/dev/null 2>&1; then
	bad "openssl_cms_refuses_tampered_header"
else
	ok "openssl_cms_refuses_tampered_header"
fi
cp "$t/s.bhc" "$t/tp.bhc"
poke "$t/tp.bhc" 200 'Z'
expect refuses_tampered_payload 1 "refused (digest-mismatch)" \
	"$ctl" content verify "$t/tp.bhc" --schema "$schema" --cert "$t/rsa.pem"
cp "$t/s.bhc" "$t/ts.bhc"
poke "$t/ts.bhc" $(($(stat -c %s "$t/ts.bhc") - 5)) '\377'
expect refuses_tampered_signature 1 "refused (signature): .*bad signature" \
	"$ctl" content verify "$t/ts.bhc" --schema "$schema" --cert "$t/rsa.pem"

expect require_signature_refuses_unsigned 1 \
	"content $t/v1.bhc: refused (signature): unsigned, and a signature is required" \
	"$ctl" content verify "$t/v1.bhc" --schema "$schema" --cert "$t/rsa.pem" --require-signature
expect require_signature_takes_signed 0 "verified" \
	"$ctl" content verify "$t/s.bhc" --schema "$schema" --keys "$t/keys" --require-signature

# ---- dump ---------------------------------------------------------------
"$ctl" content dump "$t/v1.bhc" >"$t/v1.json" 2>"$t/err"
expect dump_signed_file 0 '"extension":"bh_sensor"' "$ctl" content dump "$t/s.bhc"
cmp -s "$t/out" "$t/v1.json" && ok "dump_of_signed_equals_dump_of_unsigned" || bad "dump_of_signed_equals_dump_of_unsigned"

# ---- what is refused, and how -------------------------------------------
expect sign_key_not_the_certs 2 "key $t/other.key is not the key of cert $t/rsa.pem" \
	"$ctl" content sign "$t/v1.bhc" --key "$t/other.key" --cert "$t/rsa.pem" -o "$t/x.bhc"
expect sign_missing_key 2 "content $t/v1.bhc: key $t/nope.key: cannot open: No such file" \
	"$ctl" content sign "$t/v1.bhc" --key "$t/nope.key" --cert "$t/rsa.pem" -o "$t/x.bhc"
expect sign_cert_as_key 2 "key $t/rsa.pem: not a PEM or DER private key" \
	"$ctl" content sign "$t/v1.bhc" --key "$t/rsa.pem" --cert "$t/rsa.pem" -o "$t/x.bhc"
echo "garbage" >"$t/garbage.pem"
expect sign_garbage_cert 2 "cert $t/garbage.pem: not a PEM or DER X.509 certificate" \
	"$ctl" content sign "$t/v1.bhc" --key "$t/rsa.key" --cert "$t/garbage.pem" -o "$t/x.bhc"
openssl pkey -in "$t/rsa.key" -aes256 -passout pass:secret -out "$t/enc.key" 2>/dev/null
expect sign_encrypted_key 2 "key $t/enc.key: encrypted with a passphrase" \
	"$ctl" content sign "$t/v1.bhc" --key "$t/enc.key" --cert "$t/rsa.pem" -o "$t/x.bhc"
expect sign_damaged_file 1 "content $t/tp.bhc: refused (digest-mismatch)" \
	"$ctl" content sign "$t/tp.bhc" --key "$t/rsa.key" --cert "$t/rsa.pem" -o "$t/x.bhc"
[ -e "$t/x.bhc" ] && bad "failed signs wrote nothing" || ok "failed signs wrote nothing"
# format 1 (its digest covers the payload only) cannot be signed
cp "$t/v1.orig" "$t/f1.bhc"
poke "$t/f1.bhc" 8 '\001'
tail -c +161 "$t/f1.bhc" | openssl dgst -sha256 -binary >"$t/f1.dig"
dd if="$t/f1.dig" of="$t/f1.bhc" bs=1 seek=104 conv=notrunc 2>/dev/null
expect verify_format1_says_so 0 "2 records, format 1, unsigned" \
	"$ctl" content verify "$t/f1.bhc" --schema "$schema" --cert "$t/rsa.pem"
expect sign_refuses_format1 1 "content $t/f1.bhc: format 1 cannot be signed" \
	"$ctl" content sign "$t/f1.bhc" --key "$t/rsa.key" --cert "$t/rsa.pem" -o "$t/x.bhc"

cp "$t/garbage.pem" "$t/keys/40-bad.pem"
expect keys_dir_names_bad_file 2 "cert $t/keys/40-bad.pem: not a PEM or DER X.509 certificate" \
	"$ctl" content verify "$t/s.bhc" --schema "$schema" --keys "$t/keys"
mkdir "$t/empty"
expect keys_dir_empty 2 "keys $t/empty: no certificate files" \
	"$ctl" content verify "$t/s.bhc" --schema "$schema" --keys "$t/empty"
cat "$t/rsa.pem" "$t/ec.pem" >"$t/two.pem"
expect cert_file_with_two_certs 2 "cert $t/two.pem: holds more than one certificate" \
	"$ctl" content verify "$t/s.bhc" --schema "$schema" --cert "$t/two.pem"
expect cert_and_keys_is_usage 2 "not both" \
	"$ctl" content verify "$t/s.bhc" --schema "$schema" --cert "$t/rsa.pem" --keys "$t/keys"
expect require_signature_without_keys_is_usage 2 "needs --cert C or --keys DIR" \
	"$ctl" content verify "$t/s.bhc" --schema "$schema" --require-signature
expect sign_without_cert_is_usage 2 "usage:" "$ctl" content sign "$t/v1.bhc" --key "$t/rsa.key"

echo "sign: $pass passed, $fail failed"
[ -n "${RESULTS:-}" ] && echo "sign $pass $fail" >>"$RESULTS"
[ "$fail" = 0 ]
