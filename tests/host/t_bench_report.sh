#!/usr/bin/env bash
# The benchmark harness's report on a real run: tests/data/bench/results.json,
# what `make bench-quick` wrote (guest on 6.1 and 6.12, no peer arms), is
# replayed through scripts/bench.sh by fake instruments that print what the
# real ones printed. Checked:
#  - rows: one per workload x fs x arm x kernel, the arm's ratio to OFF as
#    the guest gave it, FULL/NOOP derived from the medians (and taken as the
#    guest gives it when it does), peers that did not run present with their
#    status and reason;
#  - targets: FULL/NOOP within 1.01 or 1.02 on the workloads that have a
#    limit, FULL/OFF at or below each peer's, each with value, limit, met;
#    the instruments' own targets unchanged;
#  - results.md: a table per kernel with the five ratios and p25-p75;
#  - chart.svg: well-formed XML, one mark per row, and Chromium draws it.
# Then the same run with the peers' keys added (fapolicyd ran; IMA appraisal
# unavailable on 6.1, and on 6.12 ran but did not refuse the unlisted
# program, and measured no tmpfs workload).
set -euo pipefail
top=$(cd "$(dirname "$IMAGUARD")/.." && pwd)
command -v jq >/dev/null || { echo "skipped: jq missing"; exit 77; }
data=${TESTDATA:-$top/tests/data}/bench/results.json
[ -r "$data" ] || { echo "FAIL: $data missing"; exit 1; }
dir=$PWD

fail() {
	echo "FAIL: $*"
	[ -f stderr ] && { echo "--- stderr"; tail -n 20 stderr; }
	exit 1
}

# A host instrument: the JSON its real counterpart printed in that run.
cat >fake_host <<'EOF'
#!/usr/bin/env bash
jq -c --arg n "$(basename "$0")" '.instruments[] | select(.instrument == $n) |
	del(.instrument, .series, .command, .exit, .wall_s, .log, .clock, .status, .reason)' "$FAKE_DATA"
EOF
chmod +x fake_host
for n in pipeline allowlist build; do cp fake_host "$n"; done

# The guest run: each kernel's object as the guest wrote it, passed through
# FAKE_GUEST_JQ (the peers' keys in the second half).
cat >fake_guest <<'EOF'
#!/usr/bin/env bash
for k in $KERNELS; do
	jq --arg k "$k" '.instruments[] | select(.instrument == "guest" and .series == $k) |
		del(.instrument, .series, .command, .exit, .wall_s, .log, .clock, .status, .reason)' \
		"$FAKE_DATA" | jq --arg k "$k" "${FAKE_GUEST_JQ:-.}" >"$BENCH_OUT/guest-$k.json"
done
EOF
chmod +x fake_guest

export FAKE_DATA="$data" BENCH_OUT="$dir/out" KERNELS="6.1 6.12" BENCH_GUEST_CMD="$dir/fake_guest"
export BENCH_HOST_CMDS="pipeline=$dir/pipeline allowlist=$dir/allowlist build=$dir/build"
unset BENCH_GATE_RATIO BENCH_BASELINE

bench() {
	set +e
	"$top/scripts/bench.sh" quick >stdout 2>stderr
	rc=$?
	set -e
	[ "$rc" = 0 ] || fail "scripts/bench.sh quick exited $rc"
}
res() { jq -r "$@" out/results.json; }
# row KERNEL WORKLOAD FS ARM: that row, compact
row() {
	jq -c --arg k "$1" --arg w "$2" --arg f "$3" --arg a "$4" \
		'[.rows[] | select(.kernel == $k and .workload == $w and .fs == $f and .arm == $a)] |
		if length == 1 then .[0] else "\(length) rows" end' out/results.json
}
# target NAME: that target, compact
target() {
	jq -c --arg n "$1" '[.targets[] | select(.name == $n)] |
		if length == 1 then .[0] else "\(length) targets" end' out/results.json
}
expect() { # WHAT GOT WANT
	[ "$2" = "$3" ] || fail "$1: got $2, wanted $3"
}

