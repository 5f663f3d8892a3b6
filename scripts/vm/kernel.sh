#!/usr/bin/env bash
# Fetch, unpack and cache one Debian 12 cloud kernel for the guest.
#
#   scripts/vm/kernel.sh 6.1|6.12     prints the cache directory, which holds
#                                      vmlinuz, loop.ko, overlay.ko, crc7.ko
#                                      (a module no test needs at boot, for
#                                      t_kmod) and, where FUSE is a module,
#                                      fuse.ko
#                                      (uncompressed), config, release, and
#                                      where NFS and its server are modules,
#                                      nfs/: the NFSv4 client's and server's
#                                      modules with what they depend on, and
#                                      nfs/order, the order to load them in
#
# The package name carries an ABI number that changes with every security
# update, so it is resolved through the meta-package each time apt knows it;
# without apt data the newest cached kernel of that series is used, loudly.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
series=${1:?usage: kernel.sh 6.1|6.12}
cache="$top/build/vm/kernels"
mkdir -p "$cache"

case $series in
6.1) meta=linux-image-cloud-amd64 ;;
6.12) meta=linux-image-6.12-cloud-amd64 ;;
*) echo "imaguard: kernel '$series': unknown series (use 6.1 or 6.12)" >&2; exit 2 ;;
esac

resolve() {
	local pkg
	pkg=$(apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] || return 1
	# 6.12 comes signed and unsigned; the unsigned image is the same kernel
	# without the EFI signature, which the guest does not use.
	if apt-cache show "$pkg-unsigned" >/dev/null 2>&1; then
		pkg="$pkg-unsigned"
	fi
	echo "$pkg"
}

if ! pkg=$(resolve); then
	dir=$(ls -d "$cache"/linux-image-"$series"[.-]*/ 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -n "$dir" ] && [ -e "$dir/vmlinuz" ]; then
		echo "imaguard: warning: apt does not know '$meta' (run 'apt-get update'); using the cached $(basename "$dir")" >&2
		echo "${dir%/}"
		exit 0
	fi
	echo "imaguard: kernel $series: cannot resolve '$meta' with apt-cache: run 'apt-get update' as root" >&2
	exit 1
fi

dir="$cache/$pkg"
# A cache from before a module was added here lacks it: fetched again.
if [ -e "$dir/vmlinuz" ] && [ -e "$dir/loop.ko" ] && [ -e "$dir/overlay.ko" ] &&
	[ -e "$dir/crc7.ko" ] &&
	[ -e "$dir/release" ] && [ -e "$dir/config" ] &&
	{ ! grep -q '^CONFIG_FUSE_FS=m' "$dir/config" || [ -e "$dir/fuse.ko" ]; } &&
	{ ! grep -q '^CONFIG_NFSD=m' "$dir/config" || [ -e "$dir/nfs/order" ]; }; then
	echo "$dir"
	exit 0
fi

tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "vm: fetching $pkg" >&2
# apt-get download drops privileges to _apt, which must be able to write here.
chmod 0777 "$tmp"
(cd "$tmp" && apt-get download -q "$pkg" >&2)
deb=$(ls "$tmp"/*.deb)
dpkg-deb -x "$deb" "$tmp/x"
mkdir -p "$tmp/out"
cp "$tmp"/x/boot/vmlinuz-* "$tmp/out/vmlinuz"
cp "$tmp"/x/boot/config-* "$tmp/out/config"
# module NAME PATH-IN-TREE: that module, uncompressed, as $tmp/out/NAME.ko.
module() {
	local m
	m=$(find "$tmp/x/lib/modules" -path "*/$2.ko*" | head -n 1)
	[ -n "$m" ] || { echo "imaguard: $pkg has no $1 module" >&2; exit 1; }
	case $m in
	*.xz) xz -dc "$m" >"$tmp/out/$1.ko" ;;
	*.zst) zstd -qdc "$m" >"$tmp/out/$1.ko" ;;
	*) cp "$m" "$tmp/out/$1.ko" ;;
	esac
}
module loop drivers/block/loop
module overlay fs/overlayfs/overlay
module crc7 lib/crc7
if grep -q '^CONFIG_FUSE_FS=m' "$tmp/out/config"; then
	module fuse fs/fuse/fuse
fi
# nfsmod NAME: that module (found by name) and, first, every module it
# depends on (the .ko's own depends= list: the package has no modules.dep),
# into $tmp/out/nfs/, each name once in nfs/order, dependencies first.
nfsmod() {
	local m d
	grep -qx "$1" "$tmp/out/nfs/order" 2>/dev/null && return 0
	m=$(find "$tmp/x/lib/modules" -name "$1.ko*" | head -n 1)
	[ -n "$m" ] || { echo "imaguard: $pkg has no $1 module" >&2; exit 1; }
	m=${m#"$tmp"/x/lib/modules/*/kernel/}
	module "nfs/$1" "${m%%.ko*}"
	for d in $(modinfo -F depends "$tmp/out/nfs/$1.ko" | tr ',' ' '); do
		nfsmod "$d"
	done
	echo "$1" >>"$tmp/out/nfs/order"
}
if grep -q '^CONFIG_NFSD=m' "$tmp/out/config"; then
	mkdir -p "$tmp/out/nfs"
	nfsmod nfsv4
	nfsmod nfsd
fi
loop=$(find "$tmp/x/lib/modules" -path '*/drivers/block/loop.ko*' | head -n 1)
basename "$(dirname "$(dirname "$(dirname "$(dirname "$loop")")")")" >"$tmp/out/release"
rm -rf "$dir"
mv "$tmp/out" "$dir"
echo "$dir"
