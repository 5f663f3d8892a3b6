# imaguard run in enforce mode: ready only when live, refuses an unlisted
# program, writes a verifiable hash-chained audit trail, reloads on SIGHUP
# (and keeps the old list on a bad one), refuses a second instance, reports
# status, and stops cleanly.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4
S=/tmp/ig-state LOG=/tmp/ig-audit.log
hello=$EXT4/bin/hello
unlisted=$(host_sha256 $hello)
make_allowlist /tmp/al1.json 1 "$unlisted"

$IG run --mode enforce --allowlist /tmp/al1.json --trust $PUB --state-dir $S \
	--audit-log $LOG --pidfile /tmp/ig.pid 2>/tmp/run.err &
daemon=$!
date; cleanup() { kill $daemon 2>/dev/null; wait $daemon 2>/dev/null; }
trap cleanup EXIT
wait_ready /tmp/ig.pid $daemon || { daemon_diag /tmp/run.err; fail "the daemon never became ready"; }
cat /tmp/run.err

# Refused and recorded, with the kernel's digest equal to the host's.
if $hello >/dev/null 2>/tmp/e; then fail "unlisted program ran"; fi
grep -q 'Operation not permitted' /tmp/e || fail "expected EPERM, got: $(cat /tmp/e)"
/usr/bin/true || fail "a listed program was refused"
wait_grep "\"path\":\"$hello\"" $LOG || fail "no record for $hello"
line=$(grep "\"path\":\"$hello\"" $LOG | grep '"hook":"exec"' | tail -n 1)
echo "$line"
echo "$line" | grep -q '"decision":"deny"' || fail "not a deny record"
echo "$line" | grep -q '"reason":"not-allowlisted"' || fail "wrong reason"
echo "$line" | grep -q "\"digest\":\"sha256:$unlisted\"" || fail "digest differs from the host's"
echo "$line" | grep -q '"allowlist_serial":1,' || fail "record lacks the allowlist serial"
head -n 1 $LOG | grep -q '"type":"start"' || fail "first record is not start"
grep '"type":"start"' $LOG | grep -q '"mode":"enforce"' || fail "start record mode"

# A second daemon on the same state directory is refused.
if $IG run --mode monitor --state-dir $S --audit-log /tmp/second.log 2>/tmp/second.err; then
	fail "a second daemon started"
fi
cat /tmp/second.err
grep -q "another 'imaguard run'" /tmp/second.err || fail "second instance message"

$IG status --state-dir $S --pin-dir /sys/fs/bpf/none | tee /tmp/status
grep -q '^mode: *enforce' /tmp/status || fail "status mode"
grep -q 'serial 1,' /tmp/status || fail "status serial"
$IG status --state-dir $S --pin-dir /sys/fs/bpf/none --prometheus | grep -q '^imaguard_denies_total{reason="not-allowlisted"} [1-9]' ||
	fail "prometheus deny counter"

# Reload with a list that includes hello: now it runs.
make_allowlist /tmp/al1.json 2
kill -HUP $daemon
wait_grep '"type":"reload"' $LOG || fail "no reload record"
grep '"type":"reload"' $LOG | tail -n 1 | grep -q '"ok":true' || fail "reload failed: $(cat /tmp/run.err)"
$hello || fail "listed after reload, still refused"

# A rollback to serial 1 is refused and the serial-2 list stays in force.
make_allowlist /tmp/al1.json 1 "$unlisted"
kill -HUP $daemon
wait_grep '"ok":false' $LOG || fail "rollback was not refused"
grep '"ok":false' $LOG | grep -q '"reason":"rollback refused"' || fail "reason for the refusal"
$hello || fail "the old list did not stay in force"

# A tampered signature is refused likewise.
make_allowlist /tmp/al1.json 3 "$unlisted"
echo AAAA >/tmp/al1.json.sig
kill -HUP $daemon
n=0; while [ "$(grep -c '"ok":false' $LOG)" -lt 2 ] && [ $n -lt 150 ]; do sleep 0.2; n=$((n+1)); done
grep '"ok":false' $LOG | tail -n 1 | grep -q '"reason":"bad signature"' || fail "bad signature not refused"
$hello || fail "the old list did not stay in force after a bad signature"

kill -TERM $daemon
wait $daemon || fail "daemon exited non-zero"
trap - EXIT
tail -n 1 $LOG | grep -q '"type":"stop"' || fail "last record is not stop"
[ ! -e /tmp/ig.pid ] || fail "pidfile left behind"
$IG audit verify $LOG || fail "audit trail does not verify"
# The chain catches an edited line.
sed -i '2s/"pid":\([0-9]\)/"pid":9\1/' $LOG
if $IG audit verify $LOG 2>/tmp/verify.err; then fail "an edited trail verified"; fi
cat /tmp/verify.err
grep -q "line 3: edited or reordered: prev does not match line 2" /tmp/verify.err ||
	fail "the edit of line 2 is not named"
# The kernel's count of refusals equals the deny records in the trail
# (the canary's and hello's).
denies=$(grep -c '"decision":"deny"' $LOG)
grep '"type":"stop"' $LOG | grep -q "\"not-allowlisted\":$denies" ||
	fail "stop counters do not match the $denies deny records: $(grep '"type":"stop"' $LOG)"
echo "daemon ok"
