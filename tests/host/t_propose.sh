#!/usr/bin/env bash
# `imaguard allowlist propose` round trip on the host: monitor-mode logs ->
# proposed allowlist -> signed with an openssl-made key -> `allowlist verify`
# accepts it, and it lists exactly the (digest, path) pairs that ran. With a
# base: serial + 1, base entries kept, never-run entries named. A broken
# chain is refused unless --accept-broken-chain.
set -euo pipefail
command -v openssl >/dev/null || { echo "openssl not installed"; exit 77; }
top=$(cd "$(dirname "$IMAGUARD")/.." && pwd)
gen=${MKAUDITLOG:-$top/build/tools/mkauditlog}
[ -x "$gen" ] || make -C "$top" -s build/tools/mkauditlog

fail() { echo "FAIL: $*"; exit 1; }

"$gen" gen .
openssl genpkey -algorithm ed25519 -out k.key 2>/dev/null
openssl pkey -in k.key -pubout -out k.pub

# digest and path of every entry, one pair a line, sorted
pairs() {
	grep -o '"digest": "[0-9a-f]*", "path": "[^"]*"' "$1" |
		sed 's/"digest": "\([0-9a-f]*\)", "path": "\([^"]*\)"/\1 \2/' | sort
}
# what ran in monitor mode (allowed exec and mmap records, plus summarised
# repeats), straight from the logs
ran() {
	grep -h '"mode":"monitor"' "$@" | grep '"decision":"allow"' | grep -E '"hook":"(exec|mmap)"' |
		sed 's/.*"path":"\([^"]*\)".*"digest":"sha256:\([0-9a-f]*\)".*/\2 \1/'
	# summaries carry the digest as access records do (format 2)
	grep -h '"type":"summary"' "$@" |
		sed 's/.*"path":"\([^"]*\)","digest":"sha256:\([0-9a-f]\{64\}\)".*/\2 \1/'
}

# no base: serial 1, exactly what ran
"$IMAGUARD" allowlist propose --created 2026-03-02T00:00:00Z -o new.json web1.log web2.log >out
cat out
grep -q "serial 1, 5 entries" out || fail "propose summary: $(head -1 out)"
grep -q '^added: 5$' out || fail "added is not 5"
pairs new.json >listed
ran web1.log web2.log | sort -u >expected
[ "$(wc -l <expected)" -eq 5 ] || fail "the scenario ran $(wc -l <expected) pairs, want 5"
diff expected listed || fail "the proposal does not list exactly what ran"
grep -q '"source": "observed"' new.json || fail "no source \"observed\""
grep -q '"comment": "observed 4 times, first 2026-03-01T10:02:10Z on web1"' new.json ||
	fail "the server's comment lacks its count and first sighting"
# libc: mapped once on each host, then 10 repeats in a summary: one entry,
# counted 12 times
grep -c '"path": "/usr/lib/x86_64-linux-gnu/libc.so.6"' new.json | grep -qx 1 ||
	fail "libc is not exactly one entry"
grep -q '"comment": "observed 12 times, first 2026-03-01T10:00:05Z on web1"' new.json ||
	fail "libc's repeats from the summary are not counted: $(grep -A3 libc new.json)"

"$IMAGUARD" allowlist sign --key k.key new.json
"$IMAGUARD" allowlist verify --trust k.pub new.json >out || fail "verify refused the proposal"
grep -q "valid: serial 1, 5 entries" out || fail "verify: $(cat out)"
# and the raw openssl signature verifies too
openssl pkeyutl -sign -rawin -inkey k.key -in new.json -out raw.sig
"$IMAGUARD" allowlist verify --trust k.pub --sig raw.sig new.json >/dev/null

# the base: its serial + 1, its entries kept, only the unlisted added, the
# never-run entry named for removal; enforce-mode records left out
"$IMAGUARD" allowlist sign --key k.key allowlist.json
"$IMAGUARD" allowlist propose --base allowlist.json --trust k.pub -o next.json \
	web1.log web2.log db1.log >out
cat out
grep -q "serial 8, 6 entries (4 from the base, 2 observed)" out || fail "base summary: $(head -1 out)"
grep -q "never seen executing, could be removed: 1" out || fail "no removal candidate"
grep -q "/usr/bin/never" out || fail "/usr/bin/never not named"
grep -q "left out: 7 access records from enforce mode" out || fail "enforce records not left out"
pairs allowlist.json >base
pairs next.json >next
[ -z "$(comm -23 base next)" ] || fail "base entries dropped"
comm -13 base next | cut -d' ' -f2 | sort >added
printf '/opt/app/server\n/usr/bin/python3\n' | diff - added || fail "added the wrong entries"
grep -q '"bash 5.2.15-2+b7"' next.json || fail "the base's sources are lost"
"$IMAGUARD" allowlist sign --key k.key next.json
"$IMAGUARD" allowlist verify --trust k.pub next.json | grep -q "valid: serial 8" ||
	fail "verify refused the proposal from a base"

# a base at the highest serial there is has no next one: refused, nothing
# written (serial + 1 would be a list that cannot be read back)
"$IMAGUARD" allowlist show allowlist.json >/dev/null
sed 's/"serial": [0-9]*/"serial": 9223372036854775807/' allowlist.json >top.json
grep -q '"serial": 9223372036854775807,' top.json || fail "top.json has no top serial"
"$IMAGUARD" allowlist sign --key k.key top.json
rc=0
"$IMAGUARD" allowlist propose --base top.json --trust k.pub -o top-next.json web1.log \
	>out 2>err || rc=$?
