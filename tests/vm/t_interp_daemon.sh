# Interpreted code through the daemon: the rules file names the
# interpreters (here busybox by path, the usual ones left out), monitor mode
# records a script's run with hook "script", propose lists it, and the
# enforce daemon with the proposal runs it and refuses a new one. On a
# kernel without file_post_open (6.1) the monitor record's digest is the
# daemon's own (digest_source "userspace") and the enforce run uses IMA's,
# taken when the monitored run read it.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4
S=/tmp/ig-state-interpd D=$EXT4/interpd R=/tmp/interpd.rules
rm -rf $D $S /tmp/interpd.pid /tmp/interpd-*.log
mkdir -p $D
printf 'echo MON-RAN\n' >$D/mon.sh
printf 'echo NEW-RAN\n' >$D/new.sh
sync
make_allowlist /tmp/interpd-base.json 1
printf '{"format":"imaguard-rules/1","rules":[],"default_interpreters":false,"interpreters":["/bin/busybox"]}\n' >$R

start() { # MODE ALLOWLIST LOG
	rm -f /tmp/interpd.pid
	$IG run --mode $1 --allowlist $2 --trust $PUB --state-dir $S --rules $R \
		--audit-log $3 --pidfile /tmp/interpd.pid 2>/tmp/interpd.err &
	daemon=$!
	wait_ready /tmp/interpd.pid $daemon || { daemon_diag /tmp/interpd.err $S; fail "$1 daemon did not start"; }
	grep 'interpreters' /tmp/interpd.err || true
}
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null' EXIT

start monitor /tmp/interpd-base.json /tmp/interpd-mon.log
grep -q '1 interpreters' /tmp/interpd.err || fail "the rules' one interpreter was not loaded"
out=$(sh $D/mon.sh) || fail "monitor mode refused the script"
assert_eq "monitored script" MON-RAN "$out"
wait_grep "\"path\":\"$D/mon.sh\"" /tmp/interpd-mon.log || fail "no record of the script"
line=$(grep '"hook":"script"' /tmp/interpd-mon.log | grep "\"path\":\"$D/mon.sh\"" | head -n 1)
echo "$line"
echo "$line" | grep -q '"would_deny":true' || fail "the unlisted script is not a would-deny"
kill -TERM $daemon && wait $daemon

$IG allowlist propose --base /tmp/interpd-base.json --trust $PUB -o /tmp/interpd-next.json \
	/tmp/interpd-mon.log
$IG allowlist sign --key $KEY /tmp/interpd-next.json >/dev/null
mon_digest=$(printf 'echo MON-RAN\n' | sha256sum | cut -d' ' -f1)
grep -q "$mon_digest" /tmp/interpd-next.json || fail "the proposal lacks the script that ran"

start enforce /tmp/interpd-next.json /tmp/interpd-enf.log
out=$(sh $D/mon.sh 2>&1) || fail "the proposed script is refused: $out"
assert_eq "proposed script under enforce" MON-RAN "$out"
out=$(sh $D/new.sh 2>&1) || true
echo "sh new.sh: $out"
case $out in *NEW-RAN*) fail "a new unlisted script ran" ;; esac
wait_grep "\"path\":\"$D/new.sh\"" /tmp/interpd-enf.log || fail "no record of the refusal"
grep '"hook":"script"' /tmp/interpd-enf.log | grep "\"path\":\"$D/new.sh\"" | head -n 1 |
	grep -q '"decision":"deny"' || fail "new.sh's record is not a deny"
echo "interp daemon ok"
