# The benchmark harness's merge and gate, driven with fake instruments: a
# missing or failed instrument, a guest FULL/OFF ratio above 1.5 on a workload
# with a target and a lost event each fail the gate; a noisy guest, or a
# workload without a target, only warns; a clean run passes, and a missed
# target is reported without failing.
set -euo pipefail
top=$(cd "$(dirname "$IMAGUARD")/.." && pwd)
command -v jq >/dev/null || { echo "jq missing"; exit 77; }
dir=$PWD

# A host instrument: one JSON object, shaped by FAKE_* variables.
cat >fake_host <<'EOF'
#!/usr/bin/env bash
name=$(basename "$0")
echo "$name $*" >>"$FAKE_ARGS"
echo "$name: measuring" >&2
[ "${FAKE_FAIL:-}" = "$name" ] && { echo "$name: cannot open the log" >&2; exit 1; }
[ "${FAKE_GARBAGE:-}" = "$name" ] && { echo "not json"; exit 0; }
lost=${FAKE_LOST:-0}
met=$([ "$lost" = 0 ] && echo true || echo false)
echo "{\"kind\":\"host\",\"bench\":\"$name\",\"results\":{\"lost_events\":$lost,\"distinct\":{\"events_per_s_median\":812345.6}},\"targets\":[{\"name\":\"events/s\",\"value\":812345.6,\"limit\":1000000,\"op\":\">=\",\"met\":false},{\"name\":\"events lost\",\"value\":$lost,\"limit\":0,\"op\":\"<=\",\"met\":$met}]}"
EOF
chmod +x fake_host
for n in pipeline allowlist build; do cp fake_host "$n"; done

# The guest run: a result per kernel, or a reason file, as run.sh leaves them.
cat >fake_guest <<'EOF'
#!/usr/bin/env bash
echo "guest BENCH=$BENCH KERNELS=$KERNELS" >>"$FAKE_ARGS"
for k in $KERNELS; do
	if [ "${FAKE_GUEST_FAIL:-}" = "$k" ]; then
		echo "the kernel did not boot" >"$BENCH_OUT/guest-$k.failed"
		rc=1
		continue
	fi
	[ "${FAKE_GUEST_NONE:-}" = "$k" ] && continue
	r=${FAKE_RATIO:-1.2}
	cat >"$BENCH_OUT/guest-$k.json" <<JSON
{"kind":"guest","kernel":"$k.0-fake","mode":"$BENCH","rounds":5,"noisy":${FAKE_NOISY:-false},
 "control":{"median":1.0,"p25":0.98,"p75":1.02,"min":0.95,"max":1.05},
 "workloads":[{"name":"exec-true","fs":"ext4",
   "noop_off":{"median":1.05,"p25":1.01,"p75":1.08,"min":1.0,"max":1.1},
   "full_off":{"median":$r,"p25":1.1,"p75":1.3,"min":1.0,"max":1.7},"target":1.3,
   "raw_ns_per_op_median":{"off":500000,"noop":505000,"full":530000},"daemon_cpu_ns_per_op":4000,
   "full_off_daemon_same_cpu":{"median":1.07,"p25":1.06,"p75":1.08,"min":1.05,"max":1.09}},
  {"name":"open_audit","fs":"tmpfs",
   "noop_off":{"median":1.0,"p25":1.0,"p75":1.0,"min":1.0,"max":1.0},
   "full_off":{"median":${FAKE_UNTARGETED:-1.1},"p25":1.0,"p75":1.2,"min":1.0,"max":1.2},"target":null}],
 "cold_hash":[{"size":1048576,"fs":"ext4","full_mb_s":300.5,"openssl_mb_s":500.2,"ratio":0.6}],
 "bpf_stats":[{"arm":"full","hook":"bprm_check_security","stage":"filter","run_cnt":1234,"ns_per_run":456.7}],
 "counters":{"exec":10},
 "targets":[{"name":"exec-true FULL/OFF","value":$r,"limit":1.3,"op":"<=","met":true}]}
JSON
done
exit "${FAKE_GUEST_EXIT:-${rc:-0}}"
EOF
chmod +x fake_guest

unset BENCH_GATE_RATIO
export FAKE_ARGS="$dir/args" BENCH_OUT="$dir/out" KERNELS="6.1 6.12" BENCH_GUEST_CMD="$dir/fake_guest"
hosts="pipeline=$dir/pipeline allowlist=$dir/allowlist build=$dir/build"

# bench [ENV=VALUE...] -- ARGS: runs the harness, leaves its exit in $rc
bench() {
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	: >"$FAKE_ARGS"
	set +e
	env BENCH_HOST_CMDS="$hosts" "${envs[@]}" "$top/scripts/bench.sh" "$@" >stdout 2>stderr
	rc=$?
	set -e
}
fail() {
	echo "FAIL: $*"
	echo "--- stdout"; cat stdout; echo "--- stderr"; cat stderr
	exit 1
}
expect_rc() { # WHAT WANT
	if [ "$2" = 0 ]; then [ "$rc" = 0 ] || fail "$1: exit $rc, wanted 0"
	else [ "$rc" != 0 ] || fail "$1: exit 0, wanted a failure"; fi
	echo "ok: $1 (exit $rc)"
}
res() { jq -r "$1" out/results.json; }

