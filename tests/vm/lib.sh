# Shared helpers for guest tests: source /opt/ig/tests/lib.sh
IG=/usr/sbin/imaguard
EXT4=/mnt/ext4

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
	echo "ok: $1 = '$3'"
}

# Host-computed digests of the test data: "<hex>  <path>" lines.
host_sha256() {
	awk -v p="$1" '$2 == p { print $1 }' /opt/ig/SHA256SUMS
}

need_bpf_lsm() {
	grep -qw bpf /sys/kernel/security/lsm || skip "BPF-LSM not active: $(cat /sys/kernel/security/lsm)"
}

need_ext4() {
	grep -q " $EXT4 ext4 " /proc/mounts || skip "ext4 test file system not mounted"
}
