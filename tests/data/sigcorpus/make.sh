#!/usr/bin/env bash
# Regenerates the signature fixture corpus with the plain openssl command line
# and the test-only keys in ../keys. Each line of 'cases' reads
#   ALLOWLIST SIGNATURE PUBLIC-KEY VERDICT
# with VERDICT valid (verifies), invalid (does not) or badkey (key refused).
set -euo pipefail
cd "$(dirname "$0")"
k=../keys
cat > list.json <<'JSON'
{
  "format": "imaguard-allowlist/1",
  "serial": 3,
  "created": "2026-01-01T00:00:00Z",
  "hash_algo": "sha256",
  "entries": [
    {"digest": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", "path": "/usr/bin/foo", "source": "manual"},
    {"digest": "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9", "path": "/usr/bin/bar", "bind_path": true}
  ]
}
JSON
# one byte changed: serial 3 -> 4
sed 's/"serial": 3/"serial": 4/' list.json > list-tampered.json

openssl pkeyutl -sign -rawin -inkey $k/ed25519.key -in list.json -out ed25519.sig
base64 -w0 ed25519.sig > ed25519.b64.sig
echo >> ed25519.b64.sig
openssl dgst -sha256 -sign $k/p256.key -out p256.sig list.json
openssl dgst -sha256 -sign $k/rsa3072.key -out rsa3072.sig list.json
openssl dgst -sha256 -sign $k/rsa3072.key -sigopt rsa_padding_mode:pss -out rsa3072-pss.sig list.json
openssl dgst -sha256 -sign $k/rsa3072.key -sigopt rsa_padding_mode:pss \
	-sigopt rsa_pss_saltlen:digest -out rsa3072-pss32.sig list.json
openssl dgst -sha256 -sign $k/rsa2048.key -out rsa2048.sig list.json
openssl dgst -sha256 -sign $k/rsa1024.key -out rsa1024.sig list.json
openssl dgst -sha256 -sign $k/p384.key -out p384.sig list.json
# SHA-512 with an RSA key: the algorithm is pinned to SHA-256
openssl dgst -sha512 -sign $k/rsa3072.key -out rsa3072-sha512.sig list.json
# flip one bit in the last byte of a signature
cp ed25519.sig ed25519-flipped.sig
last=$(od -An -tu1 -j63 -N1 ed25519.sig | tr -d ' ')
printf "$(printf '\\%03o' $((last ^ 1)))" | dd of=ed25519-flipped.sig bs=1 seek=63 conv=notrunc status=none
: > empty.sig

cat > cases <<'CASES'
list.json ed25519.sig ed25519.pub valid
list.json ed25519.b64.sig ed25519.pub valid
list.json p256.sig p256.pub valid
list.json rsa3072.sig rsa3072.pub valid
list.json rsa3072-pss.sig rsa3072.pub valid
list.json rsa3072-pss32.sig rsa3072.pub valid
list.json rsa2048.sig rsa2048.pub valid
list-tampered.json ed25519.sig ed25519.pub invalid
list-tampered.json p256.sig p256.pub invalid
list-tampered.json rsa3072.sig rsa3072.pub invalid
list-tampered.json rsa3072-pss.sig rsa3072.pub invalid
list.json ed25519-flipped.sig ed25519.pub invalid
list.json empty.sig ed25519.pub invalid
list.json ed25519.sig ed25519-other.pub invalid
list.json ed25519.sig p256.pub invalid
list.json p256.sig ed25519.pub invalid
list.json rsa3072.sig p256.pub invalid
list.json rsa3072-sha512.sig rsa3072.pub invalid
list.json rsa2048.sig rsa3072.pub invalid
list.json rsa1024.sig rsa1024.pub badkey
list.json p384.sig p384.pub badkey
list.json ed25519.sig ed25519.key badkey
CASES
