#!/usr/bin/env bash
# Anti-rollback and expiry through `allowlist verify --state-dir`: a lower
# serial and a same-serial swap are refused, an expired list is refused, and
# the state moves only with --commit and only after every check passed. A
# --state-dir that is not a directory is refused, never taken as "no state",
# unless --commit sets a state up there.
set -euo pipefail
command -v openssl >/dev/null || { echo "openssl not installed"; exit 77; }

. "$(dirname "$0")/lib.sh"

# mklist SERIAL [EXPIRES] [COMMENT]: write and sign list.json
mklist() {
	local exp=""
	[ -n "${2:-}" ] && exp="\"expires\": \"$2\","
	cat > list.json <<JSON
{"format": "imaguard-allowlist/1", "serial": $1, $exp "hash_algo": "sha256",
 "entries": [{"digest": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", "comment": "${3:-x}"}]}
JSON
	openssl pkeyutl -sign -rawin -inkey k.pem -in list.json -out list.json.sig
}

openssl genpkey -algorithm ed25519 -out k.pem 2>/dev/null
openssl pkey -in k.pem -pubout -out k.pub
V=("$IMAGUARD" allowlist verify --trust k.pub --state-dir state)

mklist 10
# a mistyped state directory would pass any serial: refused, and not created
expect 1 "${V[@]}" list.json
grep -qxF "imaguard: cannot use state directory 'state': No such file or directory" err
[ ! -e state ] || { echo "state directory created"; exit 1; }
touch state
expect 1 "${V[@]}" list.json
grep -qxF "imaguard: cannot use state directory 'state': Not a directory" err
rm state
# --commit sets a state up: the directory is made, as the daemon makes it
mkdir seed
expect 0 "$IMAGUARD" allowlist verify --trust k.pub --state-dir seed/new --commit list.json
[ -s seed/new/allowlist.state ] || { echo "--commit did not set the state up"; exit 1; }
rm -rf seed
mkdir state
expect 0 "${V[@]}" list.json
[ ! -e state/allowlist.state ] || { echo "state written without --commit"; exit 1; }
expect 0 "${V[@]}" --commit list.json
grep -q '"serial":10' state/allowlist.state
expect 0 "${V[@]}" --commit list.json		# the same list again

mklist 9
expect 1 "${V[@]}" list.json
grep -q "serial 9 is older than the accepted serial 10 (rollback)" err
expect 1 "${V[@]}" --commit list.json
grep -q '"serial":10' state/allowlist.state
# without the state directory the same list is fine
expect 0 "$IMAGUARD" allowlist verify --trust k.pub list.json

mklist 10 "" swapped
expect 1 "${V[@]}" --commit list.json
grep -q "serial 10 was already accepted with different content" err

mklist 11 "2000-01-01T00:00:00Z"
expect 1 "${V[@]}" --commit list.json
grep -q "refused: expired at 2000-01-01T00:00:00Z" err
grep -q '"serial":10' state/allowlist.state

mklist 12 "2999-01-01T00:00:00Z"
expect 0 "${V[@]}" --commit list.json
grep -q '"serial":12' state/allowlist.state
grep -q 'expires 2999-01-01T00:00:00Z' out

# a broken signature never moves the floor
mklist 20
printf ' ' >> list.json
expect 1 "${V[@]}" --commit list.json
grep -q '"serial":12' state/allowlist.state

# a malformed state file refuses everything until removed
echo '{}' > state/allowlist.state
mklist 30
expect 1 "${V[@]}" list.json
grep -q "malformed" err
rm state/allowlist.state
expect 0 "${V[@]}" --commit list.json

# a symlinked or non-regular allowlist is refused
ln -s list.json link.json
expect 1 "$IMAGUARD" allowlist verify --trust k.pub --sig list.json.sig link.json
grep -q "is a symbolic link" err
mkfifo fifo
expect 1 "$IMAGUARD" allowlist verify --trust k.pub --sig list.json.sig fifo
grep -q "a FIFO (refused)" err
echo ok
