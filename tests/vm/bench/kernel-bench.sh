# kernel-bench.sh - the guest half of tests/vm/bench-kernel.sh: bh_bench's
# measurements inside the kernel (tests/extensions/bh_bench_main.c), in
# one boot:
#
#   validate  the shim's validator on a 64 MiB content file against the
#             kernel's SHA-256 alone (crypto_shash "sha256") over the same
#             payload, and the record walk alone
#   signed    unsigned content against the same content signed (the
#             signature checked with verify_pkcs7_signature()), for 1 KiB,
#             1 MiB and 64 MiB: bh_bench builds each, the guest signs its
#             header with openssl and key A of the fixtures
#   dispatch  N events through the shim's dispatch path into bh_bench's
#             handler against N calls of the same handler, with an empty
#             handler and with one that matches 64 path rules
#
# First the kernel's modular SHA-256 drivers from /vm/crypto (sha256_ssse3
# loads only on a vCPU with SSSE3, AVX or SHA-NI), as bulkhead.ko's
# softdep has modprobe do on a real system; then the shim; then bh_bench,
# alone in the registry, with a small content file pushed as any
# extension gets one.  bh_bench's raw results go out as "BENCH ..." lines;
# the host does the arithmetic.  R and N come from bhvm.bench_rounds= and
# bhvm.bench_events= on the kernel command line.
# vm-timeout: 1500
# shellcheck shell=sh disable=SC2154,SC2320 # lib.sh variables; $? of echo is the write status

rounds=$(sed -n 's/.*bhvm\.bench_rounds=\([0-9]*\).*/\1/p' /proc/cmdline)
events=$(sed -n 's/.*bhvm\.bench_events=\([0-9]*\).*/\1/p' /proc/cmdline)
rounds=${rounds:-7}
events=${events:-1000000}
P=/sys/module/bh_bench/parameters

while read -r m; do
	if insmod "/vm/crypto/$m" 2>/dev/null; then
		echo "BENCH info crypto-module ${m%%.ko*} loaded"
	else
		echo "BENCH info crypto-module ${m%%.ko*} not-loaded"
	fi
done </vm/crypto/crypto.list
echo "BENCH info cpu-flags $(awk '$1 == "flags" {
	for (i = 3; i <= NF; i++)
		if ($i ~ /^(ssse3|avx|avx2|sha_ni)$/) s = s " " $i
	print s ? substr(s, 2) : "none"; exit }' /proc/cpuinfo)"

check shim-loaded insmod_bh
check bench-loaded insmod "$MODDIR/bh_bench.ko" "rounds=$rounds" "events=$events"
# nothing but bh_bench behind the dispatch path
expect_eq registry-alone bh_bench "$(ls "$EXT")"

# bh_bench's schema as a file, which must be the kernel's to the byte, and
# one counter record of content for it
{
	printf '[schema]\nextension = bh_bench\nname = bench\nversion = 1\n\n'
	printf '[template path-rule]\nid = 1\nfield = id u32 1 1000000\n'
	printf 'field = path string 1 255\nfield = action u32 0 2\nfield = tag bytes 0 16\n\n'
	printf '[template counter]\nid = 2\nfield = limit u64 10 1099511627776\n'
	printf 'field = flags u32 0 255\n\n'
	printf '[template channel-291]\nid = 291\n'
	i=0
	while [ $i -lt 20 ]; do
		printf 'field = f%d string 0 64\n' $i
		i=$((i + 1))
	done
} >/tmp/bench.schema
"$CTL" schema check /tmp/bench.schema >/tmp/bench.canon 2>&1
check schema-is-the-kernels cmp -s /tmp/bench.canon "$EXT/bh_bench/schema"
cat >/tmp/bench-v1.json <<'EOF'
{
  "extension": "bh_bench",
  "schema": "bench",
  "schema_version": 1,
  "content_version": 1,
  "records": [
    {"template": 2, "fields": [{"u64": 100}, {"u32": 1}]}
  ]
}
EOF
"$CTL" content build /tmp/bench-v1.json -o /tmp/bench-v1.bhc --schema /tmp/bench.schema 2>/tmp/build.err
rc=$?
expect_rc content-built 0 "$rc" "$(cat /tmp/build.err)"
push /tmp/bench-v1.bhc "$EXT/bh_bench/content"
expect_rc content-pushed 0 "$push_rc" "$push_err"
echo "BENCH info shim $(dmesg | sed -n 's/.*bulkhead: version [^ ]* loaded (SHA-256: \([^)]*\)).*/\1/p' | tail -n 1)"

for b in validate dispatch; do
	if echo "$b" >"$P/run" 2>/tmp/run.err; then
		ok "run-$b"
	else
		fail "run-$b" "$(quote "$(cat /tmp/run.err)")"
	fi
done

# signed: the DER signature of @1 (a file) by key A, detached, no
# certificates, no attributes, SHA-256: as bulkheadctl content sign makes it
sign_a() {
	/vm/bin/openssl cms -sign -binary -noattr -nocerts -md sha256 -outform DER \
		-signer "$FX/sig-a.pem" -inkey "$FX/sig-a.key" -in "$1" -out "$1.sig" 2>/tmp/sign.err
}
hex() {
	od -An -v -tx1 "$1" | tr -d ' \n'
}
unhex() {
	printf "$(sed 's/\(..\)/\\x\1/g')"
}
head -c 160 /dev/zero >/tmp/probe
if [ -x /vm/bin/openssl ] && sign_a /tmp/probe; then
	siglen=$(wc -c </tmp/probe.sig)
	hex "$FX/sig-a.der" >"$P/sign_cert"
	for size in 1024 1048576 67108864; do
		if ! echo "prepare $size $siglen" >"$P/run" 2>/tmp/run.err; then
			fail "prepare-$size" "$(quote "$(cat /tmp/run.err)")"
			continue
		fi
		tr -d '\n' <"$P/sign_header" | unhex >/tmp/hdr
		if sign_a /tmp/hdr && [ "$(wc -c </tmp/hdr.sig)" -eq "$siglen" ]; then
			hex /tmp/hdr.sig >"$P/sign_sig"
			check "run-signed-$size" sh -c "echo signed >$P/run"
		else
			fail "sign-$size" "$(quote "$(cat /tmp/sign.err)")"
		fi
	done
else
	fail openssl-in-guest "$(quote "$(cat /tmp/sign.err 2>/dev/null)")"
fi
sed 's/^/BENCH /' "$P/results"
if grep -q '^error' "$P/results"; then
	fail results-clean "$(quote "$(grep '^error' "$P/results")")"
else
	ok results-clean
fi
check bench-unloaded rmmod bh_bench
check shim-unloaded rmmod bulkhead
