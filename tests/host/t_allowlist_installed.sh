#!/usr/bin/env bash
# allowlist build --installed: on this host's own dpkg database, every entry
# of a few packages is sha256sum's of the installed file, under the version
# dpkg-query reports; then on a --root made with dpkg-deb -x from real
# packages and a hand-written dpkg database (status, lists, md5sums,
# diversions): merged-/usr paths resolve to what the kernel sees, a diverted
# file is attributed to the package that shipped it at its new name, a file
# two Multi-Arch: same instances list is one entry, a file changed since it
# was unpacked and a file no package owns get the source file, a package
# that is not installed owns nothing.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
need_command allowlist build

for c in apt-get dpkg-deb dpkg-query sha256sum md5sum jq; do
	command -v "$c" >/dev/null || { echo "FAIL: $c is needed and not installed"; exit 1; }
done
[ -r /var/lib/dpkg/status ] || { echo "FAIL: this host has no dpkg database"; exit 1; }

# ---- this host ---------------------------------------------------------------

expect 0 "$IMAGUARD" allowlist build --installed --serial 1 -o host.json
jq -r '.entries[] | "\(.digest)  \(.path)  \(.source)"' host.json | sort > host.lines
checked=0
for pkg in coreutils bash debianutils; do
	ver=$(dpkg-query -W -f '${Version}' "$pkg")
	grep "  deb:$pkg=$ver\$" host.lines > "$pkg.lines" || true
	# Each package holds ELF programs; each is listed under its version.
	[ "$(grep -c . "$pkg.lines")" -ge 3 ] || { echo "FAIL: too few entries for $pkg"; exit 1; }
	while read -r digest path _; do
		[ "$(sha256sum < "$path" | cut -c1-64)" = "$digest" ] ||
			{ echo "FAIL: $path: digest differs from sha256sum"; exit 1; }
		checked=$((checked + 1))
	done < "$pkg.lines"
	# Every ELF or #! regular file dpkg -L names is there, at its resolved
	# path (unless dpkg -V says it changed since it was unpacked).
	dpkg-query -L "$pkg" | while read -r f; do
		[ -f "$f" ] && [ ! -L "$f" ] || continue
		case $(head -c 4 "$f" | od -An -tx1 | tr -d ' \n') in
		7f454c46 | 2321*) ;;
		*) continue ;;
		esac
		real=$(realpath "$(dirname "$f")")/$(basename "$f")
		dpkg -V "$pkg" | awk '{print $NF}' | grep -qxF "$f" && continue
		grep -qF "  $real  deb:$pkg=$ver" "$pkg.lines" ||
			{ echo "FAIL: $real of $pkg is not listed"; exit 1; }
	done
done
[ "$checked" -ge 9 ]
grep -q '  /usr/bin/ls  deb:coreutils=' host.lines
# dpkg lists /bin/ls on merged /usr; the entry is where the kernel sees it.
if [ -L /bin ]; then ! grep -q '  /bin/ls  ' host.lines; fi

# ---- a root made from real packages --------------------------------------------

mkdir debs
if ! (cd debs && apt-get download hello debianutils) >dl.log 2>&1; then
	echo "FAIL: apt-get download failed"; cat dl.log; exit 1
fi
hello=$(ls debs/hello_*.deb) dutils=$(ls debs/debianutils_*.deb)
hver=$(dpkg-deb -f "$hello" Version) dver=$(dpkg-deb -f "$dutils" Version)

R=$PWD/root
mkdir -p "$R/usr/bin" "$R/usr/sbin" "$R/var/lib/dpkg/info" "$R/usr/local/bin" "$R/opt/x"
# list_of DEB NAME: info/NAME.list and info/NAME.md5sums as dpkg writes them.
list_of() {
	dpkg-deb -x "$1" "$R"
	dpkg-deb --fsys-tarfile "$1" | tar -t | sed 's|^\./|/|; s|/$||; /^$/d' |
		sed 's|^$|/.|' > "$R/var/lib/dpkg/info/$2.list"
	dpkg-deb --ctrl-tarfile "$1" | tar -xO ./md5sums > "$R/var/lib/dpkg/info/$2.md5sums"
}
list_of "$hello" hello
list_of "$dutils" debianutils
# Merged /usr, as on Debian 12: /bin and /sbin are links into /usr, while
# debianutils' list still says /bin/run-parts.
for d in bin sbin; do
	if [ -d "$R/$d" ]; then cp -a "$R/$d/." "$R/usr/$d/" && rm -rf "${R:?}/$d"; fi
	ln -s "usr/$d" "$R/$d"
done

