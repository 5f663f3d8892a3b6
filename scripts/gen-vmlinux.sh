#!/usr/bin/env bash
# Regenerate the pinned vmlinux.h from the Debian 12 6.1 cloud kernel's BTF,
# so that the BPF build never depends on the build host's kernel.
#
#   scripts/gen-vmlinux.sh OUT.h
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: gen-vmlinux.sh OUT.h}
kdir=$("$top/scripts/vm/kernel.sh" 6.1)
bz="$kdir/vmlinuz"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# bzImage: the compressed kernel starts payload_offset bytes into the
# protected-mode part, which follows (setup_sects + 1) 512-byte sectors.
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
sects=$(u8 "$bz" $((0x1f1)))
[ "$sects" -eq 0 ] && sects=4
off=$(((sects + 1) * 512 + $(u32 "$bz" $((0x248)))))
len=$(u32 "$bz" $((0x24c)))
dd if="$bz" of="$tmp/payload" iflag=skip_bytes,count_bytes bs=1M skip="$off" count="$len" status=none
magic=$(od -An -tx1 -N4 "$tmp/payload" | tr -d ' ')
case $magic in
02214c18) lz4 -dc "$tmp/payload" >"$tmp/vmlinux" 2>/dev/null || true ;;
28b52ffd) zstd -qdc "$tmp/payload" >"$tmp/vmlinux" 2>/dev/null || true ;;
fd377a58) xz -dc "$tmp/payload" >"$tmp/vmlinux" 2>/dev/null || true ;;
1f8b*) gzip -dc "$tmp/payload" >"$tmp/vmlinux" 2>/dev/null || true ;;
*) echo "imaguard: vmlinux: unknown kernel compression (magic $magic)" >&2; exit 1 ;;
esac
# The decompressors complain about the size trailer after the stream; the
# ELF check below is what counts.
[ "$(head -c 4 "$tmp/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
	{ echo "imaguard: vmlinux: could not unpack an ELF kernel from $bz" >&2; exit 1; }
bpftool btf dump file "$tmp/vmlinux" format c >"$tmp/vmlinux.h"
mv "$tmp/vmlinux.h" "$out"
echo "vmlinux: wrote $out from $(cat "$kdir/release")"
