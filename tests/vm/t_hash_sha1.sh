# boot: ima_hash=sha1
# With IMA hashing SHA-1 no digest can be checked against a SHA-256
# allowlist: the driver warns at start, and in enforce mode an exec of a
# listed program is refused as a hash error, with its event saying so.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

u=$EXT4/bin/hello
allow_all_but /tmp/allow.sha1
: >/tmp/sha1.out
mkdir -p $IGT && rm -f $IGT_PIDFILE
# Every exec is refused once the driver is ready, the helper's own included:
# start it first and let it wait for the pidfile to make its attempt.
execit --after $IGT_PIDFILE $u >/tmp/sha1.out & p=$!
igtest_start --mode enforce --allow /tmp/allow.sha1
wait $p && rc=0 || rc=$?
# Builtins only until the driver stops: the shell's own execs fail too.
$u >/dev/null 2>&1 & q=$!
wait $q && rc2=0 || rc2=$?
igtest_stop

echo "--- igtest stderr:"; cat $IGT_ERR
echo "--- execit: exit $rc: $(cat /tmp/sha1.out)"
echo "--- shell exec: exit $rc2"
assert_eq "execve of a listed program" "err EPERM execve" "$(cat /tmp/sha1.out)"
[ $rc2 -ne 0 ] || fail "the shell ran $u under an enforcer that cannot hash"
e=$(ev '"hook":"exec"' "\"pid\":$p," "$(ev_path $u)")
echo "$e"
assert_eq "exec events of the attempt" 1 "$(echo "$e" | grep -c .)"
assert_eq "decision" deny "$(echo "$e" | ev_get decision)"
assert_eq "reason" hash-error "$(echo "$e" | ev_get reason)"
assert_eq "digest" null "$(echo "$e" | ev_get digest)"
assert_eq "digest_source" none "$(echo "$e" | ev_get digest_source)"
[ "$(echo "$e" | ev_get hash_error)" != 0 ] || fail "hash_error is 0 on a hash error"
e=$(ev '"hook":"exec"' "\"pid\":$q," "$(ev_path $u)")
echo "$e"
assert_eq "shell's attempt: reason" hash-error "$(echo "$e" | ev_get reason)"
c=$(cat $IGT_COUNTERS)
echo "counters: $c"
[ "$(ctr "$c" hash_errors)" -ge 2 ] || fail "fewer than 2 hash errors counted"
[ "$(ctr "$c" denies.hash-error)" -ge 2 ] || fail "fewer than 2 hash-error denials counted"
grep -qi 'sha-*256' $IGT_ERR || fail "no start-up warning naming SHA-256 in the driver's stderr"
echo "hash_sha1 ok"
