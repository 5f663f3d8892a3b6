#!/usr/bin/env bash
# allowlist build --deb and allowlist check on real Debian packages fetched
# from the archive: every digest is sha256sum's of the file dpkg-deb -x
# unpacks, with the package's own Package and Version as its source; symlinks
# are not listed; a truncated or corrupt package writes nothing; check finds
# exactly what a list lacks, down to one changed program in a repacked
# package with a newer version.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
need_command allowlist build
need_command allowlist check

for c in apt-get dpkg-deb sha256sum openssl; do
	command -v "$c" >/dev/null || { echo "FAIL: $c is needed and not installed"; exit 1; }
done

# hello: one ELF program; debianutils: ELF programs and sh scripts;
# bsdextrautils: ELF programs and a symlink (hd -> hexdump). If the archive
# cannot be reached the test fails: a skip would pass without testing.
mkdir debs
if ! (cd debs && apt-get download hello debianutils bsdextrautils) >dl.log 2>&1; then
	echo "FAIL: apt-get download failed"; cat dl.log; exit 1
fi
[ "$(ls debs/*.deb | wc -l)" -eq 3 ]
pkgfile() { ls debs/"$1"_*.deb; }
hello=$(pkgfile hello) dutils=$(pkgfile debianutils) bsdx=$(pkgfile bsdextrautils)

# The entries as "digest  path  source" lines (Debian paths hold no quote).
as_lines() {
	sed -n 's/^ *{"digest": "\([0-9a-f]\{64\}\)", "path": "\([^"]*\)", "source": "\([^"]*\)"}.*/\1  \2  \3/p' "$1" | sort
}

# What the list must be, from dpkg's own tools: each regular file that
# dpkg-deb -x unpacks and that starts with \x7fELF or #!, its sha256sum, and
# deb:Package=Version as dpkg-deb -f reads the control file.
expected() {
	local deb=$1 dir src
	dir=$(mktemp -d x.XXXXXX)
	dpkg-deb -x "$deb" "$dir"
	src=$(dpkg-deb -f "$deb" Package Version | sed -n 's/^Package: //p; s/^Version: //p' |
		paste -sd= -)
	(cd "$dir" && find . -type f -print0) | while IFS= read -r -d '' f; do
		magic=$(head -c 4 "$dir/$f" | od -An -tx1 | tr -d ' \n')
		case $magic in
		7f454c46 | 2321*) ;;
		*) continue ;;
		esac
		printf '%s  %s  deb:%s\n' "$(sha256sum < "$dir/$f" | cut -c1-64)" "${f#.}" "$src"
	done
	rm -rf "$dir"
}

expected "$hello" | sort > want.hello
expected "$dutils" | sort > want.dutils
expected "$bsdx" | sort > want.bsdx
sort want.hello want.dutils want.bsdx > want.all
# The packages hold what this test means to cover.
grep -q ' /usr/bin/hello  deb:hello=' want.hello
[ "$(grep -c . want.dutils)" -ge 5 ]
grep -q ' /bin/run-parts  deb:debianutils=' want.dutils
dpkg-deb -x "$dutils" xd
[ "$(head -c 2 xd/usr/sbin/add-shell)" = '#!' ]
grep -q ' /usr/sbin/add-shell  deb:debianutils=' want.dutils
dpkg-deb -c "$bsdx" > bsdx.contents
grep -q '^l.* \./usr/bin/hd -> hexdump$' bsdx.contents

# ---- build -------------------------------------------------------------------

expect 0 "$IMAGUARD" allowlist build --deb --serial 7 --created 2026-01-01T00:00:00Z debs
mv out dir.json
grep -q '"serial": 7' dir.json
grep -q '"created": "2026-01-01T00:00:00Z"' dir.json
as_lines dir.json > got.all
diff -u want.all got.all
# Symlinks and directories are never entries.
! grep -q '"path": "/usr/bin/hd"' dir.json
! grep -q '"path": "/usr/bin"' dir.json

# Files named one by one, any number of threads, -o: the same bytes.
expect 0 "$IMAGUARD" allowlist build --deb -j 1 --serial 7 --created 2026-01-01T00:00:00Z \
	-o files.json "$bsdx" "$hello" "$dutils"
cmp dir.json files.json
expect 0 "$IMAGUARD" allowlist build --deb --expires +3d --created 2026-01-01T00:00:00Z \
	"$hello"
grep -q '"expires": "2026-01-04T00:00:00Z"' out
diff -u want.hello <(as_lines out)

# ---- broken packages -----------------------------------------------------------

size=$(stat -c %s "$dutils")
head -c $((size / 2)) "$dutils" > cut.deb
expect 1 "$IMAGUARD" allowlist build --deb -o never.json "$hello" cut.deb
grep -q "^imaguard: 'cut.deb': .*[Tt]runcated" err
[ ! -e never.json ]
[ ! -s out ]
# Cut one byte short: the last member's end is missing.
head -c $((size - 1)) "$dutils" > short.deb
expect 1 "$IMAGUARD" allowlist build --deb -o never.json short.deb
grep -q "^imaguard: 'short.deb': " err
[ ! -e never.json ]
# A byte changed inside the compressed data member.
cp "$dutils" flip.deb
printf '\x55' | dd of=flip.deb bs=1 seek=$((size - 2000)) conv=notrunc status=none
cmp -s flip.deb "$dutils" && { echo "FAIL: the byte did not change"; exit 1; }
expect 1 "$IMAGUARD" allowlist build --deb -o never.json flip.deb
grep -q "^imaguard: 'flip.deb': " err
[ ! -e never.json ]
printf 'not a package\n' > text.deb
expect 1 "$IMAGUARD" allowlist build --deb -o never.json text.deb
grep -q "^imaguard: 'text.deb': " err
[ ! -e never.json ]
mkdir empty
expect 1 "$IMAGUARD" allowlist build --deb -o never.json empty
grep -q "^imaguard: 'empty': no .deb files" err
[ ! -e never.json ]
expect 2 "$IMAGUARD" allowlist build --deb --source x "$hello"

