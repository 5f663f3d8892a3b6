#!/usr/bin/env bash
# contrib/apt/imaguard-apt-check fed the way apt feeds a
# DPkg::Pre-Install-Pkgs command (protocol versions 3, 2 and 1 on stdin):
# in enforce mode it lets through a package whose programs the signed list
# in force allows, and stops (exit 1, naming the file) on a repacked newer
# version with a changed program; in monitor mode it reports and goes on;
# **CONFIGURE** and **REMOVE** actions need no check; an unknown protocol
# version stops apt.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
need_command allowlist check
top=$(cd "$(dirname "$IMAGUARD")/.." && pwd)
hook=$top/contrib/apt/imaguard-apt-check
[ -x "$hook" ] || { echo "FAIL: $hook is missing"; exit 1; }
for c in apt-get dpkg-deb openssl; do
	command -v "$c" >/dev/null || { echo "FAIL: $c is needed and not installed"; exit 1; }
done
fail() { echo "FAIL: $*"; cat out err 2>/dev/null; exit 1; }

mkdir debs
if ! (cd debs && apt-get download hello) >dl.log 2>&1; then
	echo "FAIL: apt-get download failed"; cat dl.log; exit 1
fi
old=$(ls "$PWD"/debs/hello_*.deb)
ver=$(dpkg-deb -f "$old" Version)
# A newer hello whose program changed: what an upgrade would bring.
dpkg-deb -R "$old" pkg
printf 'changed' >>pkg/usr/bin/hello
sed -i "s/^Version: .*/Version: $ver+local1/" pkg/DEBIAN/control
dpkg-deb --root-owner-group -b pkg "$PWD/hello_new.deb" >/dev/null
new=$PWD/hello_new.deb
newsum=$(dpkg-deb --fsys-tarfile "$new" | tar -xO ./usr/bin/hello | sha256sum | cut -c1-64)

# The list in force, signed, and the daemon's configuration naming it.
openssl genpkey -algorithm ed25519 -out k.key 2>/dev/null
openssl pkey -in k.key -pubout -out k.pub
expect 0 "$IMAGUARD" allowlist build --deb -o list.json "$old"
expect 0 "$IMAGUARD" allowlist sign --key k.key list.json
printf 'mode enforce\nallowlist %s\ntrust=%s\naudit-log /tmp/x\n' "$PWD/list.json" "$PWD/k.pub" > enforce.conf
sed 's/^mode enforce/mode monitor/' enforce.conf > monitor.conf
printf 'mode enforce\n# allowlist %s\n' "$PWD/list.json" > nolist.conf

# v3 DEB: what apt writes for an upgrade of hello to DEB.
v3() {
	printf 'VERSION 3\nAPT::Architecture=amd64\nDPkg::Pre-Install-Pkgs::=/usr/lib/imaguard/apt-check\n'
	printf 'Dir::Cache::archives=/var/cache/apt/archives/\n\n'
	printf 'hello 2.10-2 amd64 none < %s amd64 none %s\n' "$ver" "$1"
	printf 'hello 2.10-2 amd64 none < %s amd64 none **CONFIGURE**\n' "$ver"
	printf 'oldpkg 1.0 amd64 none > - - none **REMOVE**\n'
}
run() { # CONF: the hook with stdin, output in out and err
	local rc=0
	IMAGUARD_CONF=$1 IMAGUARD=$IMAGUARD "$hook" >out 2>err || rc=$?
	return $rc
}

# enforce: the listed version passes, the changed one stops apt
v3 "$old" | run enforce.conf || fail "v3: the listed package was stopped"
grep -q "nothing missing" err
rc=0; v3 "$new" | run enforce.conf || rc=$?
[ $rc -eq 1 ] || fail "v3: the changed package was let through (exit $rc)"
grep -qx "$newsum  hello=$ver+local1  /usr/bin/hello" out || fail "v3: the refusal is not named"
grep -q 'stopping before dpkg runs' err

# v2 and v1 carry the same decision
printf 'VERSION 2\nA::B=c\n\nhello 2.10-2 < %s %s\n' "$ver" "$new" > v2.in
rc=0; run enforce.conf < v2.in || rc=$?
[ $rc -eq 1 ] || fail "v2: the changed package was let through"
printf '%s\n' "$old" | run enforce.conf || fail "v1: the listed package was stopped"
rc=0; printf '%s\n%s\n' "$old" "$new" | run enforce.conf || rc=$?
[ $rc -eq 1 ] || fail "v1: the changed package was let through"
grep -qx "$newsum  hello=$ver+local1  /usr/bin/hello" out

# Only configure and remove actions: nothing to unpack, nothing to check.
printf 'VERSION 3\nA=b\n\nhello 1 amd64 none = 1 amd64 none **CONFIGURE**\n' | run enforce.conf ||
	fail "a configure-only run was stopped"

# monitor mode: reported, not stopped; no list in force: nothing to check
v3 "$new" | run monitor.conf || fail "monitor mode stopped apt"
grep -qx "$newsum  hello=$ver+local1  /usr/bin/hello" out
grep -q 'in monitor mode' err
v3 "$new" | run nolist.conf || fail "no list in force stopped apt"
grep -q 'no allowlist' err

# A list whose signature does not verify stops apt (fail closed).
cp list.json tampered.json && cp list.json.sig tampered.json.sig
sed -i 's/"serial": [0-9]*/"serial": 99/' tampered.json
sed "s|allowlist .*|allowlist $PWD/tampered.json|" enforce.conf > tampered.conf
rc=0; v3 "$old" | run tampered.conf || rc=$?
[ $rc -eq 1 ] || fail "a tampered list let apt go on"

# Unknown protocol versions and malformed lines stop apt.
rc=0; printf 'VERSION 9\n\n' | run enforce.conf || rc=$?
[ $rc -eq 1 ] || fail "an unknown protocol version was accepted"
rc=0; printf 'VERSION 3\nA=b\n\nhello 1 < 2 %s\n' "$old" | run enforce.conf || rc=$?
[ $rc -eq 1 ] || fail "a v2 line under VERSION 3 was accepted"

# make install puts the hook in place and an example that names it, and
# enables nothing in apt by itself.
make -s --no-print-directory -C "$top" install DESTDIR="$PWD/root" prefix=/usr/local >log 2>&1 ||
	{ cat log; fail "make install"; }
[ -x root/usr/local/lib/imaguard/apt-check ]
cmp -s "$hook" root/usr/local/lib/imaguard/apt-check
grep -qF 'DPkg::Pre-Install-Pkgs { "/usr/local/lib/imaguard/apt-check"; };' \
	root/usr/local/share/doc/imaguard/apt.conf.example
grep -qF 'DPkg::Tools::Options::/usr/local/lib/imaguard/apt-check::Version "3";' \
	root/usr/local/share/doc/imaguard/apt.conf.example
[ ! -e root/etc/apt ]
echo ok
