#!/usr/bin/env bash
# Install the Debian 12 packages that the build, the tests and the VM harness
# need, only when some are missing. As root it runs apt-get update first.
set -euo pipefail

pkgs=(
	make gcc clang llvm libclang-rt-14-dev bpftool pkg-config
	libbpf-dev libelf-dev zlib1g-dev libzstd-dev libssl-dev libjansson-dev libcmocka-dev
	libarchive-dev
	openssl chromium python3-prometheus-client mandoc
	qemu-system-x86 busybox-static e2fsprogs cpio xz-utils lz4 zstd kmod jq
	systemd
)

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "imaguard: missing packages: ${missing[*]}: run 'sudo scripts/deps.sh' (or install them)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