# wrapper diverts /usr/bin/hello to /usr/bin/hello.real and ships its own
# /usr/bin/hello; dpkg moved hello's program aside.
mv "$R/usr/bin/hello" "$R/usr/bin/hello.real"
printf '#!/bin/sh\nexec /usr/bin/hello.real "$@"\n' > "$R/usr/bin/hello"
printf '/usr/bin/hello\n/usr/bin/hello.real\nwrapper\n' > "$R/var/lib/dpkg/diversions"
printf '/usr\n/usr/bin\n/usr/bin/hello\n' > "$R/var/lib/dpkg/info/wrapper.list"
printf '%s  usr/bin/hello\n' "$(md5sum < "$R/usr/bin/hello" | cut -c1-32)" \
	> "$R/var/lib/dpkg/info/wrapper.md5sums"

# libx, Multi-Arch: same, amd64 and i386: both list the same script.
printf '#!/bin/sh\necho libx\n' > "$R/usr/bin/libx-config"
for a in amd64 i386; do
	printf '/usr\n/bin\n/bin/libx-config\n' > "$R/var/lib/dpkg/info/libx:$a.list"
	printf '%s  bin/libx-config\n' "$(md5sum < "$R/usr/bin/libx-config" | cut -c1-32)" \
		> "$R/var/lib/dpkg/info/libx:$a.md5sums"
done

# tweaked: its script was edited after it was unpacked.
printf '#!/bin/sh\necho edited\n' > "$R/usr/bin/tweaked"
printf '/usr/bin/tweaked\n/usr/bin/gone\n' > "$R/var/lib/dpkg/info/tweaked.list"
printf '%s  usr/bin/tweaked\n' "$(printf 'original\n' | md5sum | cut -c1-32)" \
	> "$R/var/lib/dpkg/info/tweaked.md5sums"

# removed: its conffiles remain; it owns nothing any more.
printf '#!/bin/sh\necho old\n' > "$R/opt/x/leftover"
printf '/opt/x/leftover\n' > "$R/var/lib/dpkg/info/removed.list"

# Files no package owns.
cp "$R/usr/bin/hello.real" "$R/usr/local/bin/mine"
printf '#!/bin/sh\necho mine\n' > "$R/opt/x/script"

cat > "$R/var/lib/dpkg/status" <<EOF
Package: hello
Status: install ok installed
Architecture: amd64
Version: $hver
Description: x

Package: debianutils
Status: install ok installed
Architecture: amd64
Version: $dver
Description: x

Package: wrapper
Status: install ok installed
Architecture: all
Version: 1.0
Description: wraps hello
 over two lines

Package: libx
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 2.0-1

Package: libx
Status: install ok installed
Architecture: i386
Multi-Arch: same
Version: 2.0-1

Package: tweaked
Status: install ok installed
Architecture: all
Version: 3

Package: removed
Status: deinstall ok config-files
Architecture: all
Version: 4
Conffiles:
 /opt/x/leftover 0123456789abcdef0123456789abcdef
EOF

expect 0 "$IMAGUARD" allowlist build --installed --root "$R" --serial 1 /usr /opt
jq -r '.entries[] | "\(.digest)  \(.path)  \(.source)"' out | sort > root.lines
cat err
sha() { sha256sum < "$R$1" | cut -c1-64; }
want() { grep -qx "$(sha "$1")  $1  $2" root.lines || { echo "FAIL: no '$1  $2'"; cat root.lines; exit 1; }; }
want /usr/bin/hello.real "deb:hello=$hver"
want /usr/bin/hello deb:wrapper=1.0
want /usr/bin/run-parts "deb:debianutils=$dver"
want /usr/sbin/add-shell "deb:debianutils=$dver"
want /usr/bin/libx-config deb:libx=2.0-1
want /usr/bin/tweaked file
want /usr/local/bin/mine file
want /opt/x/script file
want /opt/x/leftover file
# Every path once; nothing of the root's own prefix; dpkg's /bin/ names
# resolved to /usr/bin.
[ "$(cut -d' ' -f3 root.lines | sort | uniq -d | wc -l)" -eq 0 ]
! grep -q "$R" root.lines
! grep -q '  /bin/' root.lines
# Every ELF or #! file dpkg-deb -x unpacked from debianutils is there.
n=$(grep -c "  deb:debianutils=$dver\$" root.lines)
[ "$n" -ge 5 ]
grep -q 'modified since installed' err || grep -q "not what tweaked shipped" err

# Without PATHs only the packages' files are listed.
expect 0 "$IMAGUARD" allowlist build --installed --root "$R" --serial 1
! grep -q '/usr/local/bin/mine' out
grep -q '"/usr/bin/hello.real"' out

# Options that do not fit, and a root without a database.
expect 2 "$IMAGUARD" allowlist build --installed --deb x.deb
expect 2 "$IMAGUARD" allowlist build --root "$R" /usr
expect 2 "$IMAGUARD" allowlist build --installed --source s
mkdir empty
expect 1 "$IMAGUARD" allowlist build --installed --root empty -o never.json
grep -q "imaguard: cannot read '.*/var/lib/dpkg/status'" err
[ ! -e never.json ]
echo ok
