# boot: ima_hash=sha1
# A kernel whose IMA hashes with SHA-1: enforce mode is refused with a
# message naming the fix; monitor mode runs with a loud warning and records
# digests computed in userspace.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4
S=/tmp/ig-state-sha1
make_allowlist /tmp/al.json 1
if $IG run --mode enforce --allowlist /tmp/al.json --trust $PUB --state-dir $S \
	--audit-log /tmp/e.log 2>/tmp/enforce.err; then
	fail "enforce mode started without SHA-256"
fi
cat /tmp/enforce.err
grep -q 'ima_hash=sha256' /tmp/enforce.err || fail "message does not name the fix"
grep -q 'refusing enforce mode' /tmp/enforce.err || fail "no refusal message"
/usr/bin/true || fail "the refused start left enforcement behind"

$IG run --mode monitor --allowlist /tmp/al.json --trust $PUB --state-dir $S \
	--audit-log /tmp/m.log --pidfile /tmp/ig.pid 2>/tmp/monitor.err &
daemon=$!
wait_ready /tmp/ig.pid $daemon || { daemon_diag /tmp/monitor.err; fail "monitor mode did not start"; }
cat /tmp/monitor.err
grep -q 'warning: .*SHA-256' /tmp/monitor.err || fail "no warning"
$EXT4/bin/hello >/dev/null
wait_grep "\"path\":\"$EXT4/bin/hello\"" /tmp/m.log || fail "no record"
line=$(grep "\"path\":\"$EXT4/bin/hello\"" /tmp/m.log | grep '"hook":"exec"' | head -n 1)
echo "$line"
echo "$line" | grep -q '"reason":"hash-error"' || fail "not a hash error"
echo "$line" | grep -q '"would_deny":true' || fail "hash error not flagged would_deny"
echo "$line" | grep -q "\"digest\":\"sha256:$(host_sha256 $EXT4/bin/hello)\",\"digest_source\":\"userspace\"" ||
	fail "no userspace digest"
kill -TERM $daemon
wait $daemon
echo "sha1 ok"
