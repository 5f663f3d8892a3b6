#!/usr/bin/env bash
# Run every benchmark, merge what they report, and judge it.
#
#   scripts/bench.sh quick|full [--gate]
#
# Host instruments first (each with --json, and --quick in quick mode; each
# prints one JSON object), then the guest benchmark on every kernel through
# `scripts/vm/run.sh bench`. Everything lands in build/bench/results.json and
# build/bench/results.md; the Markdown is printed at the end. Each instrument
# appears in results.json as the JSON it printed plus instrument, status
# (ok, failed or missing), reason, exit, wall_s and command (and series, the
# kernel, for the guest); its targets are also listed flat in "targets".
# The guest's ratios are also in "rows", one per workload x fs x arm x
# kernel (scripts/bench/report.jq says what a row holds), with the targets
# judged on them (FULL/NOOP within the floor's limit, FULL/OFF at or below
# each peer's) added to "targets"; results.md has them as a table per kernel
# and build/bench/chart.svg draws them (scripts/bench/chart.sh).
#
# Exit status: 0 when every instrument ran and produced its JSON; a missed
# target is reported, not a failure. With --gate (what `make check` uses) the
# run also fails on gross regressions only: a guest workload with a target
# whose FULL/OFF median ratio is above 1.5 times its recorded level (the
# workload's ratio in tests/bench/gate-baseline.json, at least 1) or that
# produced no ratio at all, or a pipeline that lost events.
# A guest that marked its own run noisy only warns about its ratios, and so
# does a workload that igbench gives no target (a deliberate worst case such
# as every open audited).
#
# Environment:
#   KERNELS="6.1 6.12"  the guest kernels
#   BENCH_GATE_RATIO    the gate's factor over the recorded level (1.5)
#   BENCH_BASELINE      the recorded levels (tests/bench/gate-baseline.json)
#   BENCH_OUT           where results go (build/bench)
#   BENCH_HOST_CMDS     "name=command ..." the host instruments (default:
#                       pipeline, allowlist and build, from build/bench/bin
#                       and scripts/bench; and deb in full mode)
#   BENCH_GUEST_CMD     the guest run (default "scripts/vm/run.sh bench"); it
#                       gets BENCH, KERNELS and BENCH_OUT and must leave
#                       $BENCH_OUT/guest-<kernel>.json, or guest-<kernel>.failed
#                       holding the reason, for every kernel, and exit non-zero
#                       when any failed
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

usage() { echo "usage: scripts/bench.sh quick|full [--gate]" >&2; exit 2; }
mode='' gate=0
for a in "$@"; do
	case $a in
	quick | full) [ -z "$mode" ] || usage; mode=$a ;;
	--gate) gate=1 ;;
	*) usage ;;
	esac
done
[ -n "$mode" ] || usage
command -v jq >/dev/null || { echo "imaguard: bench: jq not found: run scripts/deps.sh as root" >&2; exit 1; }

kernels=${KERNELS:-6.1 6.12}
gate_ratio=${BENCH_GATE_RATIO:-1.5}
baseline=${BENCH_BASELINE:-$top/tests/bench/gate-baseline.json}
[ -r "$baseline" ] || { echo "imaguard: bench: $baseline: cannot read the gate baseline" >&2; exit 1; }
out=${BENCH_OUT:-$top/build/bench}
host_cmds=${BENCH_HOST_CMDS:-pipeline=$top/build/bench/bin/bench_pipeline allowlist=$top/build/bench/bin/bench_allowlist build=$top/scripts/bench/build.sh}
# allowlist build --deb on about 1 GB of packages: minutes, and a download
# the first time; full runs (`make bench`) only, never `make check`.
if [ -z "${BENCH_HOST_CMDS:-}" ] && [ "$mode" = full ]; then
	host_cmds="$host_cmds deb=$top/scripts/bench/deb.sh"
fi
read -ra guest_cmd <<<"${BENCH_GUEST_CMD:-$top/scripts/vm/run.sh bench}"
logs="$out/logs"
mkdir -p "$out" "$logs"
entries="$logs/entries.jsonl"
: >"$entries"
t_start=$SECONDS

# json_of FILE: the last JSON object FILE holds, compact, or nothing. Tolerates
# stray text before it on lines of their own.
json_of() {
	jq -ces '[.[] | objects] | last // empty' "$1" 2>/dev/null ||
		grep '^{' "$1" | tail -n 1 | jq -ce 'objects' 2>/dev/null || true
}

