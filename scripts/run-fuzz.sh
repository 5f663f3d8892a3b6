#!/usr/bin/env bash
# Run each libFuzzer target for FUZZ_SECONDS over its seed corpus
# (tests/fuzz/corpus/<name>/, copied so the tree stays clean).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SECONDS:-60}
passed=0 failed=0
for f in "$@"; do
	f=$(realpath "$f")
	name=$(basename "$f")
	work="$top/build/fuzz/run/$name"
	rm -rf "$work" && mkdir -p "$work/corpus"
	seeds="$top/tests/fuzz/corpus/${name#fuzz_}"
	[ -d "$seeds" ] && cp -r "$seeds"/. "$work/corpus/"
	if (cd "$work" && "$f" -max_total_time="$secs" -print_final_stats=0 corpus >log 2>&1); then
		echo "PASS fuzz/$name (${secs}s)"
		passed=$((passed + 1))
	else
		echo "FAIL fuzz/$name: see $work/log"
		tail -n 40 "$work/log" | sed 's/^/    | /'
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
