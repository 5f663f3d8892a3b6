#!/usr/bin/env bash
# `imaguard audit verify` on logs chained here with sha256sum, independently
# of the writer: intact, each kind of damage with its exact message and exit
# status, gzip, rotation (--prev-hash and one log continuing the one before),
# standard input, usage errors. A log from the writer itself (via the report
# fixture generator) must verify too.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_command audit verify

fail() { echo "FAIL: $*"; exit 1; }
zeros=0000000000000000000000000000000000000000000000000000000000000000

# expect STATUS 'STDERR OR STDOUT LINE' CMD...: the exit status and one exact line
expect() {
	local want=$1 line=$2 rc=0
	shift 2
	"$@" >out 2>err || rc=$?
	[ "$rc" -eq "$want" ] || { cat out err; fail "'$*' exited $rc, want $want"; }
	[ -z "$line" ] || grep -qxF -- "$line" out err ||
		{ cat out err; fail "'$*' did not print '$line'"; }
}

# mklog FILE N [PREV [FIRST_SEQ]]: N chained records
mklog() {
	local f=$1 n=$2 prev=${3:-$zeros} seq=${4:-1} line i
	: >"$f"
	for ((i = 0; i < n; i++, seq++)); do
		line=$(printf '{"type":"access","time":"2026-03-01T10:00:%02d.000000000Z","seq":%d,"prev":"%s","path":"/usr/bin/f%d","pid":%d}' \
			"$((seq % 60))" "$seq" "$prev" "$seq" "$((100 + seq))")
		printf '%s\n' "$line" >>"$f"
		prev=$(printf '%s' "$line" | sha256sum | cut -d' ' -f1)
	done
	last=$prev
}

mklog audit.log 20
cp audit.log pristine.log
expect 0 "audit.log: intact, 20 records" "$IMAGUARD" audit verify audit.log
[ ! -s err ] || fail "an intact log printed to stderr"

# one byte in line 16 that keeps it JSON: line 17's prev tells
sed '16s|/usr/bin/f16|/usr/bin/g16|' pristine.log >bad.log
expect 1 "imaguard: 'bad.log': line 17: edited or reordered: prev does not match line 16" \
	"$IMAGUARD" audit verify bad.log
[ ! -s out ] || fail "a broken log printed to stdout"
# an edit that breaks the JSON shows on the line itself
sed '16s|^{|[|' pristine.log >bad.log
expect 1 "" "$IMAGUARD" audit verify bad.log
grep -q "^imaguard: 'bad.log': line 16: not JSON: " err || fail "bad JSON: $(cat err)"
# the last line edited cannot show in the chain: its hash is the check
sed '20s|/usr/bin/f20|/usr/bin/g20|' pristine.log >bad.log
expect 0 "bad.log: intact, 20 records" "$IMAGUARD" audit verify bad.log

# a line removed, two lines swapped, the first line removed
sed '5d' pristine.log >bad.log
expect 1 "imaguard: 'bad.log': line 5: line removed or reordered: seq 6 after 4" \
	"$IMAGUARD" audit verify bad.log
{ sed -n '1,7p' pristine.log; sed -n '9p' pristine.log; sed -n '8p' pristine.log
  sed -n '10,$p' pristine.log; } >bad.log
expect 1 "imaguard: 'bad.log': line 8: line removed or reordered: seq 9 after 7" \
	"$IMAGUARD" audit verify bad.log
sed '1d' pristine.log >bad.log
expect 1 "" "$IMAGUARD" audit verify bad.log
grep -q "^imaguard: 'bad.log': line 1: log does not start at seq 1 but 2" err ||
	fail "first line removed: $(cat err)"

# cut mid-line, and cut just before the last newline
head -c -10 pristine.log >bad.log
expect 1 "imaguard: 'bad.log': line 20: truncated mid-line" "$IMAGUARD" audit verify bad.log
head -c -1 pristine.log >bad.log
expect 1 "imaguard: 'bad.log': line 20: truncated mid-line" "$IMAGUARD" audit verify bad.log

# a record without seq
sed '3s|"seq":3,||' pristine.log >bad.log
expect 1 "imaguard: 'bad.log': line 3: missing key 'seq'" "$IMAGUARD" audit verify bad.log

# a type the trail does not define, a time not in its form (or not a date)
sed '7s|"type":"access"|"type":"acess"|' pristine.log >bad.log
expect 1 "imaguard: 'bad.log': line 7: key 'type' is not a record type: 'acess'" \
	"$IMAGUARD" audit verify bad.log
why="key 'time' is not an RFC 3339 UTC time with nanoseconds"
for t in 2026-03-01T10:00:07Z 2026-03-01T10:00:07.000000000+00:00 2026-02-30T10:00:07.000000000Z \
	'2026-03-01 10:00:07.000000000Z' yesterday; do
	sed "7s|\"time\":\"[^\"]*\"|\"time\":\"$t\"|" pristine.log >bad.log
	expect 1 "imaguard: 'bad.log': line 7: $why: '$t'" "$IMAGUARD" audit verify bad.log
