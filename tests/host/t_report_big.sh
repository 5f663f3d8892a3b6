#!/usr/bin/env bash
# A large audit log is streamed: the report's peak memory stays far below
# the log's size, and on a terminal a progress line is drawn on stderr.
set -euo pipefail
top=$(cd "$(dirname "$IMAGUARD")/.." && pwd)
gen=${MKAUDITLOG:-$top/build/tools/mkauditlog}
[ -x "$gen" ] || make -C "$top" -s build/tools/mkauditlog
fail() { echo "FAIL: $*"; exit 1; }

# 80000 records of 50 binaries: about 50 MB of log
"$gen" big big.log 80000
size_kb=$(( $(stat -c %s big.log) / 1024 ))
"$gen" maxrss "$IMAGUARD" report -o big.json big.log 2>rss
rss_kb=$(sed -n 's/^maxrss //p' rss)
echo "log $size_kb KiB, peak RSS $rss_kb KiB"
[ "$rss_kb" -lt 32768 ] || fail "peak RSS $rss_kb KiB for a $size_kb KiB log: not streaming"
[ "$rss_kb" -lt $((size_kb / 2)) ] || fail "peak RSS $rss_kb KiB is not far below the log's $size_kb KiB"
grep -q '"events": 80000' big.json || fail "not every record was counted"
grep -q '"executables": 50' big.json || fail "the 50 binaries were not aggregated"

# a terminal on stderr gets the progress line; a pipe does not
if command -v script >/dev/null; then
	script -qefc "$IMAGUARD report -o p.json big.log" /dev/null >tty.out </dev/null
	grep -q 'report: big.log .*%' tty.out || fail "no progress line on a terminal"
fi
"$IMAGUARD" report -o q.json big.log 2>pipe.err
! grep -q '%' pipe.err || fail "progress drawn into a pipe"
echo "report big: all checks passed"