# add_entry JSON STATUS REASON EXTRA: one instrument's record, its own JSON
# with status (and reason) beside it.
add_entry() {
	jq -cn --argjson j "$1" --arg status "$2" --arg reason "$3" --argjson extra "$4" \
		'$j + $extra + {status: $status} + (if $reason == "" then {} else {reason: $reason} end)' \
		>>"$entries"
}

# shape_error JSON KIND: why the object is not what a KIND instrument prints.
shape_error() {
	jq -r --arg kind "$2" '
		if .kind != $kind then "its output says kind \(.kind | tojson), not \"\($kind)\""
		elif (.targets | type) != "array" then "its output has no targets array"
		elif $kind == "host" and (.results | type) != "object" then "its output has no results object"
		elif $kind == "guest" and ((.workloads | type) != "array" or (.workloads | length) == 0)
			then "its output has no workloads"
		elif $kind == "guest" and ([.workloads[] | .full_off.median | numbers] | length) == 0
			then "no workload produced a FULL/OFF ratio"
		else empty end' <<<"$1"
}

# ---- host instruments ---------------------------------------------------------
args=(--json)
[ "$mode" = quick ] && args=(--quick --json)
for spec in $host_cmds; do
	name=${spec%%=*} cmd=${spec#*=}
	extra=$(jq -cn --arg n "$name" --arg cmd "$cmd" '{instrument: $n, command: $cmd}')
	if [ ! -x "$cmd" ]; then
		echo "bench: $name: missing ($cmd)" >&2
		add_entry "$(jq -cn --arg n "$name" '{kind: "host", bench: $n}')" missing \
			"not found or not executable: $cmd" "$extra"
		continue
	fi
	echo "bench: $name: running ${cmd#"$top"/} ${args[*]}" >&2
	t0=$SECONDS
	set +e
	"$cmd" "${args[@]}" >"$logs/$name.out" 2>"$logs/$name.err" </dev/null
	rc=$?
	set -e
	secs=$((SECONDS - t0))
	extra=$(jq -c --argjson rc "$rc" --argjson s "$secs" --arg log "$logs/$name.err" \
		'. + {exit: $rc, wall_s: $s, log: $log}' <<<"$extra")
	j=$(json_of "$logs/$name.out") why=''
	if [ -z "$j" ]; then
		why="no JSON object on stdout (exit $rc)"
		j=$(jq -cn --arg n "$name" '{kind: "host", bench: $n}')
	elif [ "$rc" -ne 0 ]; then
		why="exit $rc"
	else
		why=$(shape_error "$j" host)
	fi
	if [ -n "$why" ]; then
		echo "bench: $name: failed: $why; its stderr ends:" >&2
		tail -n 10 "$logs/$name.err" | sed 's/^/    | /' >&2
		add_entry "$j" failed "$why" "$extra"
	else
		echo "bench: $name: ok in ${secs}s" >&2
		add_entry "$j" ok "" "$extra"
	fi
done

# ---- guest ----------------------------------------------------------------------
for k in $kernels; do rm -f "$out/guest-$k.json" "$out/guest-$k.failed"; done
echo "bench: guest: running ${guest_cmd[*]#"$top"/} on $kernels" >&2
t0=$SECONDS
set +e
export BENCH_CLOCK=${BENCH_CLOCK:-icount}
# The peers (fapolicyd, IMA appraisal) in a measuring run, never in the gate.
peers=1
[ "$gate" = 1 ] && peers=0
BENCH=$mode KERNELS=$kernels BENCH_OUT=$out BENCH_PEERS=$peers "${guest_cmd[@]}" >&2
grc=$?
set -e
gsecs=$((SECONDS - t0))
# A kernel's reason file is what fails it; a run that failed and named no
# kernel (it died before booting any) fails them all.
any_failed=0
for k in $kernels; do [ -f "$out/guest-$k.failed" ] && any_failed=1; done
for k in $kernels; do
	extra=$(jq -cn --arg k "$k" --argjson rc "$grc" --argjson s "$gsecs" --arg cmd "${guest_cmd[*]}" \
		--arg clock "$BENCH_CLOCK" \
		'{instrument: "guest", series: $k, command: $cmd, exit: $rc, wall_s: $s, clock: $clock}')
	j='' why=''
	[ -f "$out/guest-$k.json" ] && j=$(json_of "$out/guest-$k.json")
	if [ -f "$out/guest-$k.failed" ]; then
		why=$(head -c 2000 "$out/guest-$k.failed")
		why=${why:-the guest run marked it failed}
	elif [ -f "$out/guest-$k.json" ] && [ -z "$j" ]; then
		why="guest-$k.json does not hold a JSON object"
	elif [ -z "$j" ]; then
		why="the guest run (exit $grc) left no result for this kernel"
	elif [ "$grc" -ne 0 ] && [ "$any_failed" = 0 ]; then
		why="the guest run exited $grc"
	else
		why=$(shape_error "$j" guest)
	fi
	[ -n "$j" ] || j=$(jq -cn --arg k "$k" '{kind: "guest", kernel: $k}')
	if [ -n "$why" ]; then
		echo "bench: guest $k: failed: $why" >&2
		add_entry "$j" failed "$why" "$extra"
	else
		add_entry "$j" ok "" "$extra"
	fi
done

# ---- merge and judge ------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
jq -s --arg mode "$mode" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--arg cpu "${cpu:-unknown}" --argjson cores "$(nproc)" --arg kernel "$(uname -r)" \
	--argjson secs "$((SECONDS - t_start))" --argjson limit "$gate_ratio" \
	--slurpfile baseline "$baseline" -L "$top/scripts/bench" '
	include "report";
	($baseline[0] // {ratios: {}}) as $base |
	def who: .instrument + (if .series then " " + .series else "" end);
	def r3: (. * 1000 | round) / 1000;
	def lim: $limit * ([1, ($base.ratios[.name] // 1)] | max);
	def over: select((.full_off.median // 0) > lim);
	def unmeasured: select(.target != null and (.full_off.median | type) != "number");
	def lost_missed: [(.targets // [])[] | select((.name // "") | test("lost"; "i")) |
		select(.met == false)];
	. as $ins |
	{
		mode: $mode, date: $date, seconds: $secs, gate_ratio: $limit,
		host: {cpu: $cpu, cores: $cores, kernel: $kernel},
		instruments: $ins,
		targets: [$ins[] as $i | ($i.targets // [])[] |
			{instrument: $i.instrument, kernel: $i.series} + .],
		verdict: {
			ran_all: all($ins[]; .status == "ok"),
			failed_instruments: [$ins[] | select(.status != "ok") |
				"\(who): \(.status): \(.reason // "")"],
			regressions: (
				[$ins[] | select(.kind == "guest" and (.noisy | not)) as $g |
					($g.workloads // [])[] | over | select(.target != null) |
					"\($g | who): \(.name) on \(.fs): FULL/OFF median \(.full_off.median | r3) > \(lim | r3)"] +
				[$ins[] | select(.kind == "guest" and .status == "ok") as $g |
					($g.workloads // [])[] | unmeasured |
					"\($g | who): \(.name) on \(.fs): no FULL/OFF ratio\(.error // "" | if . != "" then " (" + . + ")" else "" end)"] +
				[$ins[] | select(.bench == "pipeline") |
					select((.results.lost_events // 0) > 0 or (lost_missed | length) > 0) |
					"\(who): lost events: \(.results.lost_events // "?")" +
					(lost_missed | map("; target \(.name | tojson) missed (value \(.value))") | add // "")]
			),
			gate_failures: [],
			warnings: (
				[$ins[] | select(.kind == "guest" and .noisy == true) | who as $w |
					"\($w): the run is marked noisy: its ratios are not gated"] +
				[$ins[] | select(.kind == "guest" and .noisy == true) as $g |
					($g.workloads // [])[] | over | select(.target != null) |
					"\($g | who): \(.name) on \(.fs): FULL/OFF median \(.full_off.median | r3) > \(lim | r3) (noisy run: not failing)"] +
				[$ins[] | select(.kind == "guest") as $g |
					($g.workloads // [])[] | over | select(.target == null) |
					"\($g | who): \(.name) on \(.fs): FULL/OFF median \(.full_off.median | r3) > \(lim | r3) (no target: not gated)"] +
				[$ins[] | select(.kind == "guest") as $g |
					(($g.workloads // [])[], ($g.cold_hash // [])[]) | select(.error) |
					"\($g | who): \(.name // "cold hash \(.size)") on \(.fs): \(.error)"] +
				[$ins[] | select(.bench == "pipeline" and .status == "ok") |
					select((.results | has("lost_events") | not) and ([(.targets // [])[] |
						select((.name // "") | test("lost"; "i"))] | length) == 0) |
					"\(who): reports no lost-event count"]
			)
		}
	} | .verdict.gate_failures = .verdict.failed_instruments + .verdict.regressions
	| .rows = ($ins | bench_rows) | .targets += (.rows | bench_row_targets($ins))
	' "$entries" >"$out/results.json.tmp"
mv "$out/results.json.tmp" "$out/results.json"
"$top/scripts/bench/chart.sh" "$out/results.json" >"$out/chart.svg.tmp"
mv "$out/chart.svg.tmp" "$out/chart.svg"

jq -r --argjson limit "$gate_ratio" --argjson gate "$gate" -L "$top/scripts/bench" '
	include "report";
	def num: if type == "number" then
			(if fabs >= 1000 then round elif fabs >= 10 then (. * 100 | round) / 100
			 else (. * 1000 | round) / 1000 end | tostring)
		elif type == "boolean" then (if . then "yes" else "no" end)
		elif . == null then "–" else tostring end;
	def spread: if type == "object" and .median != null then
			"\(.median | num) [\(.p25 | num)–\(.p75 | num)]" else "–" end;
	def op: if . == "<=" then "≤" elif . == ">=" then "≥" else (. // "?") end;
	def cell: tostring | gsub("\\|"; "\\|") | gsub("\n"; " ");
	def row: "| " + (map(cell) | join(" | ")) + " |";
	def table($head): ([$head | row, (map("---") | row)] + map(row)) | join("\n");
	def met: if . == true then "met" elif . == false then "**missed**" else "–" end;
	def leaves: [paths(scalars) as $p | [($p | map(tostring) | join(".")), (getpath($p) | num)]];
	def who: .instrument + (if .series then " · " + .series else "" end);
	# An object of objects (counters per workload) as one row per key and a
	# column per leaf that is not zero somewhere.
	def pivot:
		if all(.[]; type == "object") then
			[to_entries[] | .key as $k | .value as $v |
				{k: $k, f: ([$v | paths(scalars)] | map({key: map(tostring) | join("."),
					value: (. as $p | $v | getpath($p))}) | from_entries)}] as $rows |
			(reduce ($rows[].f | to_entries[] | select(.value != 0 and .value != false) | .key) as $c
				([]; if any(.[]; . == $c) then . else . + [$c] end)) as $cols |
			[$rows[] | .f as $f | [.k] + [$cols[] | $f[.] | num]] |
			table(["counters"] + $cols)
		else leaves | table(["counter", "value"]) end;
	def targets: if (.targets // []) | length > 0 then
			"\n**Targets**\n\n" + ([.targets[] |
				[.name, (.value | num), "\(.op | op) \(.limit | num)", (.met | met), (.note // "")]] |
				table(["target", "value", "limit", "", "note"])) + "\n"
		else "" end;
	def guest: . as $g |
		"mode \(.mode // "?"), \(.rounds // "?") rounds, kernel \(.kernel // "?"), noisy: " +
		(if .noisy == true then "**YES: ratios are indicative only**" else "no" end) +
		", clock \(.clock // "?")" + "\n\n" +
		(if .clock == "icount" then "The guest'"'"'s clock counts its own instructions (QEMU" +
			" `-icount`, one per ns, one vCPU): times are instruction counts, unaffected by the" +
			" host'"'"'s load.\n\n" else "" end) +
		(if .daemon_shares_timed_cpu == true then "The daemon'"'"'s consumer shares the timed" +
			" CPU: FULL'"'"'s times leave out the CPU time it used meanwhile (the workload'"'"'s own" +
			" time, as with the daemon on a core of its own); the last two columns give that" +
			" time per op and FULL/OFF with it left in.\n\n" else "" end) +
		"Each ratio is the median [p25–p75] over rounds of the workload'"'"'s time under an arm" +
		" against its time with nothing attached (OFF) in the same round. The control is work" +
		" no hook sees: near 1.00 or the run is noisy. `--gate` fails a run that is not noisy" +
		" when a workload with a target is above \($limit) FULL/OFF.\n\n" +
		((if any((.workloads // [])[]; .name == "control") then []
		  else [["control", "", "", (.control | spread), "", "", "", "", "", "", ""]] end) +
		 [(.workloads // [])[] |
			[.name, .fs, (.noop_off | spread), (.full_off | spread),
			 (if .target == null then "–" elif (.target | type) == "number" then "≤ \(.target | num)"
			  else .target end),
			 (if .met != null then (.met | met)
			  elif (.target | type) == "number" and .full_off.median != null then
				(.full_off.median <= .target | met)
			  else "–" end),
			 (.error // ""),
			 (.raw_ns_per_op_median.off // null | num),
			 (if .raw_ns_per_op_median.full != null and .raw_ns_per_op_median.off != null then
				(.raw_ns_per_op_median.full - .raw_ns_per_op_median.off | num) else "" end),
			 (.daemon_cpu_ns_per_op // null | num),
			 (.full_off_daemon_same_cpu.median // null | num)]] |
		 table(["workload", "fs", "NOOP/OFF median [p25–p75]", "FULL/OFF median [p25–p75]",
			"target (FULL/OFF)", "", "error", "OFF ns/op", "FULL adds ns/op",
			"daemon ns/op", "FULL/OFF, daemon time in"])) + "\n" +
		(if any((.workloads // [])[]; .first_run != null) then
			"\n**First run after an attach** (under FULL every file a hash-cache miss)\n\n" +
			([.workloads[] | select(.first_run != null) | .first_run as $f |
				[.name, .fs, ($f.noop_off | spread), ($f.full_off | spread), ($f.full_runs | num),
				 ($f.full_hashes_per_run | num), ($f.raw_ns_median.off | num),
				 ($f.raw_ns_median.full | num)]] |
			 table(["workload", "fs", "NOOP/OFF", "FULL/OFF", "FULL samples", "hashes per run",
				"OFF ns", "FULL ns"])) + "\n" else "" end) +
		(if (.cold_hash // []) | length > 0 then "\n**Cold hash**\n\n" + ([.cold_hash[] |
			[.size, .fs, (.full_mb_s | num), (.openssl_mb_s | num), (.ratio | num), (.error // "")]] |
			table(["size", "fs", "FULL MB/s", "OpenSSL MB/s", "ratio", "error"])) + "\n" else "" end) +
		(if (.bpf_stats // []) | length > 0 then "\n**BPF program stats**\n\n" + ([.bpf_stats[] |
			[.arm, .hook, .stage, (.run_cnt | num), (.ns_per_run | num)]] |
			table(["arm", "hook", "stage", "runs", "ns/run"])) + "\n" else "" end) +
		(if (.counters // {}) | length > 0 then "\n**Counters** (columns that are zero throughout left out)\n\n" +
			(.counters | pivot) + "\n" else "" end);
	def host: if (.results // {}) | length > 0 then
			(.results | leaves | table(["result", "value"])) + "\n" else "" end;
	("# imaguard benchmarks: \(.mode)\n",
	"\(.date) · \(.host.cpu), \(.host.cores) cores, Linux \(.host.kernel) · \(.seconds) s\n",
	([.instruments[] | select(.kind == "guest" and .noisy == true) |
		"> **NOISY RUN: \(who)**: the guest judged its own measurements noisy;" +
		" its ratios are reported but not gated.\n"] | join("\n")),
	([.instruments[] | [who, .status, ((.targets // []) |
		"\(map(select(.met == true)) | length)/\(length)"), "\(.seconds // .wall_s // "–" | num) s", (.reason // "")]] |
		table(["instrument", "status", "targets met", "time", "reason"])) + "\n",
	bench_tables(.),
	(.instruments[] |
		"\n## \(who)" + (if .status != "ok" then ": **\(.status | ascii_upcase)**" else "" end) + "\n\n" +
		(if .status != "ok" then "\(.reason)\n\n" else "" end) +
		(if .kind == "guest" and .workloads != null then guest elif .kind == "host" then host else "" end) +
		targets),
	(if (.verdict.gate_failures | length) > 0 then
		(if $gate == 1 then "\n**Gate failures**\n\n" else "\n**What `--gate` would fail on**\n\n" end) + (.verdict.gate_failures | map("- " + .) | join("\n")) + "\n"
	 else "" end),
	(if (.verdict.warnings | length) > 0 then
		"\n**Warnings**\n\n" + (.verdict.warnings | map("- " + .) | join("\n")) + "\n"
	 else "" end)) | select(. != "")
' "$out/results.json" >"$out/results.md.tmp"
mv "$out/results.md.tmp" "$out/results.md"

echo
cat "$out/results.md"
echo
jq -r '.verdict.warnings[] | "bench: warning: " + .' "$out/results.json" >&2
echo "bench: results in ${out#"$top"/}/results.json, results.md and chart.svg ($((SECONDS - t_start)) s)" >&2
if [ "$gate" = 1 ]; then
	if jq -e '.verdict.gate_failures | length > 0' "$out/results.json" >/dev/null; then
		jq -r '.verdict.gate_failures[] | "bench: gate: FAIL: " + .' "$out/results.json" >&2
		exit 1
	fi
	echo "bench: gate passed" >&2
else
	jq -r '.verdict.regressions[] | "bench: --gate would fail: " + .' "$out/results.json" >&2
fi
if [ "$gate" = 0 ] && ! jq -e '.verdict.ran_all' "$out/results.json" >/dev/null; then
	jq -r '.verdict.failed_instruments[] | "bench: FAIL: " + .' "$out/results.json" >&2
	exit 1
fi
