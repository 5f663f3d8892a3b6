#!/usr/bin/env bash
# Build the overlay that boots the guest with systemd as PID 1, for the
# tests that ask for "# boot: ig.systemd=1" (tests/vm/t_systemd_unit.sh):
#   build/vm/initramfs/systemd.cpio.gz      the host's systemd (PID 1,
#                                           journald, systemctl, journalctl,
#                                           systemd-analyze) and its libraries,
#                                           the few units it needs, imaguard as
#                                           `make install` installs it, and
#                                           scripts/vm/systemd/*
#   build/vm/initramfs/initrd-systemd-<release>.gz
#                                           initrd-<release>.gz, then the overlay
# The kernel unpacks the overlay over the common initramfs; the guest starts
# /opt/ig/systemd/init (rdinit=), which execs systemd. Its default.target
# starts imaguard.service and ig-test.service, which runs the tests named on
# the command line and powers off.
#
#   scripts/vm/mksystemd.sh KERNEL_DIR...   (after mkinitramfs.sh)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out="${VM_INITRAMFS:-$top/build/vm/initramfs}"
root="$out/systemd-root"
src=$top/scripts/vm/systemd

# No systemd here must fail the run, never skip the test: deps.sh installs it.
for f in /lib/systemd/systemd /lib/systemd/systemd-journald /bin/systemctl \
	/bin/journalctl /usr/bin/systemd-analyze; do
	[ -x "$f" ] || { echo "imaguard: vm: '$f' not found: run scripts/deps.sh as root (package systemd)" >&2; exit 1; }
done
rm -rf "$root" && mkdir -p "$root"

copy_with_libs() { # FILE: at the same path, with what ldd names
	local f=$1 lib
	install -D -m 0755 "$(readlink -f "$f")" "$root$f"
	for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true); do
		[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
}
for f in /lib/systemd/systemd /lib/systemd/systemd-journald /bin/systemctl \
	/bin/journalctl /usr/bin/systemd-analyze; do
	copy_with_libs "$f"
done

# The units PID 1 and journald need, as Debian ships them; nothing else of
# /lib/systemd/system, so that nothing else starts.
units="sysinit.target local-fs-pre.target local-fs.target
	swap.target sockets.target shutdown.target umount.target
	systemd-journald.service systemd-journald.socket systemd-journald-dev-log.socket
	systemd-journald-audit.socket"
for u in $units; do
	install -D -m 0644 "/lib/systemd/system/$u" "$root/lib/systemd/system/$u"
done
install -D -m 0644 "$(readlink -f /etc/os-release)" "$root/etc/os-release"
install -D -m 0644 "$src/default.target" "$root/etc/systemd/system/default.target"
install -D -m 0644 "$src/ig-test.service" "$root/etc/systemd/system/ig-test.service"
install -D -m 0644 "$src/system.conf" "$root/etc/systemd/system.conf"
install -D -m 0755 "$src/init" "$root/opt/ig/systemd/init"
install -D -m 0755 "$src/ig-test" "$root/opt/ig/systemd/ig-test"

# imaguard exactly as `make install` puts it (/usr/local/sbin/imaguard,
# /usr/local/lib/systemd/system/imaguard.service, /etc/imaguard/imaguard.conf),
# then enabled as an administrator would.
make --no-print-directory -s -C "$top" install DESTDIR="$root" >/dev/null
rm -rf "$root/usr/local/share"
systemctl --root="$root" --quiet enable imaguard.service

# The digests of the overlay, for the allowlists of tests that enforce
# with systemd running (its binaries must stay allowed).
(cd "$root" && find . -type f -printf '%P\n' | sort | while read -r f; do
	printf '%s  /%s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
done) >"$out/SHA256SUMS.systemd"
mv "$out/SHA256SUMS.systemd" "$root/opt/ig/systemd/SHA256SUMS"

(cd "$root" && find . -print0 | sort -z | cpio --null -o -H newc --quiet | gzip -1) \
	>"$out/systemd.cpio.gz"
for kdir in "$@"; do
	rel=$(cat "$kdir/release")
	cat "$out/initrd-$rel.gz" "$out/systemd.cpio.gz" >"$out/initrd-systemd-$rel.gz"
done
