#!/usr/bin/env bash
# Draw results.json's rows as one SVG: a panel per kernel, a lane per
# workload and file system, and in each lane a mark per arm at its ratio to
# OFF (the median as a dot, p25-p75 as a whisker).
#
#   scripts/bench/chart.sh RESULTS.json >chart.svg
#
# scripts/bench.sh runs it on every bench run. The ratio axis is linear up to
# 1.5 and logarithmic above, when some ratio is that high, so that costs of a
# few percent stay apart while a worst case many times OFF still fits. An arm
# that did not run has a hollow mark at the left edge of its lane, and the
# panel says why below it. Every row is one <g class="mark ..."> with a
# <title> that reads out its numbers. Needs jq only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: scripts/bench/chart.sh RESULTS.json" >&2; exit 2; }
command -v jq >/dev/null || { echo "imaguard: chart: jq not found: run scripts/deps.sh as root" >&2; exit 1; }
[ -r "$1" ] || { echo "imaguard: chart: cannot read '$1'" >&2; exit 1; }

jq -r -L "$here" '
include "report";

def c: (. * 10 | round) / 10 | tostring;
def esc: tostring | gsub("&"; "&amp;") | gsub("<"; "&lt;") | gsub(">"; "&gt;") | gsub("\""; "&quot;");
def attr($n; $v): " \($n)=\"\($v | esc)\"";
def text($x; $y; $s; $extra): "<text x=\"\($x | c)\" y=\"\($y | c)\"\($extra)>\($s | esc)</text>";
# the words of . on lines of at most $n characters (a longer word alone)
def wrap($n): reduce splits(" +") as $w ([];
	if length > 0 and (.[-1] + " " + $w | length) <= $n then .[-1] += " " + $w else . + [$w] end);
def uniq: reduce .[] as $x ([]; if any(.[]; . == $x) then . else . + [$x] end);

def colour: {off: "#8c8c8c", noop: "#4c78a8", full: "#e8590c", fapolicyd: "#2f9e44",
	"ima-appraise": "#9c36b5"}[.] // "#000000";
def legend: {off: "OFF: nothing attached (1 by definition)",
	noop: "NOOP: empty programs on the same hooks (the floor)", full: "FULL: imaguard",
	fapolicyd: "fapolicyd", "ima-appraise": "IMA-appraise"}[.] // .;

# geometry
6 as $step | 190 as $label_w | 420 as $pw | 40 as $gap | 24 as $right |
(bench_arms | length) as $na | ($na * $step + 10) as $lane_h |

. as $res |
(if .rows then .rows else .instruments | bench_rows end) as $rows |
($rows | map(.kernel) | uniq) as $kernels |
($rows | map({workload, fs}) | uniq) as $lanes |
($kernels | length | if . == 0 then 1 else . end) as $nk |
($label_w + $nk * $pw + ($nk - 1) * $gap + $right) as $width |

# the legend: a swatch and a name per arm, on as many lines as it takes
(reduce bench_arms[] as $a ({x: 16, y: 70, s: ""};
	($a.arm | legend) as $name | (34 + ($name | length) * 6.5) as $w |
	(if .x + $w > $width - 16 and .x > 16 then .x = 16 | .y += 18 else . end) |
	.x as $x | .y as $y |
	.s += "<path d=\"M\($x) \($y)H\($x + 16)M\($x) \($y - 2)v4M\($x + 16) \($y - 2)v4\"" +
		" stroke=\"\($a.arm | colour)\" stroke-width=\"1.3\" fill=\"none\"/>" +
		"<circle cx=\"\($x + 8)\" cy=\"\($y)\" r=\"3\" fill=\"\($a.arm | colour)\"/>" +
		text($x + 22; $y + 4; $name; " font-size=\"11\"") |
	.x += $w)) as $legend |
($legend.y + 62) as $y0 |
($y0 + ($lanes | length) * $lane_h) as $y1 |

# the axis: linear from lo to brk, logarithmic from brk to hi when some
# ratio is above 1.6
([$rows[] | select(.status == "ok") | .ratio | .median, .p25, .p75 | numbers] + [1]) as $vals |
(($vals | min) - 0.01 | . * 50 | floor / 50 | [., 0.98] | min) as $lo |
($vals | max) as $vmax |
(if $vmax <= 1.6 then ($vmax + 0.005) * 20 | ceil / 20 else 1.5 end) as $brk |
(if $vmax <= 1.6 then $brk
 else [range(0; 7) as $e | (2, 3, 5, 10) * pow(10; $e) | select(. >= $vmax * 1.02)] | min end) as $hi |
(if $hi > $brk then 0.72 * $pw else $pw end) as $lw |
def xof($px0): if . <= $brk then $px0 + (. - $lo) / ($brk - $lo) * $lw
	else $px0 + $lw + (log - ($brk | log)) / (($hi | log) - ($brk | log)) * ($pw - $lw) end;
