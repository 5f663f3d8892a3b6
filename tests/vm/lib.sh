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

# ---- the daemon ----------------------------------------------------------
KEY=/opt/ig/keys/test-key.pem
PUB=/opt/ig/keys/test-pub.pem

# make_allowlist OUT SERIAL [DIGEST-TO-LEAVE-OUT...]: a signed allowlist of
# every file the guest ships (host digests), minus the given digests.
make_allowlist() {
	out=$1 serial=$2
	shift 2
	cut -d' ' -f1 /opt/ig/SHA256SUMS | sort -u >/tmp/ml.digests
	for d in "$@"; do grep -v "^$d\$" /tmp/ml.digests >/tmp/ml.tmp; mv /tmp/ml.tmp /tmp/ml.digests; done
	{
		printf '{"format":"imaguard-allowlist/1","serial":%s,"created":"2026-01-01T00:00:00Z","hash_algo":"sha256","entries":[' "$serial"
		awk 'NR > 1 { printf "," } { printf "{\"digest\":\"%s\",\"source\":\"test\"}", $1 }' /tmp/ml.digests
		printf ']}\n'
	} >"$out"
	$IG allowlist sign --key $KEY "$out" >/dev/null
}

# wait_file FILE [SECONDS]: until FILE exists (TCG is slow: default 120 s).
wait_file() {
	n=0
	while [ ! -e "$1" ]; do
		n=$((n + 1))
		[ $n -gt $((${2:-120} * 5)) ] && return 1
		sleep 0.2
	done
}

# wait_grep PATTERN FILE [SECONDS]: until a line of FILE matches.
wait_grep() {
	n=0
	while ! grep -q -e "$1" "$2" 2>/dev/null; do
		n=$((n + 1))
		[ $n -gt $((${3:-30} * 5)) ] && return 1
		sleep 0.2
	done
}
