#!/usr/bin/env bash
# Host end-to-end tests: each tests/host/t_*.sh runs against build/imaguard.
# Exit 0 pass, 77 skip (the last line says why), anything else fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export IMAGUARD="$top/build/imaguard" TESTDATA="$top/tests/data"
passed=0 failed=0 skipped=0
# T names one test, with or without its t_ prefix; a name that matches no
# test is an error, never a run of nothing that passes.
T=${T:-}
T=${T#t_}
T=${T%.sh}
if [ -n "$T" ] && [ ! -e "$top/tests/host/t_$T.sh" ]; then
	echo "FAIL host/$T: no such test (tests/host/t_$T.sh)"
	exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for t in "$top"/tests/host/t_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	name=${name#t_}
	if [ -n "$T" ] && [ "$T" != "$name" ]; then continue; fi
	dir=$(mktemp -d)
	set +e
	(cd "$dir" && bash "$t") >"$out" 2>&1
	rc=$?
	set -e
	rm -rf "$dir"
	case $rc in
	0) echo "PASS host/$name"; passed=$((passed + 1)) ;;
	77) echo "SKIP host/$name: $(tail -n 1 "$out")"; skipped=$((skipped + 1)) ;;
	*) echo "FAIL host/$name (exit $rc)"; sed 's/^/    | /' "$out"; failed=$((failed + 1)) ;;
	esac
done
echo "host: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