# svg_check FILE: well-formed XML, and the number of marks as an XML parser
# counts them
svg_marks() {
	if command -v xmllint >/dev/null; then
		xmllint --noout "$1" || fail "$1 is not well-formed XML (xmllint)"
		xmllint --xpath 'count(//*[local-name()="g"][starts-with(@class, "mark ")])' "$1"
		echo
	elif command -v python3 >/dev/null; then
		python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
print(sum(1 for g in root.iter("{http://www.w3.org/2000/svg}g")
	if g.get("class", "").startswith("mark ")))' "$1" || fail "$1 is not well-formed XML (python3)"
	else
		fail "no XML parser here (xmllint or python3)"
	fi
}

# marks_of FILE: kernel, workload, fs, arm and status of each mark, sorted
marks_of() {
	grep -o '<g class="mark [a-z_]*" data-kernel="[^"]*" data-workload="[^"]*" data-fs="[^"]*" data-arm="[^"]*"' "$1" |
		sed 's/<g class="mark \([a-z_]*\)" data-kernel="\([^"]*\)" data-workload="\([^"]*\)" data-fs="\([^"]*\)" data-arm="\([^"]*\)"/\2 \3 \4 \5 \1/' |
		sort
}
rows_of() {
	res '.rows[] | "\(.kernel) \(.workload) \(.fs) \(.arm) \(.status)"' | sort
}

# ---- the real run -------------------------------------------------------------
bench
# the replay is faithful: the guests' workloads and the instruments' targets
# are the ones of the real run
[ "$(jq -c '[.instruments[] | select(.instrument == "guest") | .workloads]' "$data")" = \
	"$(res -c '[.instruments[] | select(.instrument == "guest") | .workloads]')" ] ||
	fail "the replayed guests differ from the real run's"
[ "$(jq -c '.targets' "$data")" = "$(res -c '[.targets[] | select(.name | test("FULL/NOOP|FULL/OFF <= ") | not)]')" ] ||
	fail "the instruments' own targets changed"
echo "ok: the real run replayed ($(res '.instruments | length') instruments)"

# rows: 18 workloads (16 with their file system, control, anonymous mmap) x
# 5 arms x 2 kernels, each (kernel, workload, fs) with every arm once
expect "rows" "$(res '.rows | length')" 180
expect "arms per workload" "$(res '[.rows | group_by([.kernel, .workload, .fs])[] |
	map(.arm) | join(",")] | unique | join(" ")')" "off,noop,full,fapolicyd,ima-appraise"
# each ratio is the guest's own
bad=$(res '. as $r | [.instruments[] | select(.instrument == "guest") as $g | $g.workloads[] as $w |
	$r.rows[] | select(.kernel == $g.series and .workload == $w.name and .fs == $w.fs) |
	select((.arm == "full" and .ratio != ($w.full_off | {median, p25, p75})) or
		(.arm == "noop" and .ratio != ($w.noop_off | {median, p25, p75})) or
		(.arm == "off" and .ratio != {median: 1, p25: 1, p75: 1})) |
	"\(.kernel) \(.workload) \(.fs) \(.arm)"] | join("; ")')
[ -z "$bad" ] || fail "rows whose ratio is not the guest's: $bad"
expect "exec_static on tmpfs, 6.1, FULL" "$(row 6.1 exec_static tmpfs full | jq -c '[.status, .ratio, .full_noop]')" \
	'["ok",{"median":1.02841,"p25":1.02703,"p75":1.02872},{"median":1.022754,"p25":null,"p75":null,"from":"ratio of the medians"}]'
expect "release" "$(row 6.12 open_deep ext4 noop | jq -r .release)" "6.12.118+deb12-cloud-amd64"
# FULL/NOOP: the FULL/OFF median over the NOOP/OFF median on every workload
bad=$(res '(.rows | map(select(.arm == "noop")) | map({key: "\(.kernel) \(.workload) \(.fs)", value: .ratio.median}) |
	from_entries) as $noop |
	[.rows[] | select(.arm == "full") | "\(.kernel) \(.workload) \(.fs)" as $id |
	select((.full_noop.median - .ratio.median / $noop[$id]) | fabs > 0.000001) | $id] | join("; ")')
