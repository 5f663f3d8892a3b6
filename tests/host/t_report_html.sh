#!/usr/bin/env bash
# The HTML report in headless Chromium, from a file:// URL: the page's own
# self-check (?selftest=1 sorts every sortable table by a numeric column
# both ways and counts scripts, injected elements and errors) writes its
# verdict into the DOM, which --dump-dom shows; the browser's log shows no
# console message; a screenshot is not blank. The hostile-strings log gets
# the same treatment. A page with a deliberate error proves the console
# check can fail.
set -euo pipefail
top=$(cd "$(dirname "$IMAGUARD")/.." && pwd)
gen=${MKAUDITLOG:-$top/build/tools/mkauditlog}
png=${PNGCOLORS:-$top/build/tools/pngcolors}
[ -x "$gen" ] || make -C "$top" -s build/tools/mkauditlog
[ -x "$png" ] || make -C "$top" -s build/tools/pngcolors

if ! command -v chromium >/dev/null; then
	if [ "$(id -u)" -eq 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >&2 ||
			{ echo "FAIL: cannot install chromium"; exit 1; }
	else
		echo "chromium not installed, and installing it needs root"
		exit 77
	fi
fi

fail() { echo "FAIL: $*"; exit 1; }
profiles=()
cleanup() { [ ${#profiles[@]} -eq 0 ] || rm -rf "${profiles[@]}"; }
trap cleanup EXIT

# browse URL OUT ARGS...: run headless Chromium with a fresh profile; the
# browser's stderr log goes to OUT.log
browse() {
	local url=$1 out=$2 prof
	shift 2
	prof=$(mktemp -d)
	profiles+=("$prof")
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" --enable-logging=stderr --v=0 "$@" "$url" \
		>"$out" 2>"$out.log" || fail "chromium failed on $url: $(tail -3 "$out.log")"
}

# check_page FILE: selftest verdict, no console messages, a real screenshot
check_page() {
	local f=$1 url="file://$PWD/$1" verdict size dims colours
	browse "$url?selftest=1" "$f.dom" --dump-dom
	verdict=$(grep -o 'selftest: [a-z]* [^<]*' "$f.dom" || true)
	echo "$f: $verdict"
	case $verdict in
	"selftest: pass "*) ;;
	*) fail "$f: the page's self-check did not pass: '${verdict:-no verdict in the DOM}'" ;;
	esac
	grep -q 'data-ready="1"' "$f.dom" || fail "$f: the page script did not finish"
	if grep -q ':CONSOLE' "$f.dom.log"; then
		grep ':CONSOLE' "$f.dom.log"
		fail "$f: console messages"
	fi
	browse "$url" "$f.shot" --hide-scrollbars --window-size=1280,1000 --screenshot="$PWD/$f.png"
	[ -s "$f.png" ] || fail "$f: no screenshot"
	size=$(stat -c %s "$f.png")
	read -r dims colours < <("$png" "$f.png")
	echo "$f: screenshot $dims, $size bytes, $colours colours"
	[ "$size" -gt 20000 ] || fail "$f: screenshot of $size bytes looks blank"
	[ "$colours" -gt 50 ] || fail "$f: screenshot has $colours colours: blank or unstyled"
}

"$gen" gen .
openssl genpkey -algorithm ed25519 -out k.key 2>/dev/null
openssl pkey -in k.key -pubout -out k.pub
"$IMAGUARD" allowlist sign --key k.key allowlist.json
"$IMAGUARD" report --allowlist allowlist.json --trust k.pub -o report.html \
	web1.log web2.log db1.log web2-broken.log
"$IMAGUARD" report -o xss.html xss.log

# self-contained: no URL at all, not even an inline SVG's namespace
for f in report.html xss.html; do
	if grep -o '.\{0,40\}https\?://.\{0,40\}' "$f"; then fail "$f names a URL"; fi
done

# the console check itself: a page with an error must be caught
echo '<!DOCTYPE html><html><body><script>notDefined()</script></body></html>' >bad.html
browse "file://$PWD/bad.html" bad.dom --dump-dom
grep -q ':CONSOLE' bad.dom.log || fail "the console check does not see a page's error"

check_page report.html
check_page xss.html
grep -q 'CHAIN BROKEN' report.html.dom || fail "the broken chain banner is missing"
# the hostile strings are text in the DOM, not elements
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' xss.html.dom || fail "escaped path missing in the DOM"
! grep -q '<img src="x"\|<iframe\|onload="alert' xss.html.dom || fail "markup from the log reached the DOM"
echo "report html: all checks passed"
