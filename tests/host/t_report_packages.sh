#!/usr/bin/env bash
# Reports, propose and allowlist show by package and version, on an
# allowlist built with --deb from real Debian packages and a monitor-mode
# trail in the daemon's own form (tests/tools/mkauditlog writes it through
# the real audit writer) carrying those packages' real digests: hello and
# debianutils ran, bsdextrautils never did, and a program no package
# shipped ran too.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
need_command allowlist build
need_command allowlist propose
need_command report
top=$(cd "$(dirname "$IMAGUARD")/.." && pwd)
gen=${MKAUDITLOG:-$top/build/tools/mkauditlog}
[ -x "$gen" ] || make -C "$top" -s build/tools/mkauditlog
for c in apt-get dpkg-deb openssl jq sha256sum; do
	command -v "$c" >/dev/null || { echo "FAIL: $c is needed and not installed"; exit 1; }
done
fail() { echo "FAIL: $*"; exit 1; }

mkdir debs
if ! (cd debs && apt-get download hello debianutils bsdextrautils) >dl.log 2>&1; then
	echo "FAIL: apt-get download failed"; cat dl.log; exit 1
fi
ver() { dpkg-deb -f debs/"$1"_*.deb Version; }
hv=$(ver hello) dv=$(ver debianutils) bv=$(ver bsdextrautils)

expect 0 "$IMAGUARD" allowlist build --deb --serial 5 -o list.json debs
openssl genpkey -algorithm ed25519 -out k.key 2>/dev/null
openssl pkey -in k.key -pubout -out k.pub
expect 0 "$IMAGUARD" allowlist sign --key k.key list.json

digest_of() { jq -r --arg p "$1" '.entries[] | select(.path == $p) | .digest' list.json; }
hello=$(digest_of /usr/bin/hello) runparts=$(digest_of /bin/run-parts)
[ -n "$hello" ] && [ -n "$runparts" ] || fail "the packages lack hello or run-parts"
tool=$(printf 'a local build\n' | sha256sum | cut -c1-64)
nd=$(jq '[.entries[] | select(.source | startswith("deb:debianutils="))] | length' list.json)
nb=$(jq '[.entries[] | select(.source | startswith("deb:bsdextrautils="))] | length' list.json)

# hello ran twice (exec, then its mapping), run-parts once, and a program
# of no package, which monitor mode let run.
"$gen" trail web.log web1 <<EOF
exec allowlisted $hello /usr/bin/hello
exec allowlisted $hello /usr/bin/hello
exec allowlisted $runparts /usr/bin/run-parts
exec not-allowlisted $tool /usr/local/bin/tool
EOF
expect 0 "$IMAGUARD" audit verify web.log

# ---- report ------------------------------------------------------------------
expect 0 "$IMAGUARD" report --allowlist list.json --trust k.pub --now 2026-03-02T00:00:00Z web.log
mv out report.json
jq -e --arg hv "$hv" --arg dv "$dv" '.packages.ran == [
	{"package": "debianutils", "version": $dv, "source": ("deb:debianutils=" + $dv),
	 "listed": .packages.ran[0].listed, "executed": 1, "executions": 1},
	{"package": "hello", "version": $hv, "source": ("deb:hello=" + $hv),
	 "listed": 1, "executed": 1, "executions": 2}]' report.json >/dev/null ||
	fail "packages.ran: $(jq -c .packages.ran report.json)"
jq -e --argjson nd "$nd" '.packages.ran[0].listed == $nd' report.json >/dev/null
jq -e --arg bv "$bv" --argjson nb "$nb" '.packages.never_ran == [
	{"package": "bsdextrautils", "version": $bv, "source": ("deb:bsdextrautils=" + $bv),
	 "listed": $nb, "executed": 0, "executions": 0}]' report.json >/dev/null ||
	fail "packages.never_ran: $(jq -c .packages.never_ran report.json)"
jq -e --arg t "$tool" '.packages.not_shipped == [
	{"path": "/usr/local/bin/tool", "digest": $t, "source": null, "in_allowlist": false,
	 "count": 1}]' report.json >/dev/null ||
	fail "packages.not_shipped: $(jq -c .packages.not_shipped report.json)"

# Markdown and HTML carry the same three tables.
expect 0 "$IMAGUARD" report --allowlist list.json --trust k.pub -f markdown web.log
grep -q '^## Package versions that ran' out
grep -q "| hello | $hv | 1 | 1 | 2 |" out
grep -q '^## Listed package versions that never ran' out
grep -q "| bsdextrautils | $bv | $nb | 0 | 0 |" out
grep -q '^## Ran, shipped by no listed package' out
grep -q '/usr/local/bin/tool' out
expect 0 "$IMAGUARD" report --allowlist list.json --trust k.pub -f html web.log
grep -q 'id="packages-never-ran"' out

# Without an allowlist there are no packages to group by.
expect 0 "$IMAGUARD" report web.log
jq -e '.packages == null' out >/dev/null

# ---- propose -----------------------------------------------------------------
expect 0 "$IMAGUARD" allowlist propose --base list.json --trust k.pub -o next.json web.log
grep -qx 'package versions seen running: 2' out
grep -qx "  debianutils=$dv  1 of $nd files, 1 executions" out
grep -qx "  hello=$hv  1 of 1 files, 2 executions" out
grep -qx 'package versions never seen running: 1' out
grep -qx "  bsdextrautils=$bv  $nb files" out
grep -qx 'ran, shipped by no listed package: 1' out
grep -qx "  $tool  /usr/local/bin/tool  (not listed)" out
# The program no package shipped is what the proposal adds.
grep -qx 'added: 1' out
jq -e --arg t "$tool" '[.entries[] | select(.source == "observed")] ==
	[{"digest": $t, "path": "/usr/local/bin/tool", "source": "observed",
	  "comment": .entries[] | select(.source == "observed") | .comment}]' next.json >/dev/null

# ---- show --------------------------------------------------------------------
total=$(jq '.entries | length' list.json)
expect 0 "$IMAGUARD" allowlist show list.json
grep -qx "packages:  3 in 3 versions ($total entries)" out
expect 0 "$IMAGUARD" allowlist show --by-source list.json
printf '%s\tdeb:bsdextrautils=%s\n%s\tdeb:debianutils=%s\n1\tdeb:hello=%s\n' \
	"$nb" "$bv" "$nd" "$dv" "$hv" > want.show
diff -u want.show out
# The next list carries the observed source beside the packages.
expect 0 "$IMAGUARD" allowlist show --by-source next.json
grep -qx "1	observed" out
echo ok