[ -z "$bad" ] || fail "FULL/NOOP is not FULL/OFF over NOOP/OFF: $bad"
# the peers did not run: a row each, with why
expect "peer rows" "$(res '[.rows[] | select(.arm == "fapolicyd" or .arm == "ima-appraise") |
	"\(.status): \(.reason)"] | group_by(.) | map("\(length) \(.[0])") | join("; ")')" \
	"72 not_run: the guest ran no peer arms"
echo "ok: 180 rows, ratios the guest's, FULL/NOOP derived, peers present as not run"

# targets: 13 FULL/NOOP per kernel (six workloads on tmpfs and ext4, the
# anonymous map once), and 17 workloads x 2 peers per kernel
expect "targets" "$(res '.targets | length')" "$(($(jq '.targets | length' "$data") + 26 + 68))"
expect "FULL/NOOP targets" "$(res '[.targets[] | select(.name | test("FULL/NOOP")) |
	"\(.limit)"] | group_by(.) | map("\(length)x\(.[0])") | join(" ")')" "10x1.01 16x1.02"
expect "static exec FULL/NOOP on tmpfs, 6.1" "$(target 'exec_static FULL/NOOP, tmpfs (6.1)')" \
	'{"instrument":"guest","kernel":"6.1","name":"exec_static FULL/NOOP, tmpfs (6.1)","value":1.022754,"limit":1.01,"op":"<=","met":false,"note":"the FULL/OFF median over the NOOP/OFF median"}'
expect "anonymous map FULL/NOOP, 6.12" "$(target 'mmap_anon FULL/NOOP (6.12)' | jq -c '[.value, .limit, .met]')" \
	'[1.030147,1.01,false]'
expect "create+unlink FULL/NOOP on ext4, 6.1" "$(target 'create_unlink FULL/NOOP, ext4 (6.1)' | jq -c '[.value, .limit, .met]')" \
	'[1.049628,1.02,false]'
bad=$(res '[.targets[] | select(.name | test("FULL/NOOP")) | select(.met != (.value <= .limit)) | .name] | join("; ")')
[ -z "$bad" ] || fail "FULL/NOOP targets judged wrong: $bad"
expect "peer targets" "$(res '[.targets[] | select(.name | test("FULL/OFF <= ")) |
	"\(.met) \(.limit) \(.note)"] | group_by(.) | map("\(length) \(.[0])") | join("; ")')" \
	"68 false null missed: peer not measured (not run: the guest ran no peer arms)"
expect "a peer target" "$(target 'open_audit FULL/OFF <= fapolicyd/OFF, tmpfs (6.12)' | jq -c '[.instrument, .kernel, .value, .op]')" \
	'["guest","6.12",4.9406,"<="]'
res -e '[.targets[] | select(.name | test("^control "))] | length == 0' >/dev/null ||
	fail "the control workload has a target"
echo "ok: targets: 26 FULL/NOOP, 68 against the peers, all with value, limit and met"

# the table per kernel
for k in 6.1 6.12; do
	n=$(sed -n "/^### $k\$/,/^#/p" out/results.md | grep -c '^| [a-z_]* | [a-z0-9]* | [0-9]')
	expect "table rows, $k" "$n" 18
done
grep -qx '| workload | fs | FULL/OFF | NOOP/OFF | FULL/NOOP | FULL/NOOP target | fapolicyd/OFF | IMA-appraise/OFF | FULL ≤ fapolicyd / IMA-appraise |' out/results.md ||
	fail "the table's head"
grep -qxF '| exec_static | tmpfs | 1.028 [1.027–1.029] | 1.006 [1.005–1.007] | 1.023 | ≤ 1.01 **missed** | *not run* | *not run* | **not measured** / **not measured** |' out/results.md ||
	fail "the table's static exec row"
grep -qxF '| control | none | 0.999 [0.998–1.000] | 1.000 [0.999–1.000] | 0.999 | – | *not run* | *not run* | – |' out/results.md ||
	fail "the table's control row"
grep -qxF '| open_audit | tmpfs | 4.941 [4.927–4.945] | 1.056 [1.053–1.057] | 4.680 | – | *not run* | *not run* | **not measured** / **not measured** |' out/results.md ||
	fail "the table's audited open row on 6.12"
