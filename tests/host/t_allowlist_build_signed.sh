#!/usr/bin/env bash
# The whole path an operator takes: build a list over a tree, sign it (with
# imaguard and with openssl), verify it, and ask `hash` about files in and
# out of the tree.
set -euo pipefail
command -v openssl >/dev/null || { echo "openssl not installed"; exit 77; }

mkdir -p tree/bin
cp "$(type -P true)" tree/bin/t
printf '#!/bin/sh\necho hi\n' > tree/bin/s.sh
printf 'not code\n' > tree/data.txt
openssl genpkey -algorithm ed25519 -out k.pem 2>/dev/null
openssl pkey -in k.pem -pubout -out k.pub

"$IMAGUARD" allowlist build --serial 7 -o list.json tree 2>/dev/null
"$IMAGUARD" allowlist sign --key k.pem list.json
"$IMAGUARD" allowlist verify --trust k.pub list.json | grep -q 'valid: serial 7, 2 entries'
openssl pkeyutl -sign -rawin -inkey k.pem -in list.json -out raw.sig
"$IMAGUARD" allowlist verify --trust k.pub --sig raw.sig list.json >/dev/null

rc=0
"$IMAGUARD" hash --allowlist list.json --trust k.pub tree/bin/t tree/bin/s.sh tree/data.txt \
	> out || rc=$?
[ "$rc" -eq 1 ]
grep -q '^allowed .*  tree/bin/t$' out
grep -q '^allowed .*  tree/bin/s.sh$' out
grep -q '^denied .*  tree/data.txt$' out
echo ok
