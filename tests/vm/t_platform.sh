# Platform: the BPF object loads, the three programs attach on
# bprm_check_security and run in order, and bpf_ima_file_hash returns the
# SHA-256 that the host computed for the same file (on ext4 and on tmpfs).
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

grep -q . /sys/kernel/security/ima/policy 2>/dev/null || echo "note: IMA policy not readable"

cp /opt/ig/bin/hello /tmp/hello-tmpfs
$IG probe -v $EXT4/bin/hello /tmp/hello-tmpfs >probe.out
cat probe.out

grep -q '^chain: attached in order 3,2,1' probe.out || fail "chain order not proven in the expected order"
want=$(host_sha256 $EXT4/bin/hello)
[ -n "$want" ] || fail "no host digest for $EXT4/bin/hello"
got=$(awk -v p="$EXT4/bin/hello" '$2 == p { print $1 }' probe.out)
assert_eq "IMA digest of ext4 file" "$want" "$got"
got=$(awk '$2 == "/tmp/hello-tmpfs" { print $1 }' probe.out)
assert_eq "IMA digest of tmpfs file" "$want" "$got"
assert_eq "guest sha256sum" "$want" "$(sha256sum $EXT4/bin/hello | cut -d' ' -f1)"
n=$(grep -c 'stages filter,measure,emit$' probe.out)
assert_eq "events with all three stages in order" 2 "$n"
