# Monitor -> propose -> sign -> enforce: the proposed allowlist allows exactly
# what ran in monitor mode, and a new unlisted program is refused.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4
S=/tmp/ig-state-propose
hello=$EXT4/bin/hello
cp /usr/bin/true $EXT4/newbin && printf x >>$EXT4/newbin
rm -f /tmp/propose.pid
make_allowlist /tmp/base.json 1 "$(host_sha256 $hello)"

$IG run --mode monitor --allowlist /tmp/base.json --trust $PUB --state-dir $S \
	--audit-log /tmp/mon.log --pidfile /tmp/propose.pid 2>/tmp/mon.err &
daemon=$!
wait_ready /tmp/propose.pid $daemon || { daemon_diag /tmp/mon.err $S; fail "monitor daemon did not start"; }
$hello >/dev/null || fail "monitor mode refused"
wait_grep "\"path\":\"$hello\"" /tmp/mon.log || fail "no record of the monitored run"
kill -TERM $daemon && wait $daemon

$IG allowlist propose --base /tmp/base.json --trust $PUB -o /tmp/next.json /tmp/mon.log
$IG allowlist sign --key $KEY /tmp/next.json >/dev/null
grep -q "$(host_sha256 $hello)" /tmp/next.json || fail "the proposal lacks what ran"
grep -q "$(sha256sum $EXT4/newbin | cut -d' ' -f1)" /tmp/next.json && fail "the proposal lists what never ran"

rm -f /tmp/propose.pid
$IG run --mode enforce --allowlist /tmp/next.json --trust $PUB --state-dir $S \
	--audit-log /tmp/enf.log --pidfile /tmp/propose.pid 2>/tmp/enf.err &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null' EXIT
wait_ready /tmp/propose.pid $daemon || { daemon_diag /tmp/enf.err $S; fail "enforce daemon did not start"; }
$hello >/dev/null || fail "what ran in monitor mode is refused under the proposal"
if $EXT4/newbin 2>/tmp/e; then fail "a new unlisted program ran"; fi
grep -q 'Operation not permitted' /tmp/e || fail "expected EPERM: $(cat /tmp/e)"
grep '"type":"start"' /tmp/enf.log | grep -q '"allowlist_serial":2,' || fail "the proposal's serial is not 2"
echo "propose round trip ok"