[ "$(grep -cxF -- '- fapolicyd: **not run**: the guest ran no peer arms' out/results.md)" = 2 ] ||
	fail "the table does not say why fapolicyd has no column on each kernel"
grep -qxF 'Targets: 0 of 47 met (FULL/NOOP at most its limit; FULL/OFF at or below each peer'"'"'s).' out/results.md ||
	fail "the per-kernel target count"
grep -q '^## imaguard against its floor and its peers$' stdout || fail "the tables are not printed"
grep -qxF '![each workload'"'"'s ratio to OFF under each arm, per kernel](chart.svg)' out/results.md ||
	fail "results.md does not show the chart"
echo "ok: results.md has the table on both kernels"

# the chart
[ -s out/chart.svg ] || fail "no chart.svg"
grep -q 'chart.svg' stderr || fail "the run does not say where the chart is"
expect "marks (XML parser)" "$(svg_marks out/chart.svg)" 180
diff <(marks_of out/chart.svg) <(rows_of) >/dev/null || fail "the chart's marks are not the rows: $(diff <(marks_of out/chart.svg) <(rows_of) | head -5)"
# the marks stand in ratio order: FULL's median dot on open_deep is right
# of static exec's, which is right of OFF's
cx() { # KERNEL WORKLOAD FS ARM: the x of that mark's dot
	grep -o "data-kernel=\"$1\" data-workload=\"$2\" data-fs=\"$3\" data-arm=\"$4\">.*" out/chart.svg |
		sed 's|</g>.*||' | grep -o '<circle cx="[0-9.]*"' | tail -n 1 | grep -o '[0-9.]*'
}
a=$(cx 6.1 exec_static tmpfs off) b=$(cx 6.1 exec_static tmpfs full) c=$(cx 6.1 open_deep tmpfs full)
awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN { exit !(a < b && b < c) }' ||
	fail "dots out of order: OFF $a, exec_static FULL $b, open_deep FULL $c"
for l in 'Linux 6.1 (6.1.0-57-cloud-amd64)' 'FULL: imaguard' 'NOOP: empty programs' 'IMA-appraise' \
	'fapolicyd: not run: the guest ran no peer arms' 'log scale above 1.5'; do
	grep -qF ">$l" out/chart.svg || fail "the chart lacks '$l'"
done
echo "ok: chart.svg well-formed, one mark per row, in ratio order"

# Chromium draws it: the FULL colour is there, in quantity
render() { # SVG PNG: headless Chromium's screenshot, or nothing
	local prof w h
	command -v chromium >/dev/null || return 0
	w=$(sed -n 's/^<svg [^>]* width="\([0-9]*\)".*/\1/p' "$1")
	h=$(sed -n 's/^<svg [^>]* height="\([0-9]*\)".*/\1/p' "$1")
	prof=$(mktemp -d)
	timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--hide-scrollbars --force-device-scale-factor=1 --window-size="$w,$h" \
		--user-data-dir="$prof" --screenshot="$2" "file://$1" >/dev/null 2>&1 || true
	rm -rf "$prof"
}
png=${PNGCOLORS:-$top/build/tools/pngcolors}
[ -x "$png" ] || make -C "$top" -s build/tools/pngcolors >/dev/null 2>&1 || true
rendered=0
drawn() { # PNG RRGGBB: pixels of that colour
	"$png" "$1" 0 0 100000 100000 "$2" | sed -n "s/^$2 //p"
}
render "$dir/out/chart.svg" "$dir/chart.png"
if [ -s chart.png ] && [ -x "$png" ]; then
	read -r dims colours < <("$png" chart.png)
	full=$(drawn chart.png e8590c)
	echo "render: $dims, $colours colours, $full px of FULL's colour"
	[ "$colours" -gt 20 ] && [ "${full:-0}" -gt 500 ] || fail "Chromium did not draw the chart"
	rendered=1
else
	echo "render: not checked here (no chromium or no build/tools/pngcolors)"
fi