(if ($brk - $lo) <= 0.3 then 0.05 else 0.1 end) as $tstep |
([range(($lo / $tstep - 1e-9) | ceil; ($brk / $tstep + 1e-9) | floor + 1) | . * $tstep] +
 [range(0; 7) as $e | (1, 2, 3, 5) * pow(10; $e) | select(. > $brk and . <= $hi)]) as $all_ticks |
# keep a tick at least 26 px from the one kept before it
(reduce $all_ticks[] as $t ({kept: [], x: -1000};
	($t | xof(0)) as $x | if $x - .x >= 26 then .kept += [$t] | .x = $x else . end) | .kept) as $ticks |

def lane_y($i): $y0 + $i * $lane_h;
def arm_y($i; $a): lane_y($i) + 5 + $a * $step + $step / 2;

def mark($px0; $i; $a; $row):
	(bench_arms[$a].arm) as $arm | ($arm | colour) as $col | arm_y($i; $a) as $y |
	"<g class=\"mark \($row.status)\"" + attr("data-kernel"; $row.kernel) +
	attr("data-workload"; $row.workload) + attr("data-fs"; $row.fs) + attr("data-arm"; $arm) + ">" +
	"<title>\("\($row.kernel) · \($row.workload) · \($row.fs) · \(bench_arms[$a].label)/OFF " +
		(if $row.status == "ok" then
			"\($row.ratio.median | bench_ratio) [\($row.ratio.p25 | bench_ratio)–\($row.ratio.p75 | bench_ratio)]" +
			(if $arm == "full" and $row.full_noop != null then
				", FULL/NOOP \($row.full_noop.median | bench_ratio)" else "" end)
		 else "\($row.status | gsub("_"; " ")): \($row.reason // "")" end) | esc)</title>" +
	(if $row.status != "ok" then
		"<circle cx=\"\($px0 + 5 | c)\" cy=\"\($y | c)\" r=\"2.4\" fill=\"#ffffff\"" +
		" stroke=\"\($col)\" stroke-width=\"1.2\"/>"
	 else
		($row.ratio.median | xof($px0)) as $xm |
		(if ($row.ratio.p25 | type) == "number" and ($row.ratio.p75 | type) == "number" then
			($row.ratio.p25 | xof($px0)) as $xa | ($row.ratio.p75 | xof($px0)) as $xb |
			"<path d=\"M\($xa | c) \($y - 2 | c)v4M\($xa | c) \($y | c)H\($xb | c)M\($xb | c) \($y - 2 | c)v4\"" +
			" stroke=\"\($col)\" stroke-width=\"1.3\" fill=\"none\"/>"
		 else "" end) +
		"<circle cx=\"\($xm | c)\" cy=\"\($y | c)\" r=\"\(if $arm == "off" then 2 else 2.8 end)\"" +
		" fill=\"\($col)\"/>" +
		(if $arm == "full" then
			([$row.ratio.median, ($row.ratio.p75 // $row.ratio.median)] | max | xof($px0)) as $xr |
			if $xr + 36 <= $px0 + $pw then
				text($xr + 4; $y + 3; $row.ratio.median | bench_fixed(3);
					" font-size=\"9\" fill=\"#a63c06\"")
			else
				text(([$row.ratio.median, ($row.ratio.p25 // $row.ratio.median)] | min | xof($px0)) - 4;
					$y + 3; $row.ratio.median | bench_fixed(3);
					" font-size=\"9\" fill=\"#a63c06\" text-anchor=\"end\"")
			end
		 else "" end)
	 end) + "</g>";

# notes(kernel): why an arm has no mark in a lane, once per arm and reason,
# and which peer let the unlisted program run; each wrapped to the width of
# a panel
def notes($k): ([bench_arms[] as $arm | $rows[] |
		select(.kernel == $k and .arm == $arm.arm and .status != "ok") |
		{arm, filled: false, text: ("\($arm.label): \(.status | gsub("_"; " "))" +
			(if (.reason // "") != "" then ": \(.reason)" else "" end))}] +
	[bench_arms[] as $arm | $rows[] |
		select(.kernel == $k and .arm == $arm.arm and .status == "ok" and .refuses_unlisted == false) |
		{arm, filled: true, text: ("\($arm.label): did not refuse the unlisted program in this run:" +
			" its marks are not those of a peer that enforces")}]) | uniq |
	map(.lines = (.text | wrap(($pw - 14) / 6 | floor)));

def panel($ki):
	$kernels[$ki] as $k | ($label_w + $ki * ($pw + $gap)) as $px0 |
	[$rows[] | select(.kernel == $k)] as $kr |
	(reduce $kr[] as $r ({}; .["\($r.workload)\t\($r.fs)\t\($r.arm)"] = $r)) as $ix |
	($kr | map(.release) | map(select(. != null)) | first // "") as $release |
	"<g class=\"panel\"" + attr("data-kernel"; $k) + ">" +
	text($px0; $y0 - 34; "Linux \($k)" + (if $release != "" then " (\($release))" else "" end);
		" font-size=\"13\" font-weight=\"bold\"") +
	(if any($kr[]; .noisy) then
		text($px0 + $pw; $y0 - 34; "NOISY RUN: indicative only";
			" font-size=\"12\" font-weight=\"bold\" fill=\"#c92a2a\" text-anchor=\"end\"")
	 else "" end) +
	# grid, tick labels above and below, the 1.0 line
	([$ticks[] | xof($px0) as $x | . as $t |
		"<line x1=\"\($x | c)\" y1=\"\($y0 | c)\" x2=\"\($x | c)\" y2=\"\($y1 | c)\"" +
		(if $t == 1 then " stroke=\"#222222\" stroke-width=\"1.4\""
		 else " stroke=\"#d0d0d0\" stroke-width=\"0.8\"" end) + "/>" +
		($t | if . >= 2 then bench_fixed(0) else bench_fixed(2) end) as $l |
		text($x; $y0 - 6; $l; " font-size=\"10\" text-anchor=\"middle\" fill=\"#444444\"") +
		text($x; $y1 + 14; $l; " font-size=\"10\" text-anchor=\"middle\" fill=\"#444444\"")] | join("")) +
	(if $hi > $brk then
		($brk | xof($px0)) as $xb |
		"<line x1=\"\($xb | c)\" y1=\"\($y0 | c)\" x2=\"\($xb | c)\" y2=\"\($y1 | c)\"" +
		" stroke=\"#888888\" stroke-width=\"1\" stroke-dasharray=\"4 3\"/>" +
		text(($xb + $px0 + $pw) / 2; $y1 + 28; "log scale above \($brk | bench_fixed(1))";
			" font-size=\"10\" text-anchor=\"middle\" fill=\"#666666\"")
	 else "" end) +
	text($px0 + $lw / 2; $y1 + 28; "time under the arm / time under OFF";
		" font-size=\"10\" text-anchor=\"middle\" fill=\"#666666\"") +
	"<rect x=\"\($px0)\" y=\"\($y0)\" width=\"\($pw)\" height=\"\($y1 - $y0)\"" +
	" fill=\"none\" stroke=\"#999999\" stroke-width=\"0.8\"/>" +
	([range(0; $lanes | length) as $i | $lanes[$i] as $l | range(0; $na) as $a |
		$ix["\($l.workload)\t\($l.fs)\t\(bench_arms[$a].arm)"] as $row |
		select($row != null) | mark($px0; $i; $a; $row)] | join("")) +
	# why an arm has no marks: once per arm and reason
	(reduce notes($k)[] as $n ({y: ($y1 + 44), s: ""};
		.y as $y |
		.s += "<circle cx=\"\($px0 + 5)\" cy=\"\($y - 4)\" r=\"3\"" +
			" fill=\"\(if $n.filled then $n.arm | colour else "#ffffff" end)\"" +
			" stroke=\"\($n.arm | colour)\" stroke-width=\"1.2\"/>" +
			([$n.lines | to_entries[] |
				text($px0 + 14; $y + .key * 14; .value; " font-size=\"11\" fill=\"#333333\"")] | join("")) |
		.y += ($n.lines | length) * 14 + 4) | .s) +
	"</g>";

# how tall the notes under the panels are
([$kernels[] | notes(.) | map(.lines | length * 14 + 4) | add // 0] | max // 0) as $notes |
($y1 + 44 + $notes + 6) as $height |

"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\($width)\" height=\"\($height)\"" +
" viewBox=\"0 0 \($width) \($height)\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"" +
" role=\"img\"" + attr("aria-label"; "imaguard and its peers: each workload'"'"'s time under each arm over its time under OFF, per kernel") + ">\n" +
"<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n" +
text(16; 24; "imaguard benchmarks: each workload'"'"'s time under an arm over its time under OFF";
	" font-size=\"16\" font-weight=\"bold\"") + "\n" +
text(16; 44; "\($res.mode // "?") mode, \($res.date // "?"), \($res.host.cpu // "?"): " +
	"dot the median over rounds, whisker p25–p75; 1 is no cost, lower is better";
	" font-size=\"12\" fill=\"#444444\"") + "\n" +
$legend.s + "\n" +
(if ($rows | length) == 0 then
	text($label_w; $y0; "no guest results: every guest run failed";
		" font-size=\"13\" fill=\"#c92a2a\"") + "\n"
 else
	([range(0; $lanes | length) as $i | $lanes[$i] as $l |
		(if $i % 2 == 1 then
			"<rect x=\"8\" y=\"\(lane_y($i))\" width=\"\($width - 16)\" height=\"\($lane_h)\" fill=\"#f3f3f3\"/>"
		 else "" end) +
		text($label_w - 8; lane_y($i) + $lane_h / 2 + 4;
			$l.workload + (if $l.fs != null and $l.fs != "none" then " · \($l.fs)" else "" end);
			" font-size=\"11\" text-anchor=\"end\"")] | join("\n")) + "\n" +
	([range(0; $kernels | length) | panel(.)] | join("\n")) + "\n"
 end) +
"</svg>"
' "$1"
