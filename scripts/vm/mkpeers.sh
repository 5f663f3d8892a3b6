#!/usr/bin/env bash
# Build the overlay that puts the bench's peers in the guest:
#   build/vm/peers/debs/                    Debian's fapolicyd and the libraries
#                                           it needs, as apt-get download
#                                           fetched them (kept between runs)
#   build/vm/initramfs/peers.cpio.gz        /usr/sbin/fapolicyd, its libraries
#                                           under /opt/ig/peers/fapolicyd/lib
#                                           (LD_LIBRARY_PATH: the guest's own
#                                           libraries stay as they are), the
#                                           magic database libmagic reads, the
#                                           directories fapolicyd writes, and
#                                           the package's version
#   build/vm/initramfs/initrd-peers-<release>.gz
#                                           initrd-<release>.gz, then the overlay
# igbench --peers writes fapolicyd's configuration, rules and trust file at
# run time (the trust file holds the digests it computes there). IMA
# appraisal needs nothing here: it is the kernel's.
#
#   scripts/vm/mkpeers.sh KERNEL_DIR...   (after mkinitramfs.sh)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out="${VM_INITRAMFS:-$top/build/vm/initramfs}"
cache=$top/build/vm/peers
root="$out/peers-root"
version=1.1.7-5
# fapolicyd's Depends, and libmagic1's; libc and the loader are the guest's.
pkgs="fapolicyd=$version libcap-ng0 liblmdb0 libmagic1 libmagic-mgc libseccomp2
	libssl3 libudev1 liblzma5 libbz2-1.0 zlib1g"

mkdir -p "$cache/debs"
if [ ! -e "$cache/debs/fapolicyd_${version}_amd64.deb" ]; then
	# shellcheck disable=SC2086
	(cd "$cache/debs" && apt-get download $pkgs) >&2 || {
		echo "imaguard: vm: apt-get download fapolicyd=$version failed (run apt-get update as root)" >&2
		exit 1
	}
fi
rm -rf "$cache/x" "$root" && mkdir -p "$cache/x" "$root"
for d in "$cache"/debs/*.deb; do dpkg-deb -x "$d" "$cache/x"; done

lib=/opt/ig/peers/fapolicyd/lib
install -D -m 0755 "$cache/x/usr/sbin/fapolicyd" "$root/usr/sbin/fapolicyd"
install -D -m 0755 "$cache/x/usr/sbin/fapolicyd-cli" "$root/usr/sbin/fapolicyd-cli"
mkdir -p "$root$lib"
for d in "$cache/x/lib/x86_64-linux-gnu" "$cache/x/usr/lib/x86_64-linux-gnu"; do
	[ -d "$d" ] || continue
	for f in "$d"/*.so*; do
		[ -e "$f" ] && cp -a "$f" "$root$lib/"
	done
done
# What the packages' libraries need of glibc beyond what the guest has
# (libpthread.so.0, ...): the host's, which is the guest's glibc.
for f in $(LD_LIBRARY_PATH=$root$lib ldd "$root/usr/sbin/fapolicyd" | grep -o '=> /[^ ]*' | cut -c4-); do
	case $f in
	"$root$lib"/* | */libc.so.6) ;;
	*) [ -e "$root$lib/$(basename "$f")" ] || install -m 0755 "$(readlink -f "$f")" "$root$lib/$(basename "$f")" ;;
	esac
done
# Every library fapolicyd names must come from the packages (or be the
# guest's libc): a missing one fails here, not in the guest.
if LD_LIBRARY_PATH=$root$lib ldd "$root/usr/sbin/fapolicyd" | grep -q 'not found'; then
	echo "imaguard: vm: fapolicyd misses a library:" >&2
	LD_LIBRARY_PATH=$root$lib ldd "$root/usr/sbin/fapolicyd" >&2
	exit 1
fi
install -D -m 0644 "$cache/x/usr/lib/file/magic.mgc" "$root/usr/lib/file/magic.mgc"
mkdir -p "$root/usr/share/misc"
ln -s ../../lib/file/magic.mgc "$root/usr/share/misc/magic.mgc"
mkdir -p "$root/etc/fapolicyd/trust.d" "$root/etc/fapolicyd/rules.d" "$root/var/lib/fapolicyd" \
	"$root/run/fapolicyd" "$root/var/log"
# The rules: fapolicyd's own known-libs set, as fagenrules would compile
# it from the package's sample rules, less the loopholes for dracut (root
# running a trusted program may do anything) and rpm/dnf, which the guest
# does not have; deny_audit is deny (the guest runs no audit daemon).
samples=$cache/x/usr/share/fapolicyd/sample-rules
for r in 10-languages 30-patterns 40-bad-elf 41-shared-obj 42-trusted-elf \
	70-trusted-lang 72-shell 90-deny-execute 95-allow-open; do
	grep -v '^[[:space:]]*\(#\|$\)' "$samples/$r.rules"
done | sed 's/^deny_audit /deny /' >"$root/etc/fapolicyd/compiled.rules"
dpkg-deb -f "$cache/debs/fapolicyd_${version}_amd64.deb" Version >"$root/opt/ig/peers/fapolicyd/version"

(cd "$root" && find . -print0 | sort -z | cpio --null -o -H newc --quiet | gzip -1) \
	>"$out/peers.cpio.gz"
for kdir in "$@"; do
	rel=$(cat "$kdir/release")
	cat "$out/initrd-$rel.gz" "$out/peers.cpio.gz" >"$out/initrd-peers-$rel.gz"
done