# ---- the same run with the peers' keys ----------------------------------------
# fapolicyd ran everywhere: 1.5 times FULL, but as the floor on the anonymous
# map (it sees no mmap) and with no ratio for sh_source. IMA appraisal is
# unavailable on 6.1; on 6.12 it ran, as the floor, on ext4 only, and let
# the unlisted program run. One workload has a per-round FULL/NOOP.
export FAKE_GUEST_JQ='
	def times($f): map_values(. * $f * 1000000 | round / 1000000);
	.peers = {fapolicyd: {status: "ok", reason: "", refuses_unlisted: true, version: "1.1.7-5"},
		ima_appraise: (if $k == "6.1" then {status: "unavailable",
			reason: "ima_appraise=enforce: the kernel was built without CONFIG_IMA_APPRAISE"}
		else {status: "ok", reason: "", refuses_unlisted: false, version: "6.12"} end)} |
	.workloads |= map(
		(if .name == "mmap_anon" then .fapolicyd_off = .noop_off
		 elif .name == "sh_source" then .
		 else .fapolicyd_off = (.full_off | times(1.5)) end) |
		(if $k != "6.12" then .
		 elif .fs == "tmpfs" then .ima_appraise_not_measured = "its appraised copies are on ext4 only (no tmpfs rows)"
		 else .ima_appraise_off = .noop_off end) |
		(if .name == "exec_dynamic" and .fs == "ext4" then
			.full_noop = {median: 1.008, p25: 1.005, p75: 1.011, min: 1.001, max: 1.02} else . end))'
bench
expect "rows with peers" "$(res '.rows | length')" 180
expect "fapolicyd on static exec, tmpfs, 6.1" "$(row 6.1 exec_static tmpfs fapolicyd | jq -c '[.status, .ratio, .version, .refuses_unlisted]')" \
	'["ok",{"median":1.542615,"p25":1.540545,"p75":1.54308},"1.1.7-5",true]'
expect "fapolicyd without a ratio" "$(row 6.1 sh_source ext4 fapolicyd | jq -c '[.status, .reason]')" \
	'["failed","the guest gave no fapolicyd/OFF ratio for this workload"]'
expect "IMA appraisal on 6.1" "$(res '[.rows[] | select(.kernel == "6.1" and .arm == "ima-appraise") | "\(.status): \(.reason)"] | unique | join("; ")')" \
	"unavailable: ima_appraise=enforce: the kernel was built without CONFIG_IMA_APPRAISE"
expect "IMA appraisal on 6.12" "$(row 6.12 open_short ext4 ima-appraise | jq -c '[.status, .ratio.median, .refuses_unlisted]')" \
	'["ok",1.05141,false]'
expect "IMA appraisal on 6.12, tmpfs" "$(row 6.12 open_short tmpfs ima-appraise | jq -c '[.status, .reason]')" \
	'["not_measured","its appraised copies are on ext4 only (no tmpfs rows)"]'
expect "per-round FULL/NOOP" "$(row 6.12 exec_dynamic ext4 full | jq -c .full_noop)" \
	'{"median":1.008,"p25":1.005,"p75":1.011,"from":"per round"}'
echo "ok: rows with peers: ratios, versions, why one did not run"

expect "FULL at or below fapolicyd" "$(target 'exec_static FULL/OFF <= fapolicyd/OFF, tmpfs (6.1)')" \
	'{"instrument":"guest","kernel":"6.1","name":"exec_static FULL/OFF <= fapolicyd/OFF, tmpfs (6.1)","value":1.02841,"limit":1.542615,"op":"<=","met":true}'
expect "FULL above fapolicyd" "$(target 'mmap_anon FULL/OFF <= fapolicyd/OFF (6.1)' | jq -c '[.value, .limit, .met, .note]')" \
	'[1.04684,1.0266,false,null]'
expect "fapolicyd without a ratio" "$(target 'sh_source FULL/OFF <= fapolicyd/OFF, ext4 (6.12)' | jq -c '[.limit, .met, .note]')" \
	'[null,false,"missed: peer not measured (failed: the guest gave no fapolicyd/OFF ratio for this workload)"]'
expect "IMA appraisal unavailable" "$(target 'open_deep FULL/OFF <= IMA-appraise/OFF, ext4 (6.1)' | jq -c '[.limit, .met, .note]')" \
	'[null,false,"missed: peer not measured (unavailable: ima_appraise=enforce: the kernel was built without CONFIG_IMA_APPRAISE)"]'
