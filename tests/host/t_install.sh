#!/usr/bin/env bash
# `make install` puts in place everything the unit needs, the config it
# reads included, without overwriting a config already there; `make
# uninstall` removes what install put there, and keeps the config only when
# the operator changed it.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*"; [ ! -e log ] || cat log; exit 1; }
dest=$PWD/root

inst() { make -s --no-print-directory -C "$top" "$@" DESTDIR="$dest" prefix=/usr >log 2>&1 ||
	fail "make $*"; }
files() { (cd "$dest" && find . ! -type d | sort); }

inst install
# what the unit starts is there, and the config it names
unit=$dest/usr/lib/systemd/system/imaguard.service
[ -f "$unit" ] || fail "no unit"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
read -r bin _ _ conf _ <<<"$exec_start"
[ "$bin" = /usr/sbin/imaguard ] || fail "ExecStart runs '$bin'"
[ -x "$dest$bin" ] || fail "the unit's $bin was not installed"
[ "$conf" = /etc/imaguard/imaguard.conf ] || fail "ExecStart reads '$conf'"
cmp -s "$top/contrib/imaguard.conf" "$dest$conf" || fail "$conf is not contrib/imaguard.conf"
# the installed config is one the installed binary reads: the only
# complaint is the usage error of the --sig added here, never the file
rc=0
"$dest$bin" run --config "$dest$conf" --sig x >out 2>err || rc=$?
[ $rc -eq 2 ] && grep -qxF "imaguard: --sig needs --allowlist" err ||
	{ cat err; fail "the installed binary does not take the installed config"; }
# and it starts with no allowlist: no allowlist or trust line is active
! grep -Eq '^(allowlist|trust|mode enforce)' "$dest$conf" ||
	fail "the installed config needs files a fresh install lacks"
for page in "$top"/man/*.[58]; do
	n=$(basename "$page")
	[ -f "$dest/usr/share/man/man${n##*.}/$n" ] || fail "man page $n not installed"
done
[ -f "$dest/usr/share/bash-completion/completions/imaguard" ] || fail "no completion"

# a second install keeps the operator's config
echo "mode enforce" >>"$dest$conf"
cp "$dest$conf" changed.conf
inst install
cmp -s changed.conf "$dest$conf" || fail "install overwrote the operator's config"

# uninstall keeps a changed config and nothing else
inst uninstall
[ "$(files)" = "./etc/imaguard/imaguard.conf" ] || fail "left after uninstall: $(files)"
grep -qF "keeping $dest/etc/imaguard/imaguard.conf: it was changed" log || fail "uninstall did not say it kept it"
# and removes one left as installed, with its directory
inst install
cp "$top/contrib/imaguard.conf" "$dest$conf"
inst uninstall
[ -z "$(files)" ] || fail "left after uninstall: $(files)"
[ ! -e "$dest/etc/imaguard" ] || fail "uninstall left /etc/imaguard"
[ ! -e "$dest/usr/share/doc/imaguard" ] || fail "uninstall left the doc directory"
echo ok
