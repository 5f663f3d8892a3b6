#!/usr/bin/env bash
# Run each libFuzzer target for FUZZ_SECONDS over its seed corpus, copied so
# the tree stays clean: tests/fuzz/corpus/<name>/ (seeds only the fuzzer
# needs), and for import_<format> also the import fixtures of that format in
# tests/data/import/, the same files the unit and host tests read.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SECONDS:-60}
passed=0 failed=0

# import_fixtures FORMAT: the tests/data/import files written in FORMAT
import_fixtures() {
	local prefix=$1
	case $1 in
	imalog) prefix=ima ;;	# ima.log, ima-bad.log
	esac
	compgen -G "$top/tests/data/import/$prefix[.-]*" || true
}

for f in "$@"; do
	f=$(realpath "$f")
	name=$(basename "$f")
	work="$top/build/fuzz/run/$name"
	rm -rf "$work" && mkdir -p "$work/corpus"
	seeds="$top/tests/fuzz/corpus/${name#fuzz_}"
	[ -d "$seeds" ] && cp -r "$seeds"/. "$work/corpus/"
	case $name in
	fuzz_import_*)
		mapfile -t fixtures < <(import_fixtures "${name#fuzz_import_}")
		if [ ${#fixtures[@]} -eq 0 ]; then
			echo "FAIL fuzz/$name: no fixture in tests/data/import for its format"
			failed=$((failed + 1))
			continue
		fi
		cp "${fixtures[@]}" "$work/corpus/"
		;;
	esac
	if (cd "$work" && "$f" -max_total_time="$secs" -print_final_stats=0 corpus >log 2>&1); then
		echo "PASS fuzz/$name (${secs}s, $(grep -o 'seed corpus: files: [0-9]*' "$work/log" | grep -o '[0-9]*$' || echo '?') seeds)"
		passed=$((passed + 1))
	else
		echo "FAIL fuzz/$name: see $work/log"
		tail -n 40 "$work/log" | sed 's/^/    | /'
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