expect "IMA appraisal that refused nothing" "$(target 'exec_static FULL/OFF <= IMA-appraise/OFF, ext4 (6.12)' | jq -c '[.limit, .met, .note]')" \
	'[1.00942,false,"IMA-appraise did not refuse the unlisted program in this run"]'
expect "per-round FULL/NOOP target" "$(target 'exec_dynamic FULL/NOOP, ext4 (6.12)' | jq -c '[.value, .met, .note]')" \
	'[1.008,true,null]'
expect "peer targets met" "$(res '[.targets[] | select(.name | test("FULL/OFF <= ")) | .met] | map(select(.)) | length')" 30
echo "ok: targets against the peers judged on their ratios"

grep -qxF '| exec_static | tmpfs | 1.028 [1.027–1.029] | 1.006 [1.005–1.007] | 1.023 | ≤ 1.01 **missed** | 1.543 [1.541–1.543] | *unavailable* | met / **not measured** |' out/results.md ||
	fail "the table's static exec row with peers"
grep -qxF '| mmap_anon | none | 1.047 [1.042–1.048] | 1.027 [1.020–1.029] | 1.020 | ≤ 1.01 **missed** | 1.027 [1.020–1.029] | *unavailable* | **missed** / **not measured** |' out/results.md ||
	fail "the table's anonymous map row with peers"
grep -qxF '| exec_dynamic | ext4 | 1.044 [1.040–1.048] | 1.011 [1.010–1.016] | 1.008 [1.005–1.011] | ≤ 1.01 met | 1.566 [1.560–1.573] | 1.011 [1.010–1.016] | met / **missed** |' out/results.md ||
	fail "the table's dynamic exec row on 6.12 with peers"
grep -qxF -- '- fapolicyd: ran on 17 of 18 workloads, version 1.1.7-5, refused the unlisted program: the guest gave no fapolicyd/OFF ratio for this workload' out/results.md ||
	fail "the table's note on fapolicyd"
grep -qxF -- '- IMA-appraise: **unavailable**: ima_appraise=enforce: the kernel was built without CONFIG_IMA_APPRAISE' out/results.md ||
	fail "the table's note on IMA appraisal, 6.1"
grep -qxF -- '- IMA-appraise: ran on 11 of 18 workloads, version 6.12, **did not refuse the unlisted program**: its appraised copies are on ext4 only (no tmpfs rows)' out/results.md ||
	fail "the table's note on IMA appraisal, 6.12"
echo "ok: results.md with peers"

expect "marks with peers (XML parser)" "$(svg_marks out/chart.svg)" 180
diff <(marks_of out/chart.svg) <(rows_of) >/dev/null || fail "the chart's marks are not the rows, with peers"
expect "drawn fapolicyd marks" "$(marks_of out/chart.svg | grep -c ' fapolicyd ok$')" 34
a=$(cx 6.1 exec_static tmpfs full) b=$(cx 6.1 exec_static tmpfs fapolicyd)
awk -v a="$a" -v b="$b" 'BEGIN { exit !(a < b) }' || fail "fapolicyd's dot ($b) is not right of FULL's ($a)"
# why IMA appraisal has no marks on 6.1, on two lines; that on 6.12 it let
# the unlisted program run, and why it has none on tmpfs there
for l in 'IMA-appraise: unavailable: ima_appraise=enforce: the kernel was' 'built without CONFIG_IMA_APPRAISE' \
	'IMA-appraise: did not refuse the unlisted program in this run: its' \
	'IMA-appraise: not measured: its appraised copies are on ext4 only'; do
	grep -qF ">$l</text>" out/chart.svg || fail "the chart does not say '$l'"
done
if [ "$rendered" = 1 ]; then
	render "$dir/out/chart.svg" "$dir/peers.png"
	green=$(drawn peers.png 2f9e44)
	echo "render with peers: $green px of fapolicyd's colour"
	[ "${green:-0}" -gt 500 ] || fail "Chromium did not draw fapolicyd's marks"
fi
[ -z "${BENCH_CHART_KEEP:-}" ] || cp out/chart.svg "$BENCH_CHART_KEEP"
echo "bench report ok"
