#!/usr/bin/env bash
# Run each libFuzzer target for FUZZ_SECONDS over its seed corpus, copied so
# the tree stays clean: tests/fuzz/corpus/<name>/ (seeds only the fuzzer
# needs), and for import_<format> also the import fixtures of that format in
# tests/data/import/, the same files the unit and host tests read.
#
# With FUZZ_RUNS (make fuzz-long) each target instead runs that many inputs
# (or FUZZ_SECONDS, when also given, whichever comes first) over a corpus
# kept between runs in build/fuzz/corpus-long/<name>/, read together with the
# seeds; a table gives per target the executions, libFuzzer's final coverage
# (cov: edges, ft: features), the time, exec/s (and per CPU second, which a
# busy machine does not skew) and, for a run cut short by FUZZ_SECONDS, the
# time FUZZ_RUNS would take at that rate. FUZZ_MERGE=1
# then merges into tests/fuzz/corpus/<name>/ the inputs of that corpus that
# add coverage (-merge=1); nothing else writes to the tree.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-}
passed=0 failed=0
table=()

# hms SECONDS: "1h02m03s"
hms() {
	printf '%dh%02dm%02ds' $(($1 / 3600)) $(($1 % 3600 / 60)) $(($1 % 60))
}

# long NAME BINARY WORK: one target of make fuzz-long; its corpus persists
long() {
	local name=$1 f=$2 work=$3 corpus="$top/build/fuzz/corpus-long/$1" t0 t1 rc=0
	local execs rate cov ft el proj limit=()
	mkdir -p "$corpus"
	[ -n "${FUZZ_SECONDS:-}" ] && limit=(-max_total_time="$FUZZ_SECONDS")
	# wall and CPU seconds: on a busy machine the CPU rate is the one
	# that carries over to another
	local TIMEFORMAT='%R %U %S' cpu cpurate=?
	t0=$(date +%s)
	{ time (cd "$work" && "$f" -runs="$runs" "${limit[@]}" -print_final_stats=1 \
		-artifact_prefix="$work/" "$corpus" corpus >log 2>&1); } 2>"$work/times" || rc=$?
	t1=$(date +%s)
	el=$((t1 - t0))
	cpu=$(awk '{ printf "%.2f", $2 + $3 }' "$work/times")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$work/log" | tail -1)
	ft=${cov##*ft: } cov=${cov#cov: } cov=${cov%% *}
	[ -n "$execs" ] && cpurate=$(awk -v n="$execs" -v c="$cpu" 'BEGIN { printf "%d", (c > 0 ? n / c : 0) }')
	proj=-
	if [ -n "$rate" ] && [ "$rate" -gt 0 ] && [ "${execs:-0}" -lt "$runs" ]; then
		proj=$(hms $((runs / rate)))
	fi
	table+=("$(printf '%-24s %12s %7s %8s %10s %8s %10s %12s' "$name" "${execs:-?}" \
		"${cov:-?}" "${ft:-?}" "$(hms "$el")" "${rate:-?}" "$cpurate" "$proj")")
	if [ "$rc" -ne 0 ]; then
		echo "FAIL fuzz-long/$name: see $work/log"
		tail -n 40 "$work/log" | sed 's/^/    | /'
		return 1
	fi
	echo "PASS fuzz-long/$name (${execs:-?} runs in $(hms "$el"), corpus $(find "$corpus" -type f | wc -l) files)"
	if [ "${FUZZ_MERGE:-0}" = 1 ]; then
		local seeds="$top/tests/fuzz/corpus/${name#fuzz_}"
		case $name in
		fuzz_import_*) echo "fuzz-long/$name: its seeds are tests/data/import; merge by hand" ;;
		*)
			mkdir -p "$seeds"
			"$f" -merge=1 "$seeds" "$corpus" >"$work/merge.log" 2>&1 ||
				{ echo "FAIL fuzz-long/$name: merge, see $work/merge.log"; return 1; }
			echo "fuzz-long/$name: merged: $(grep -o 'MERGE-OUTER: [0-9]* new files' "$work/merge.log")"
			;;
		esac
	fi
}

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
	if [ -n "$runs" ]; then
		if long "$name" "$f" "$work"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
		continue
	fi
	if (cd "$work" && "$f" -max_total_time="$secs" -print_final_stats=0 corpus >log 2>&1); then
		echo "PASS fuzz/$name (${secs}s, $(grep -o 'seed corpus: files: [0-9]*' "$work/log" | grep -o '[0-9]*$' || echo '?') seeds)"
		passed=$((passed + 1))
	else
		echo "FAIL fuzz/$name: see $work/log"
		tail -n 40 "$work/log" | sed 's/^/    | /'
		failed=$((failed + 1))
	fi
done
if [ ${#table[@]} -gt 0 ]; then
	printf '%-24s %12s %7s %8s %10s %8s %10s %12s\n' target executions cov ft time exec/s \
		exec/cpu-s "for $runs"
	printf '%s\n' "${table[@]}"
fi
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