# A clean run passes, in both modes; a missed target is only reported.
bench -- quick --gate
expect_rc "clean run, gate" 0
grep -qx 'pipeline --quick --json' args || fail "quick mode did not pass --quick --json"
grep -qx 'guest BENCH=quick KERNELS=6.1 6.12' args || fail "the guest run did not get BENCH and KERNELS"
[ "$(res '[.instruments[] | .status] | join(" ")')" = "ok ok ok ok ok" ] || fail "statuses"
[ "$(res '.mode')" = quick ] || fail "mode"
[ "$(res '[.targets[] | select(.name | test("FULL/NOOP|FULL/OFF <= ") | not)] | length')" = 8 ] ||
	fail "flattened targets: $(res '.targets | length')"
# the targets judged on the rows: each FULL/NOOP target of a workload the
# guest did not run is there, missed (t_bench_report.sh checks the rest)
[ "$(res '[.targets[] | select(.name | test("FULL/NOOP")) | "\(.met) \(.note)"] | unique | join(";")')" = \
	"false missed: not measured on this kernel" ] || fail "FULL/NOOP targets of workloads not run"
[ "$(res '[.targets[] | select(.name | test("FULL/NOOP")) | "\(.name) \(.limit)"] | .[0:7] | join(", ")')" = \
	"exec_static FULL/NOOP (6.1) 1.01, exec_dynamic FULL/NOOP (6.1) 1.01, mmap_anon FULL/NOOP (6.1) 1.01, open_short FULL/NOOP (6.1) 1.02, open_deep FULL/NOOP (6.1) 1.02, mmap_exec_lib FULL/NOOP (6.1) 1.02, create_unlink FULL/NOOP (6.1) 1.02" ] ||
	fail "FULL/NOOP targets of workloads not run: $(res '[.targets[] | select(.name | test("FULL/NOOP")) | .name] | join(", ")')"
[ "$(res '[.targets[] | select(.name | test("FULL/NOOP"))] | length')" = 14 ] || fail "FULL/NOOP targets: not 7 per kernel"
[ "$(res '[.targets[] | select(.instrument == "guest") | .kernel] | unique | join(" ")')" = "6.1 6.12" ] ||
	fail "guest targets do not name their kernel"
res '.host | .cpu, .cores, .kernel' >/dev/null
grep -q '^| exec-true | ext4 | 1.05 \[1.01–1.08\] | 1.2 \[1.1–1.3\] | ≤ 1.3 | met |  | 500000 | 30000 | 4000 | 1.07 |$' out/results.md ||
	fail "the guest table lacks the workload's ratios, spreads, added and daemon ns"
grep -q '^mode quick, 5 rounds, kernel 6.1.0-fake, noisy: no, clock icount$' out/results.md ||
	fail "the guest section does not say which clock timed it"
grep -q '^| events/s | 812346 | ≥ 1000000 | \*\*missed\*\* |' out/results.md || fail "a missed target is not shown"
grep -q '^## guest · 6.12$' stdout || fail "the Markdown is not printed"
grep -q 'gate passed' stderr || fail "no gate verdict"

bench -- full
expect_rc "clean run, full mode" 0
grep -qx 'pipeline --json' args || fail "full mode passed more than --json"
grep -qx 'guest BENCH=full KERNELS=6.1 6.12' args || fail "full mode did not reach the guest"

# A missing instrument fails both modes.
bench BENCH_HOST_CMDS="$hosts nothere=$dir/no-such-bench" -- quick --gate
expect_rc "missing instrument, gate" 1
[ "$(res '.instruments[] | select(.instrument == "nothere") | .status')" = missing ] || fail "not marked missing"
grep -q 'nothere: missing' stderr || fail "the gate does not name the missing instrument"
bench BENCH_HOST_CMDS="$hosts nothere=$dir/no-such-bench" -- quick
expect_rc "missing instrument, normal" 1

# A failed instrument (exit 1, or no JSON) fails both modes, with its reason.
bench FAKE_FAIL=allowlist -- quick
expect_rc "failed instrument, normal" 1
[ "$(res '.instruments[] | select(.instrument == "allowlist") | .status')" = failed ] || fail "not marked failed"
grep -q 'allowlist: cannot open the log' stderr || fail "its stderr is not shown"
bench FAKE_GARBAGE=build -- quick --gate
expect_rc "instrument without JSON, gate" 1
[ "$(res '.instruments[] | select(.instrument == "build") | .reason')" = "no JSON object on stdout (exit 0)" ] ||
	fail "reason: $(res '.instruments[] | select(.instrument == "build") | .reason')"

