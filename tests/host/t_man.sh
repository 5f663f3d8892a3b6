#!/usr/bin/env bash
# The man pages: no warning from mandoc's linter, the sections an operator
# looks for, and every imaguard page they refer to exists.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*"; exit 1; }
command -v mandoc >/dev/null || fail "mandoc is missing: run scripts/deps.sh"

pages=("$top"/man/*.[1-8])
[ ${#pages[@]} -ge 4 ] || fail "only ${#pages[@]} man pages"
for p in "${pages[@]}"; do
	rc=0
	mandoc -Tlint -Wwarning "$p" >lint 2>&1 || rc=$?
	[ $rc -eq 0 ] && [ ! -s lint ] || { cat lint; fail "mandoc -Tlint on $(basename "$p") (exit $rc)"; }
	mandoc -Tascii "$p" | sed 's/.\x08//g' >"$(basename "$p").txt"
	# each imaguard page named is one of ours
	for ref in $(grep -o 'imaguard[a-z-]*([0-9])' "$(basename "$p").txt" | sort -u); do
		n=${ref%(*} s=${ref#*(}
		[ -f "$top/man/$n.${s%)}" ] || fail "$(basename "$p") refers to $ref, which does not exist"
	done
done
# a page with warnings is caught (the linter is really run)
printf '.TH X 5 "someday" x x\n.SH NAME\nx \\- y\n' >bad.5
! mandoc -Tlint -Wwarning bad.5 >/dev/null 2>&1 || fail "mandoc passed a page with a bad date"

grep -qx 'EXIT STATUS' imaguard.8.txt || fail "imaguard(8) has no EXIT STATUS"
grep -q 'docs/import.md' imaguard.8.txt || fail "imaguard(8) does not say where import is described"
for p in "${pages[@]}"; do
	n=$(basename "$p")
	[ "$n" = imaguard.8 ] || grep -qF "${n%.*}(${n##*.})" imaguard.8.txt ||
		fail "imaguard(8) does not point to ${n%.*}(${n##*.})"
done
# the audit page names every record type the audit format has
for t in start access summary reload lost stop; do
	grep -Eq "^ {7}$t( |$)" imaguard-audit.5.txt || fail "imaguard-audit(5) lacks '$t'"
done
echo ok