# ---- check ----------------------------------------------------------------------

expect 0 "$IMAGUARD" allowlist build --deb -o hello.json "$hello"
expect 0 "$IMAGUARD" allowlist check --allowlist hello.json --deb "$hello"
[ ! -s out ]
grep -q "nothing missing" err
# Another package: each of its ELF files and scripts, nothing of hello's.
expect 1 "$IMAGUARD" allowlist check --allowlist hello.json --deb "$hello" "$dutils"
awk '{print $1 "  " $3 "  deb:" $2}' out | sort > got.missing
diff -u want.dutils got.missing
grep -q "in 1 of 2 packages are not in 'hello.json'" err
expect 1 "$IMAGUARD" allowlist check --allowlist hello.json --deb "$bsdx"
[ "$(wc -l < out)" -eq "$(wc -l < want.bsdx)" ]
grep -q '  /usr/bin/hexdump$' out

# Signed: --trust verifies the list first, and refuses a changed one.
openssl genpkey -algorithm ed25519 -out k.pem 2>/dev/null
openssl pkey -in k.pem -pubout -out k.pub
"$IMAGUARD" allowlist sign --key k.pem hello.json
expect 0 "$IMAGUARD" allowlist check --allowlist hello.json --trust k.pub --deb "$hello"
sed 's/"serial": [0-9]*/"serial": 1/' hello.json > forged.json
cp hello.json.sig forged.json.sig
expect 1 "$IMAGUARD" allowlist check --allowlist forged.json --trust k.pub --deb "$hello"
[ ! -s out ]
expect 2 "$IMAGUARD" allowlist check --deb "$hello"
expect 2 "$IMAGUARD" allowlist check --allowlist hello.json "$hello"

# ---- a new version of a package ------------------------------------------------
# debianutils repacked with one byte of one program changed and a higher
# Version, built by dpkg-deb: check names exactly that program.

dpkg-deb -R "$dutils" pkg
old=$(dpkg-deb -f "$dutils" Version)
new="$old+imaguard1"
sed -i "s/^Version: .*/Version: $new/" pkg/DEBIAN/control
off=$(($(stat -c %s pkg/bin/run-parts) - 100))
b=$(od -An -tu1 -j "$off" -N1 pkg/bin/run-parts | tr -d ' ')
printf "\\$(printf '%03o' $(((b + 1) % 256)))" |
	dd of=pkg/bin/run-parts bs=1 seek="$off" conv=notrunc status=none
dpkg-deb --root-owner-group --build pkg newer.deb >/dev/null
[ "$(dpkg-deb -f newer.deb Version)" = "$new" ]
newsum=$(sha256sum < pkg/bin/run-parts | cut -c1-64)

expect 0 "$IMAGUARD" allowlist build --deb -o old.json "$dutils"
expect 1 "$IMAGUARD" allowlist check --allowlist old.json --deb newer.deb
printf '%s  debianutils=%s  /bin/run-parts\n' "$newsum" "$new" > want.check
diff -u want.check out
grep -q "^imaguard: 1 of .* in 1 of 1 packages are not in 'old.json'" err

# A list may carry both versions: the changed program twice, the rest once
# under the version read first; it allows either.
expect 0 "$IMAGUARD" allowlist build --deb -o both.json "$dutils" newer.deb
[ "$(grep -c '"path": "/bin/run-parts"' both.json)" -eq 2 ]
grep -q "\"digest\": \"$newsum\", \"path\": \"/bin/run-parts\", \"source\": \"deb:debianutils=$new\"" both.json
[ "$(grep -c '"digest"' both.json)" -eq $(($(wc -l < want.dutils) + 1)) ]
! grep -q "\"path\": \"/usr/bin/savelog\", \"source\": \"deb:debianutils=$new\"" both.json
expect 0 "$IMAGUARD" allowlist check --allowlist both.json --deb "$dutils" newer.deb
[ ! -s out ]

# Progress: on a terminal (script(1) gives the command one) a line counts
# packages done of all and MB/s; with stderr not a terminal, nothing.
expect 0 "$IMAGUARD" allowlist build --deb --serial 1 --created 2026-01-01T00:00:00Z -o quiet.json debs
[ ! -s err ]
command -v script >/dev/null || { echo "FAIL: script (util-linux) is needed"; exit 1; }
script -qec "'$IMAGUARD' allowlist build --deb --serial 1 --created 2026-01-01T00:00:00Z -o tty.json debs" /dev/null > tty.out
tr '\r' '\n' < tty.out | grep -q '^imaguard: 3 of 3 packages, [0-9.]* MB, [0-9.]* MB/s'
cmp quiet.json tty.json
echo "ok"