# A guest that did not boot, or left no result (a stale one does not count).
bench FAKE_GUEST_FAIL=6.12 -- quick --gate
expect_rc "guest failed, gate" 1
[ "$(res '[.instruments[] | select(.instrument == "guest") | .status] | join(" ")')" = "ok failed" ] ||
	fail "guest statuses"
grep -q 'guest 6.12: failed: the kernel did not boot' stderr || fail "the guest's reason is not shown"
[ "$(res '[.targets[] | select(.kernel == "6.12" and (.name | test("on every workload"))) | "\(.name): \(.met)"] | join(", ")')" = \
	"FULL/OFF <= fapolicyd/OFF on every workload (6.12): false, FULL/OFF <= IMA-appraise/OFF on every workload (6.12): false" ] ||
	fail "the peer targets of a kernel that did not boot are not there, missed"
echo '{"kind":"guest","workloads":[{}],"targets":[]}' >out/guest-6.1.json
bench FAKE_GUEST_NONE=6.1 -- quick
expect_rc "guest left no result" 1
[ "$(res '.instruments[] | select(.series == "6.1") | .status')" = failed ] || fail "a stale result was taken"

bench FAKE_GUEST_EXIT=3 -- quick
expect_rc "guest run failed before naming a kernel" 1
[ "$(res '[.instruments[] | select(.instrument == "guest") | .reason] | unique | join(" ")')" = \
	"the guest run exited 3" ] || fail "guest reasons"

# A guest whose workloads all came out without a ratio did not measure.
bench FAKE_RATIO=null FAKE_UNTARGETED=null -- quick
expect_rc "guest without ratios" 1
[ "$(res '.instruments[] | select(.series == "6.1") | .reason')" = "no workload produced a FULL/OFF ratio" ] ||
	fail "a guest without ratios passed"

# A workload with a target that came out without a ratio fails the gate only.
bench FAKE_RATIO=null -- quick --gate
expect_rc "a targeted workload without a ratio, gate" 1
grep -q 'gate: FAIL: guest 6.1: exec-true on ext4: no FULL/OFF ratio$' stderr || fail "the unmeasured workload is not named"
bench FAKE_RATIO=null -- quick
expect_rc "a targeted workload without a ratio, normal" 0

# A FULL/OFF median above 1.5 fails the gate only, unless the run is noisy.
bench FAKE_RATIO=1.6 -- quick --gate
expect_rc "ratio 1.6, gate" 1
grep -q 'gate: FAIL: guest 6.1: exec-true on ext4: FULL/OFF median 1.6 > 1.5' stderr || fail "ratio not named"
bench FAKE_RATIO=1.6 -- quick
expect_rc "ratio 1.6, normal" 0
bench FAKE_RATIO=1.6 FAKE_NOISY=true -- quick --gate
expect_rc "ratio 1.6 in a noisy run, gate" 0
grep -q 'warning: guest 6.1: exec-true on ext4: FULL/OFF median 1.6 > 1.5 (noisy run' stderr ||
	fail "no warning for the noisy ratio"
grep -q '^> \*\*NOISY RUN: guest · 6.1\*\*' out/results.md || fail "the noisy flag is not prominent"
bench FAKE_RATIO=1.5 -- quick --gate
expect_rc "ratio exactly 1.5, gate" 0
bench FAKE_UNTARGETED=7 -- quick --gate
expect_rc "ratio 7 on a workload without a target, gate" 0
grep -q 'warning: guest 6.12: open_audit on tmpfs: FULL/OFF median 7 > 1.5 (no target: not gated)' stderr ||
	fail "no warning for the untargeted ratio"
bench FAKE_RATIO=1.3 BENCH_GATE_RATIO=1.25 -- quick --gate
expect_rc "ratio 1.3 against a gate of 1.25" 1

# A workload's recorded level scales its limit: 1.5 times it.
printf '{"ratios":{"exec-true":2.0}}\n' >baseline.json
bench FAKE_RATIO=2.9 BENCH_BASELINE=$PWD/baseline.json -- quick --gate
expect_rc "ratio 2.9 against a recorded 2.0, gate" 0
bench FAKE_RATIO=3.1 BENCH_BASELINE=$PWD/baseline.json -- quick --gate
expect_rc "ratio 3.1 against a recorded 2.0, gate" 1
grep -q 'exec-true on ext4: FULL/OFF median 3.1 > 3' stderr || fail "scaled limit not named"
bench BENCH_BASELINE=$PWD/missing.json -- quick --gate
expect_rc "an unreadable baseline" 1

# Lost events in the pipeline fail the gate.
bench FAKE_LOST=3 -- quick --gate
expect_rc "lost events, gate" 1
grep -q 'gate: FAIL: pipeline: lost events: 3' stderr || fail "lost events not named"
[ "$(grep -c 'lost events' stderr)" = 1 ] || fail "only the pipeline's count is gated"

# Usage errors.
bench -- --gate
expect_rc "no mode" 2
[ "$rc" = 2 ] || fail "usage exit $rc"
echo "bench harness ok"
