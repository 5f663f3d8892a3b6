#!/usr/bin/env bash
# Build the guest's initramfs in two parts that the kernel unpacks in turn:
#   build/vm/initramfs/common.cpio.gz   busybox, imaguard and its libraries,
#                                       the static test helpers, the tests,
#                                       an ext4 image of test data
#   build/vm/initramfs/<release>.cpio.gz  that kernel's loop.ko, overlay.ko
#                                       and fuse.ko (where FUSE is a module),
#                                       and its NFS client and server modules
#                                       under lib/modules/nfs/ (where they are
#                                       modules; t_remote_fs loads them)
#
#   scripts/vm/mkinitramfs.sh KERNEL_DIR...
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out="${VM_INITRAMFS:-$top/build/vm/initramfs}"
root="$out/root"
rm -rf "$root" && mkdir -p "$root" "$out"

# copy_with_libs FILE DEST: the program plus the loader and libraries ldd names,
# at the same paths, so dynamic programs run in the guest unchanged.
copy_with_libs() {
	local f=$1 dest=$2 lib
	install -D -m 0755 "$f" "$root$dest"
	for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true); do
		[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
}

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,mnt,etc,lib/modules,opt/ig/bin,opt/ig/tests}
cp /bin/busybox "$root/bin/busybox"
install -m 0755 "$top/tests/vm/init" "$root/init"
copy_with_libs "$top/build/imaguard" /usr/sbin/imaguard
copy_with_libs /usr/bin/true /usr/bin/true
copy_with_libs /usr/bin/sha256sum /usr/bin/sha256sum
# A real interpreter besides busybox's, for t_interp (modules by require).
[ -x /usr/bin/perl ] && copy_with_libs /usr/bin/perl /usr/bin/perl
# bpftool: what root would reach the enforcer's own objects with (t_tamper_maps).
copy_with_libs /usr/sbin/bpftool /usr/sbin/bpftool
cp "$top"/build/vm/bin/* "$root/opt/ig/bin/"
for f in "$top"/build/vm/dyn/*; do
	[ -e "$f" ] && copy_with_libs "$f" "/opt/ig/bin/$(basename "$f")"
done
cp "$top"/tests/vm/*.sh "$root/opt/ig/tests/"
# VM_TESTS_DIR swaps in another set of t_*.sh (the harness self-tests).
if [ -n "${VM_TESTS_DIR:-}" ] && [ "$VM_TESTS_DIR" != "$top/tests/vm" ]; then
	rm -f "$root"/opt/ig/tests/t_*.sh
	cp "$VM_TESTS_DIR"/t_*.sh "$root/opt/ig/tests/"
fi
# A test-only signing key for the guest's allowlists, made fresh per build.
mkdir -p "$root/opt/ig/keys"
openssl genpkey -algorithm ed25519 -out "$root/opt/ig/keys/test-key.pem" 2>/dev/null
openssl pkey -in "$root/opt/ig/keys/test-key.pem" -pubout -out "$root/opt/ig/keys/test-pub.pem"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"

# Test data on ext4, and the digests of everything the guest sees, computed
# here on the host: guest tests compare the kernel's IMA digests with these.
data="$out/data"
rm -rf "$data" && mkdir -p "$data/bin"
cp "$top"/build/vm/bin/* "$data/bin/"
# One package in two versions (t_deb_upgrade.sh): igdemo 1.0 ships the
# hello helper as /usr/bin/igdemo, 2.0 the same with a line appended that no
# other copy of hello has (tests make their unlisted copies with one newline); the
# .debs, and each unpacked by dpkg-deb -x under pkg/<version>/.
mkdir -p "$data/debs"
for v in 1.0 2.0; do
	p="$out/igdemo-$v"
	rm -rf "$p" && mkdir -p "$p/DEBIAN" "$p/usr/bin"
	cp "$top/build/vm/bin/hello" "$p/usr/bin/igdemo"
	[ "$v" = 1.0 ] || printf 'igdemo 2.0\n' >>"$p/usr/bin/igdemo"
	printf 'Package: igdemo\nVersion: %s\nArchitecture: amd64\nMaintainer: imaguard tests <tests@invalid>\nDescription: one program in two versions\n' \
		"$v" >"$p/DEBIAN/control"
	dpkg-deb --root-owner-group -b "$p" "$data/debs/igdemo_${v}_amd64.deb" >/dev/null
	mkdir -p "$data/pkg/$v"
	dpkg-deb -x "$data/debs/igdemo_${v}_amd64.deb" "$data/pkg/$v"
	rm -rf "$p"
done
sums() { # DIR PREFIX
	(cd "$1" && find . -type f -printf '%P\n' | sort | while read -r f; do
		printf '%s  %s/%s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$2" "$f"
	done)
}
{ sums "$data" /mnt/ext4; sums "$root" ""; } >"$out/SHA256SUMS"
mv "$out/SHA256SUMS" "$root/opt/ig/SHA256SUMS"
# The data, and 40 MB free for what the tests copy there: a fixed size
# filled up as helpers were added, and every test after it failed.
ext4_mb=$(($(du -sm "$data" | cut -f1) + 40))
mke2fs -q -F -t ext4 -L igdata -d "$data" "$root/opt/ig/data.ext4" "${ext4_mb}M" >/dev/null

(cd "$root" && find . -print0 | sort -z | cpio --null -o -H newc --quiet | gzip -1) \
	>"$out/common.cpio.gz"

for kdir in "$@"; do
	rel=$(cat "$kdir/release")
	k="$out/k-$rel"
	rm -rf "$k" && mkdir -p "$k/lib/modules"
	cp "$kdir/loop.ko" "$kdir/overlay.ko" "$k/lib/modules/"
	[ ! -e "$kdir/fuse.ko" ] || cp "$kdir/fuse.ko" "$k/lib/modules/"
	# Not loaded at boot: t_kmod loads it, listed and not.
	[ ! -e "$kdir/crc7.ko" ] || cp "$kdir/crc7.ko" "$k/lib/modules/"
	# Not loaded at boot either: t_remote_fs loads them in nfs/order.
	[ ! -d "$kdir/nfs" ] || cp -r "$kdir/nfs" "$k/lib/modules/"
	(cd "$k" && find . -print0 | sort -z | cpio --null -o -H newc --quiet | gzip -1) \
		>"$out/$rel.cpio.gz"
	cat "$out/common.cpio.gz" "$out/$rel.cpio.gz" >"$out/initrd-$rel.gz"
done
