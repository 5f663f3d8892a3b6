#!/usr/bin/env bash
# The HTML report as headless Chromium draws it, checked by its pixels and
# its DOM after the page's script ran, on a log with 30 allowlist sources
# and three broken logs (an edited line, a removed line, a torn last line):
#  - screen: the coverage chart holds the covered, never-ran and
#    not-allowlisted colours, the (not allowlisted) bar is drawn in the
#    not-allowlisted colour only, the chart shows the most-run sources first
#    and says how many more there are, all 30 sources have their row in the
#    table, digests show 16 hex digits, the broken-log banner is drawn and
#    names each broken log and line, the rows read from the broken logs are
#    marked (as many as the JSON says), the timeline has one axis label;
#  - print (the page's print rules applied to the screen, and a real
#    --print-to-pdf): every digest shows all 64 hex digits.
# The many-sources log is tests/data/auditlog/many-sources.log, written by
# the daemon in the guest (tests/vm/t_auditlog_capture.sh); the allowlist is
# drawn from whatever ran in it. The broken logs come from mkauditlog.
set -euo pipefail
top=$(cd "$(dirname "$IMAGUARD")/.." && pwd)
gen=${MKAUDITLOG:-$top/build/tools/mkauditlog}
png=${PNGCOLORS:-$top/build/tools/pngcolors}
[ -x "$gen" ] || make -C "$top" -s build/tools/mkauditlog
[ -x "$png" ] || make -C "$top" -s build/tools/pngcolors

