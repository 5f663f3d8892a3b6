#!/usr/bin/env bash
# Rewrite tests/data/auditlog/ with audit logs the daemon itself writes: boot
# the guest, run tests/vm/t_auditlog_capture.sh (two runs of `imaguard run`,
# monitor and enforce) and keep what it exports.
#
#   scripts/testdata-auditlog.sh        (make testdata-auditlog)
#
# KERNEL picks the guest's kernel (6.12). The host tests of report, propose
# and audit ecs read these files; rerun this when the trail's format changes.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
k=${KERNEL:-6.12}
out="$top/tests/data/auditlog"
files=(monitor.log enforce.log many-sources.log allowlist-1.json allowlist-2.json scenario.env)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

KERNELS=$k T=auditlog_capture VM_FILES_DIR="$tmp" "$top/scripts/vm/run.sh" test
for f in "${files[@]}"; do
	[ -s "$tmp/$k/$f" ] || { echo "imaguard: testdata-auditlog: the guest exported no '$f'" >&2; exit 1; }
done
"$top/build/imaguard" audit verify "$tmp/$k/monitor.log" "$tmp/$k/enforce.log" \
	"$tmp/$k/many-sources.log" >/dev/null
mkdir -p "$out"
for f in "${files[@]}"; do
	cp "$tmp/$k/$f" "$out/$f"
done
echo "testdata-auditlog: ${files[*]} in $out (kernel $k)"
