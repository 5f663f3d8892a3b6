#!/usr/bin/env bash
# Keys and signatures made with the plain openssl command line verify with
# `imaguard allowlist verify`; any one-byte change, a wrong key or a weak key
# does not. Exit statuses are checked exactly.
set -euo pipefail
command -v openssl >/dev/null || { echo "openssl not installed"; exit 77; }

# expect STATUS CMD...: run CMD, fail unless it exits with STATUS
# flip FILE OFFSET: invert the lowest bit of one byte in place
flip() {
	local b
	b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

. "$(dirname "$0")/lib.sh"

cat > list.json <<'JSON'
{
  "format": "imaguard-allowlist/1",
  "serial": 1,
  "created": "2026-01-01T00:00:00Z",
  "hash_algo": "sha256",
  "entries": [
    {"digest": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", "path": "/usr/bin/foo"}
  ]
}
JSON

openssl genpkey -algorithm ed25519 -out ed.key 2>/dev/null
openssl pkey -in ed.key -pubout -out ed.pub
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key 2>/dev/null
openssl pkey -in ec.key -pubout -out ec.pub
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out rsa.key 2>/dev/null
openssl pkey -in rsa.key -pubout -out rsa.pub
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.key 2>/dev/null
openssl pkey -in rsa1024.key -pubout -out rsa1024.pub
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.key 2>/dev/null
openssl pkey -in p384.key -pubout -out p384.pub

openssl pkeyutl -sign -rawin -inkey ed.key -in list.json -out ed.sig
openssl dgst -sha256 -sign ec.key -out ec.sig list.json
openssl dgst -sha256 -sign rsa.key -out rsa.sig list.json
openssl dgst -sha256 -sign rsa.key -sigopt rsa_padding_mode:pss -out rsa-pss.sig list.json
openssl dgst -sha256 -sign rsa.key -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest \
	-out rsa-pss-digest.sig list.json
openssl dgst -sha256 -sign rsa1024.key -out rsa1024.sig list.json
openssl dgst -sha256 -sign p384.key -out p384.sig list.json

for pair in ed:ed ec:ec rsa:rsa rsa:rsa-pss rsa:rsa-pss-digest; do
	key=${pair%%:*} sig=${pair#*:}
	# raw, as openssl wrote it
	expect 0 "$IMAGUARD" allowlist verify --trust $key.pub --sig $sig.sig list.json
	# base64 on one line, as `allowlist sign` writes it
	base64 -w0 $sig.sig > $sig.b64
	expect 0 "$IMAGUARD" allowlist verify --trust $key.pub --sig $sig.b64 list.json
	printf '\n' >> $sig.b64
	expect 0 "$IMAGUARD" allowlist verify --trust $key.pub --sig $sig.b64 list.json
	# blanks after the line, as an editor or a Windows copy leaves them
	printf '%s \t\r\n\n' "$(base64 -w0 $sig.sig)" > $sig.b64
	expect 0 "$IMAGUARD" allowlist verify --trust $key.pub --sig $sig.b64 list.json
	# one byte of the signature changed
	for off in 0 20 $(($(stat -c %s $sig.sig) - 1)); do
		cp $sig.sig bad.sig
		flip bad.sig $off
		expect 1 "$IMAGUARD" allowlist verify --trust $key.pub --sig bad.sig list.json
	done
	expect 1 "$IMAGUARD" allowlist verify --trust $key.pub --sig bad.sig list.json
	grep -q "does not verify" err
done

# FILE.sig is the default
cp ed.sig list.json.sig
expect 0 "$IMAGUARD" allowlist verify --trust ed.pub list.json
grep -q '^list.json: valid: serial 1, 1 entries' out

# one byte of the file changed: every signature fails
for off in 0 100 $(($(stat -c %s list.json) - 1)); do
	cp list.json list2.json
	flip list2.json $off
	for pair in ed:ed ec:ec rsa:rsa rsa:rsa-pss; do
		expect 1 "$IMAGUARD" allowlist verify --trust ${pair%%:*}.pub --sig ${pair#*:}.sig list2.json
	done
done
cp list.json list3.json && printf '\n' >> list3.json
expect 1 "$IMAGUARD" allowlist verify --trust ed.pub --sig ed.sig list3.json

# wrong key type: the trusted key decides the algorithm, never the signature
expect 1 "$IMAGUARD" allowlist verify --trust ec.pub --sig ed.sig list.json
expect 1 "$IMAGUARD" allowlist verify --trust ed.pub --sig ec.sig list.json
expect 1 "$IMAGUARD" allowlist verify --trust rsa.pub --sig ec.sig list.json
# several trusted keys: any one may sign
expect 0 "$IMAGUARD" allowlist verify --trust ec.pub --trust rsa.pub --trust ed.pub --sig ed.sig list.json
expect 1 "$IMAGUARD" allowlist verify --trust ec.pub --trust rsa.pub --sig ed.sig list.json

# weak or unsupported keys are refused with a reason, even when the signature matches
expect 1 "$IMAGUARD" allowlist verify --trust rsa1024.pub --sig rsa1024.sig list.json
grep -q "RSA key of 1024 bits is too short" err
expect 1 "$IMAGUARD" allowlist verify --trust p384.pub --sig p384.sig list.json
grep -q "not supported (want P-256)" err
expect 1 "$IMAGUARD" allowlist verify --trust ed.key --sig ed.sig list.json
grep -q "not a PEM public key" err

# usage errors
expect 2 "$IMAGUARD" allowlist verify list.json
expect 2 "$IMAGUARD" allowlist verify --trust ed.pub
expect 2 "$IMAGUARD" allowlist verify --trust ed.pub --commit list.json
expect 1 "$IMAGUARD" allowlist verify --trust ed.pub --sig missing.sig list.json
grep -q "cannot open 'missing.sig': No such file or directory" err

# what `allowlist sign` writes, openssl verifies (Ed25519: the raw signature)
expect 0 "$IMAGUARD" allowlist sign --key ed.key -o mine.sig list.json
[ "$(wc -l < mine.sig)" -eq 1 ]
base64 -d mine.sig > mine.raw
openssl pkeyutl -verify -rawin -pubin -inkey ed.pub -in list.json -sigfile mine.raw >/dev/null
expect 0 "$IMAGUARD" allowlist sign --key ec.key -o mine-ec.sig list.json
base64 -d mine-ec.sig > mine-ec.raw
openssl dgst -sha256 -verify ec.pub -signature mine-ec.raw list.json >/dev/null
expect 0 "$IMAGUARD" allowlist sign --key rsa.key -o mine-rsa.sig list.json
base64 -d mine-rsa.sig > mine-rsa.raw
openssl dgst -sha256 -verify rsa.pub -signature mine-rsa.raw list.json >/dev/null
expect 0 "$IMAGUARD" allowlist verify --trust rsa.pub --sig mine-rsa.sig list.json
echo ok