if ! command -v chromium >/dev/null; then
	if [ "$(id -u)" -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends chromium >&2 && command -v chromium >/dev/null; then
		:
	else
		echo "skipped: chromium not installed (and it could not be installed here: sudo scripts/deps.sh)"
		exit 77
	fi
fi

fail() { echo "FAIL: $*"; exit 1; }
profiles=()
cleanup() { [ ${#profiles[@]} -eq 0 ] || rm -rf "${profiles[@]}"; }
trap cleanup EXIT

W=1280 H=1400
# browse URL OUT ARGS...: headless Chromium, a fresh profile, a fixed window
browse() {
	local url=$1 out=$2 prof
	shift 2
	prof=$(mktemp -d)
	profiles+=("$prof")
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--hide-scrollbars --force-device-scale-factor=1 --window-size=$W,$H \
		--user-data-dir="$prof" "$@" "$url" >"$out" 2>"$out.log" ||
		fail "chromium failed on $url: $(tail -3 "$out.log")"
}

# verdict DOM: the page's self-check verdict, from its <pre id="selftest">
verdict() {
	grep -o '<pre id="selftest">selftest: [^<]*' "$1" | sed 's/^<pre id="selftest">//' || true
}

# field NAME DOM: a name=value of the page's self-check verdict
field() {
	verdict "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# colour PNG X Y W H RRGGBB: how many pixels of exactly that colour
colour() {
	"$png" "$1" "$2" "$3" "$4" "$5" "$6" | sed -n "s/^$6 //p"
}

# ---- the logs ---------------------------------------------------------------
src=$top/tests/data/auditlog/many-sources.log
[ -s "$src" ] || fail "no '$src': make testdata-auditlog writes it"
cp "$src" many-sources.log
mkdir scen && "$gen" gen scen
cp scen/web2-broken.log .			# one byte of line 3 edited
sed 3d scen/web1.log >web1-gap.log		# a line removed: seq and prev break
head -c -40 scen/db1.log >db1-torn.log		# the last line cut short

# ---- an allowlist of 30 sources from what ran -------------------------------
# Two executables stay off the list; the rest go round 12 sources, so each
# ran; 18 more sources list 6 entries each that never ran, more entries
# than any source that ran (a chart of the largest lists would show only
# them).
"$IMAGUARD" report --format json -o plain.json many-sources.log
idle=$(for s in $(seq 10 27); do
	for k in 1 2 3 4 5 6; do
		d=$(printf 'idle %s %s' "$s" "$k" | sha256sum | cut -c1-64)
		printf '{"digest":"%s","path":"/opt/idle/%s/%s","source":"idle-%s"}\n' "$d" "$s" "$k" "$s"
	done
done | jq -s .)
jq --argjson idle "$idle" '
	[.executed[] | select(.digest != null) | {path, digest}] | unique | .[2:] as $on
	| {format: "imaguard-allowlist/1", serial: 1, created: "2026-03-01T00:00:00Z",
	   hash_algo: "sha256",
	   entries: ([$on | to_entries[] | {digest: .value.digest, path: .value.path,
	              source: ("pkg-" + ((100 + .key % 12) | tostring)[1:])}] + $idle)}
' plain.json >allowlist.json
ran=$(jq '.entries | map(select(.source | startswith("pkg-"))) | length' allowlist.json)
[ "$ran" -ge 12 ] || fail "the many-sources log has too few executables ($ran listed, 12 needed)"
openssl genpkey -algorithm ed25519 -out k.key 2>/dev/null
openssl pkey -in k.key -pubout -out k.pub
"$IMAGUARD" allowlist sign --key k.key allowlist.json

logs=(many-sources.log web2-broken.log web1-gap.log db1-torn.log)
"$IMAGUARD" report --allowlist allowlist.json --trust k.pub --now 2026-03-02T00:00:00Z \
	-o report.html "${logs[@]}" 2>/dev/null
"$IMAGUARD" report --allowlist allowlist.json --trust k.pub --now 2026-03-02T00:00:00Z \
	--format json -o report.json "${logs[@]}" 2>/dev/null
sources=$(jq '[.coverage[] | select(.source | startswith("(") | not)] | length' report.json)
[ "$sources" -eq 30 ] || fail "the report has $sources sources, not 30"
jq -e '.coverage[] | select(.source == "(not allowlisted)") | .executed > 0' report.json \
	>/dev/null || fail "nothing ran outside the list"

# ---- screen -----------------------------------------------------------------
url="file://$PWD/report.html?selftest=1"
browse "$url" screen.dom --dump-dom
browse "$url" screen.out --screenshot="$PWD/screen.png"
v=$(verdict screen.dom)
echo "screen: $v"
case $v in "selftest: pass "*) ;; *) fail "the page's self-check: '$v'" ;; esac

# The coverage chart, by its pixels: the chart's box comes from the page's
# layout, the colours are the report's (src/report/html.c).
ran_c=54a24b idle_c=d3cec4 out_c=f58518
IFS=, read -r cx cy cw ch <<<"$(field coverage_chart screen.dom)"
IFS=, read -r ux uy uw uh <<<"$(field unlisted_bar screen.dom)"
[ -n "$ch" ] && [ "$((cy + ch))" -le "$H" ] || fail "the coverage chart is not in the window: $cx,$cy,$cw,$ch"
[ -n "$uh" ] && [ "$uw" -gt 4 ] || fail "no (not allowlisted) bar in the chart: '$ux,$uy,$uw,$uh'"
read -r _ colours < <("$png" screen.png)
g=$(colour screen.png "$cx" "$cy" "$cw" "$ch" $ran_c)
i=$(colour screen.png "$cx" "$cy" "$cw" "$ch" $idle_c)
o=$(colour screen.png "$cx" "$cy" "$cw" "$ch" $out_c)
echo "screen: $colours colours; chart at $cx,$cy ${cw}x$ch: ran $g, never ran $i, not allowlisted $o px"
[ "$colours" -gt 50 ] || fail "the screenshot has $colours colours: blank or unstyled"
[ "$g" -gt 500 ] || fail "the chart has no bar in the covered colour"
[ "$i" -gt 500 ] || fail "the chart has no bar in the never-ran colour"
[ "$o" -gt 100 ] || fail "the chart has no bar in the not-allowlisted colour"
# inside the bar, 1 px in from its anti-aliased edges
area=$(((uw - 2) * (uh - 2)))
bo=$(colour screen.png $((ux + 1)) $((uy + 1)) $((uw - 2)) $((uh - 2)) $out_c)
bg=$(colour screen.png $((ux + 1)) $((uy + 1)) $((uw - 2)) $((uh - 2)) $ran_c)
echo "screen: (not allowlisted) bar ${uw}x$uh: $bo of $area px not-allowlisted colour, $bg covered"
[ "$bo" -eq "$area" ] && [ "$bg" -eq 0 ] || fail "the (not allowlisted) bar is not all in its colour"

# The chart's bars in the DOM: 15, most runs first, then a count of the rest.
chart=$(sed -n 's/.*\(<figure id="chart-coverage">.*<\/figure>\).*/\1/p' screen.dom | sed 's/<\/figure>.*//')
bars=$(grep -o 'class="cov-\(ran\|unlisted\)"' <<<"$chart" | wc -l)
[ "$bars" -eq 15 ] || fail "the chart has $bars bars, not 15"
labels=$(grep -o 'text-anchor="end">[^<]*' <<<"$chart" | sed 's/.*>//')
want=$(jq -r '.coverage | sort_by(-.executions, -.executed, .source) | .[:15][] | .source' report.json)
[ "$labels" = "$want" ] || fail "the chart's sources are not the most-run first: $(echo $labels)"
first_idle=$(grep -n '^idle-' <<<"$labels" | head -1 | cut -d: -f1)
[ "${first_idle:-99}" -gt "$((ran > 12 ? 12 : ran))" ] || fail "a source that never ran is drawn before one that ran"
grep -q 'and 16 more sources' <<<"$chart" || fail "the chart does not say how many sources it leaves out"

# All 30 sources have their row in the coverage table.
rows=$(sed -n 's/.*<table class="sortable" id="t-coverage">\(.*\)/\1/p' screen.dom | sed 's/<\/table>.*//' |
	grep -o '<tr><td>\(pkg\|idle\)-[0-9]*<' | sort -u | wc -l)
[ "$rows" -eq 30 ] || fail "the coverage table has $rows source rows, not 30"

# Digests: 16 hex on screen.
[ "$(field digests screen.dom)" -gt 30 ] || fail "too few digests in the tables"
[ "$(field whole screen.dom)" -eq 0 ] || fail "whole digests on screen"

# The broken logs: the banner names each with its line, drawn in its colour.
grep -q 'CHAIN BROKEN: 3 of 4 audit logs' screen.dom || fail "the banner does not count the broken logs"
for l in 'web2-broken.log</code>: broken at line 4' 'web1-gap.log</code>: broken at line 3' \
	'db1-torn.log</code>: broken at line 10: truncated mid-line'; do
	grep -qF "$l" screen.dom || fail "the banner does not say '$l'"
done
IFS=, read -r _ by _ _ <<<"$(field coverage_chart screen.dom)"
banner=$(colour screen.png 0 0 $W "$by" ffe3e3)
echo "screen: banner colour $banner px above the charts"
[ "$banner" -gt 20000 ] || fail "the broken-chain banner is not drawn"
# Rows: exactly those the JSON says came from a broken log, none of the others.
want=$(jq '[.executed, .denials, .not_allowlisted | .[] | select(.from_broken_log)] | length' report.json)
got=$(field broken_rows screen.dom)
echo "screen: $got rows marked broken (the JSON: $want)"
[ "$want" -gt 0 ] && [ "$got" -eq "$want" ] || fail "$got rows marked broken, the JSON has $want"
# what only the intact log holds: the digests listed under pkg-*
jq -e --slurpfile al allowlist.json '
	[$al[0].entries[] | select(.source | startswith("pkg-")) | .digest] as $mine
	| [.executed[] | select(.digest as $d | $mine | index($d)) | .from_broken_log]
	| length > 0 and all(. == false)' report.json >/dev/null ||
	fail "rows of the intact log are marked broken"

# The timeline: one axis label.
tl=$(sed -n 's/.*aria-label="events over time"\(.*\)/\1/p' screen.dom | sed 's/<\/svg>.*//')
n=$(grep -o 'UTC' <<<"$tl" | wc -l)
[ "$n" -eq 1 ] || fail "the timeline has $n time labels"

# ---- print ------------------------------------------------------------------
# The page's print rules applied on screen, so that layout and the DOM show
# them; then the real print path.
grep -c '@media print{' report.html | grep -qx 1 || fail "the page has no print rules to emulate"
sed 's/@media print{/@media all{/' report.html >print.html
browse "file://$PWD/print.html?selftest=1" print.dom --dump-dom
browse "file://$PWD/print.html?selftest=1" print.out --screenshot="$PWD/print.png"
v=$(verdict print.dom)
echo "print: $v"
case $v in "selftest: pass "*) ;; *) fail "the page's self-check in print: '$v'" ;; esac
d=$(field digests print.dom)
[ "$d" -gt 30 ] && [ "$(field whole print.dom)" -eq "$d" ] || fail "print shows $(field whole print.dom) of $d digests whole"
# a whole digest wraps inside its cell rather than widening the page
[ "$(field width print.dom)" -le "$W" ] || fail "print is $(field width print.dom) px wide"
read -r dims pcolours < <("$png" print.png)
[ "$dims" = "${W}x$H" ] && [ "$pcolours" -gt 50 ] || fail "print screenshot: $dims, $pcolours colours"
browse "file://$PWD/report.html" pdf.out --print-to-pdf="$PWD/report.pdf" --no-pdf-header-footer
head -c 5 report.pdf | grep -q '%PDF-' || fail "no PDF printed"
pages=$(grep -ac '/Type /Page$\|/Type /Page[^s]' report.pdf || true)
echo "print: report.pdf $(stat -c %s report.pdf) bytes, $pages pages"
[ "$pages" -ge 2 ] || fail "the printed report has $pages pages"

[ -z "${REPORT_SHOT_KEEP:-}" ] || cp screen.png "$REPORT_SHOT_KEEP"
echo "report screenshots: all checks passed"