done
# the six types the trail defines
types=(start access summary reload lost stop)
: >types.log
prev=$zeros
for i in "${!types[@]}"; do
	line=$(printf '{"type":"%s","time":"2024-02-29T23:59:59.999999999Z","seq":%d,"prev":"%s"}' \
		"${types[$i]}" "$((i + 1))" "$prev")
	printf '%s\n' "$line" >>types.log
	prev=$(printf '%s' "$line" | sha256sum | cut -d' ' -f1)
done
expect 0 "types.log: intact, 6 records" "$IMAGUARD" audit verify types.log

# empty log
: >empty.log
expect 0 "empty.log: intact, 0 records" "$IMAGUARD" audit verify empty.log

# gzip: read as it is; damage inside found; a cut stream is not intact
gzip -k audit.log
expect 0 "audit.log.gz: intact, 20 records" "$IMAGUARD" audit verify audit.log.gz
sed '16s|/usr/bin/f16|/usr/bin/g16|' pristine.log | gzip >bad.log.gz
expect 1 "imaguard: 'bad.log.gz': line 17: edited or reordered: prev does not match line 16" \
	"$IMAGUARD" audit verify bad.log.gz
head -c -6 audit.log.gz >cut.log.gz
expect 1 "imaguard: 'cut.log.gz': line 21: compressed log cut short after line 20" \
	"$IMAGUARD" audit verify cut.log.gz

# rotation: the successor's first prev is the old log's last hash
mklog old.log 5
old_last=$last
mklog new.log 3 "$old_last"
expect 1 "" "$IMAGUARD" audit verify new.log
grep -q "^imaguard: 'new.log': line 1: first line's prev is not 64 zeros" err ||
	fail "rotated log without its start: $(cat err)"
expect 0 "new.log: intact, 3 records (from the given hash)" \
	"$IMAGUARD" audit verify --prev-hash "$old_last" new.log
expect 0 "new.log: intact, 3 records (from the given hash)" \
	"$IMAGUARD" audit verify --prev-hash "${old_last^^}" new.log
expect 1 "imaguard: 'new.log': line 1: prev does not match the given starting hash" \
	"$IMAGUARD" audit verify --prev-hash "$zeros" new.log
# given in order, a log continues the one before it
expect 0 "new.log: intact, 3 records (continues 'old.log')" \
	"$IMAGUARD" audit verify old.log new.log
grep -qxF "old.log: intact, 5 records" out || fail "old.log not reported"
# but not a log it does not follow
expect 1 "" "$IMAGUARD" audit verify audit.log new.log
grep -qxF "audit.log: intact, 20 records" out || fail "audit.log not reported"
grep -q "^imaguard: 'new.log': line 1: first line's prev is not 64 zeros" err ||
	fail "unrelated predecessor: $(cat err)"

# several logs: each reported, any bad one fails the run
sed '5d' pristine.log >bad.log
expect 1 "audit.log: intact, 20 records" "$IMAGUARD" audit verify audit.log bad.log empty.log
grep -qxF "empty.log: intact, 0 records" out || fail "log after a bad one not checked"

# standard input
expect 0 "-: intact, 20 records" "$IMAGUARD" audit verify - <audit.log

# unreadable, and usage errors
expect 1 "imaguard: cannot read 'missing.log': No such file or directory" \
	"$IMAGUARD" audit verify missing.log
expect 2 "" "$IMAGUARD" audit verify
expect 2 "" "$IMAGUARD" audit verify --prev-hash abc audit.log
expect 2 "" "$IMAGUARD" audit verify --bogus audit.log
expect 2 "" "$IMAGUARD" audit
expect 2 "" "$IMAGUARD" audit append audit.log
expect 0 "" "$IMAGUARD" audit --help
grep -q "verify" out || fail "'audit --help' does not list verify"
expect 0 "" "$IMAGUARD" audit verify --help
grep -q -- "--prev-hash" out || fail "'audit verify --help' does not show --prev-hash"

# logs from the writer itself verify, and report the damage the same way
top=$(cd "$(dirname "$IMAGUARD")/.." && pwd)
gen=${MKAUDITLOG:-$top/build/tools/mkauditlog}
[ -x "$gen" ] || make -C "$top" -s build/tools/mkauditlog >/dev/null 2>&1 || true
if [ -x "$gen" ]; then
	mkdir w && (cd w && "$gen" gen . >/dev/null)
	expect 0 "w/web1.log: intact, 11 records" "$IMAGUARD" audit verify w/web1.log
	expect 0 "" "$IMAGUARD" audit verify w/web1.log w/web2.log w/db1.log
else
	echo "note: no fixture generator, writer-made logs not checked"
fi
echo "audit verify: ok"