[ "$rc" -eq 1 ] || fail "a base at serial 2^63-1 exited $rc, want 1"
why="its serial 9223372036854775807 is the highest an allowlist can have (2^63-1)"
grep -qxF "imaguard: cannot propose from 'top.json': $why, there is no next one" err ||
	fail "top serial: $(cat err)"
[ ! -e top-next.json ] || fail "a proposal past the highest serial was written"

# the base's expiry is kept; a --created after it is warned about, and the
# proposal still written
"$IMAGUARD" allowlist build --serial 3 --expires 2999-01-01T00:00:00Z -o exp.json "$gen" 2>/dev/null
"$IMAGUARD" allowlist sign --key k.key exp.json
rc=0
"$IMAGUARD" allowlist propose --base exp.json --trust k.pub --created 3000-01-01T00:00:00Z \
	-o exp-next.json web1.log >out 2>err || rc=$?
[ "$rc" -eq 0 ] || fail "a proposal created after its base's expiry exited $rc, want 0"
grep -qxF "imaguard: warning: the allowlist expires at 2999-01-01T00:00:00Z, before its created time 3000-01-01T00:00:00Z" err ||
	fail "no warning for an expiry before created: $(cat err)"
grep -q '"expires": "2999-01-01T00:00:00Z"' exp-next.json || fail "the base's expiry is lost"

# the base must verify
rc=0
"$IMAGUARD" allowlist propose --base allowlist.json -o x.json web1.log >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "--base without --trust exited $rc, want 2"
echo tampered >>allowlist.json
rc=0
"$IMAGUARD" allowlist propose --base allowlist.json --trust k.pub -o x.json web1.log >/dev/null 2>&1 ||
	rc=$?
[ "$rc" -eq 1 ] || fail "a tampered base exited $rc, want 1"

# a broken chain is refused, and written nothing, unless accepted
rc=0
"$IMAGUARD" allowlist propose -o b.json web1.log web2-broken.log >out 2>err || rc=$?
[ "$rc" -eq 1 ] || fail "a broken chain exited $rc, want 1"
grep -q "does not verify" err || fail "refusal does not say why: $(cat err)"
[ ! -e b.json ] || fail "a refused proposal was written"
"$IMAGUARD" allowlist propose --accept-broken-chain -o b.json web1.log web2-broken.log >out 2>err
grep -q "warning" err || fail "accepting a broken chain is not warned about"
[ -s b.json ] || fail "--accept-broken-chain wrote nothing"

# usage
rc=0
"$IMAGUARD" allowlist propose web1.log >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "propose without -o exited $rc, want 2"
# ---- logs the daemon itself wrote in the guest (tests/data/auditlog/) ----
real=$TESTDATA/auditlog
# shellcheck disable=SC1091
. "$real/scenario.env"
# no base: the listed libc copy, mapped MON_LIB_RUNS times (one access
# record, the rest in summaries), is one entry counted that often
"$IMAGUARD" allowlist propose --created 2026-12-07T00:00:00Z -o real.json "$real/monitor.log" >out
grep -c "\"path\": \"$LIBC_PATH\"" real.json | grep -qx 1 || fail "the libc copy is not exactly one entry"
grep -q "  + $LIBC_DIGEST  $LIBC_PATH  (observed $MON_LIB_RUNS times, " out ||
	fail "the libc copy is not counted $MON_LIB_RUNS times: $(grep -F "$LIBC_PATH" out)"
# hello ran (exec and its mapping) before and after the reload
grep -q "  + $HELLO_DIGEST  $HELLO_PATH  (observed $((2 * (MON_HELLO_RUNS + HELLO_AFTER_RELOAD))) times, " out ||
	fail "hello's count: $(grep -F "$HELLO_PATH" out)"
# every pair that ran allowed in the log, and nothing else
ran "$real/monitor.log" | sort -u >real-expected
pairs real.json >real-listed
diff real-expected real-listed || fail "the proposal from the daemon's log does not list what ran"
# the same log as format 1 wrote it proposes the same
. "$(dirname "$0")/lib.sh"
audit_format1 "$real/monitor.log" real-v1.log
"$IMAGUARD" allowlist propose --created 2026-12-07T00:00:00Z -o real-v1.json real-v1.log >/dev/null
cmp real.json real-v1.json || fail "format 1 and format 2 of one log propose differently"
# with the list in force before the reload as base: exactly hello and the
# unlisted copy of true are new; the libc copy is already listed
cp "$real/allowlist-1.json" real-base.json
"$IMAGUARD" allowlist sign --key k.key real-base.json
"$IMAGUARD" allowlist propose --base real-base.json --trust k.pub --created 2026-12-07T00:00:00Z \
	-o real-next.json "$real/monitor.log" >out
grep -q '^added: 2$' out || fail "from the base, added: $(grep '^added' out)"
grep '^  + ' out | awk '{ print $3 }' | sort >added
printf '%s\n%s\n' "$HELLO_PATH" "$UNLISTED_PATH" | sort | diff - added ||
	fail "from the base, added the wrong entries"
grep -qF "$LIBC_PATH" real-next.json && fail "the listed libc copy was proposed"

echo "propose: all checks passed"
