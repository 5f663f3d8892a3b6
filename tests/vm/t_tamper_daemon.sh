# The daemon cannot be stopped or traced by another process, root included:
# SIGSTOP, SIGKILL and the other fatal signals (kill(2) and
# pidfd_send_signal), ptrace attach and seize, process_vm_writev, writes to
# /proc/PID/mem, pidfd_getfd and prlimit are refused, each with a `tamper`
# record; SIGHUP reloads and SIGTERM stops it as before. In locked mode
# SIGTERM alone does not: `stop --unlock TOKEN` with a valid token does, and
# an expired, wrong-host or wrongly signed token is refused while the daemon
# keeps enforcing.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4
S=/tmp/ig-state-tdaemon LOG=/tmp/tdaemon.log P=/sys/fs/bpf/igtdaemon
hello=$EXT4/bin/hello
make_allowlist /tmp/td.json 1 "$(host_sha256 $hello)"

start() {
	rm -f /tmp/td.pid
	$IG run --mode enforce --allowlist /tmp/td.json --trust $PUB --state-dir $S \
		--audit-log $LOG --pidfile /tmp/td.pid "$@" 2>>/tmp/td.err &
	daemon=$!
	wait_ready /tmp/td.pid $daemon || { daemon_diag /tmp/td.err $S; fail "the daemon never became ready"; }
}
trap 'kill -TERM $daemon 2>/dev/null || true; wait $daemon 2>/dev/null || true' EXIT
start

# alive PID: running, not a zombie waiting to be reaped (kill -0 says yes to one).
alive() { [ -e /proc/$1/status ] && ! grep -q '^State:.*Z' /proc/$1/status; }

# attack NAME COMMAND...: the attack must fail and the daemon live on. An
# attack that worked is noted (and the daemon started again if it died), so
# that one run shows every attack that works.
worked=
attack() {
	local name=$1
	shift
	if "$@" >/tmp/td.out 2>&1; then
		cat /tmp/td.out
		echo "attack worked: $name"
		worked="$worked $name"
	else
		cat /tmp/td.out
		echo "ok: refused: $name"
	fi
	bsleep 0.3
	grep -q '^State:.*T' /proc/$daemon/status 2>/dev/null && kill -CONT $daemon
	if ! alive $daemon; then
		echo "the daemon died: $name"
		wait $daemon 2>/dev/null || true
		[ -n "$worked" ] && case $worked in *" $name") ;; *) worked="$worked $name" ;; esac
		start
	fi
}
attack "kill -STOP" kill -STOP $daemon
attack "kill -TSTP" kill -TSTP $daemon
attack "ptrace attach" igtrace attach $daemon
attack "ptrace seize" igtrace seize $daemon
attack "process_vm_writev" igtrace vmwrite $daemon
attack "/proc/PID/mem write" igtrace memwrite $daemon
attack "pidfd_getfd" igtrace getfd $daemon
attack "prlimit" igtrace prlimit $daemon
attack "kill -USR1" kill -USR1 $daemon
attack "kill -SEGV" kill -SEGV $daemon
attack "kill -KILL" kill -KILL $daemon
attack "pidfd_send_signal SIGKILL" igtrace pidfd-kill $daemon
[ -z "$worked" ] || fail "attacks that worked:$worked"
alive $daemon || fail "the daemon died"
if $hello 2>/dev/null; then fail "enforcement ended"; fi
/usr/bin/true || fail "a listed program was refused"
wait_grep '"type":"tamper".*"what":"signal".*"arg":19,' $LOG || { grep tamper $LOG; fail "no tamper record for SIGSTOP"; }
wait_grep '"type":"tamper".*"what":"signal".*"arg":9,' $LOG || fail "no tamper record for SIGKILL"
wait_grep '"type":"tamper".*"what":"ptrace"' $LOG || fail "no tamper record for ptrace"
wait_grep '"type":"tamper".*"what":"rlimit"' $LOG || fail "no tamper record for prlimit"
echo "ok: $(grep -c '"type":"tamper"' $LOG) tamper records"

# What stays allowed: a liveness probe, a reload, and SIGTERM in default mode.
kill -0 $daemon || fail "kill -0 refused"
kill -HUP $daemon || fail "SIGHUP refused"
wait_grep '"type":"reload"' $LOG || fail "no reload after SIGHUP"
$IG stop --state-dir $S || fail "stop failed in default mode"
wait $daemon 2>/dev/null || true
grep '"type":"stop"' $LOG | tail -n 1 | grep -q '"reason":"signal"' || fail "no stop record"
echo "ok: default mode stops on SIGTERM"

# ---- locked mode ------------------------------------------------------------
start --locked --pin-dir $P
grep -q '"locked":true' $S/status.json || fail "status does not say locked"
kill -TERM $daemon
bsleep 2
alive $daemon || fail "SIGTERM stopped a locked daemon"
wait_grep '"type":"tamper".*"what":"stop"' $LOG || fail "no tamper record for a stop without a token"
if $IG stop --state-dir $S --pin-dir $P 2>/tmp/td.stop; then fail "stop without a token stopped a locked daemon"; fi
cat /tmp/td.stop
grep -q 'locked' /tmp/td.stop || fail "stop without a token does not say why"
host=$(hostname)
# refused NAME WHY TOKEN: stop --unlock TOKEN fails, saying WHY, and nothing ends.
refused() {
	if $IG stop --state-dir $S --pin-dir $P --unlock "$3" --timeout 20 2>/tmp/td.stop; then
		fail "stop with a $1 token stopped the daemon"
	fi
	cat /tmp/td.stop
	grep -q "$2" /tmp/td.stop || fail "stop with a $1 token does not say '$2'"
	alive $daemon || fail "the daemon died on a $1 token"
	[ -e $P/link-exec-filter ] || fail "a $1 token removed the pins"
	if $hello 2>/dev/null; then fail "enforcement ended on a $1 token"; fi
	echo "ok: $1 token refused"
}
$IG unlock-token --key $KEY --host "$host" --not-before 2020-01-01T00:00:00Z --valid 1h -o /tmp/tok.expired
refused expired "expired" /tmp/tok.expired
$IG unlock-token --key $KEY --host other-host --valid 1h -o /tmp/tok.host
refused wrong-host "host" /tmp/tok.host
$IG unlock-token --key $KEY --host "$host" --valid 1h -o /tmp/tok.good
sed "1s/\"host\":\"$host\"/\"host\":\"$host\" /" /tmp/tok.good >/tmp/tok.forged
refused forged "signature" /tmp/tok.forged
head -c 40 /tmp/tok.good >/tmp/tok.cut
refused truncated "signature\|invalid" /tmp/tok.cut
[ "$(grep -c '"type":"tamper".*"what":"stop"' $LOG)" -ge 5 ] || fail "not every refused stop is recorded"

$IG stop --state-dir $S --pin-dir $P --unlock /tmp/tok.good || fail "a valid token did not stop the daemon"
wait $daemon 2>/dev/null || true
grep '"type":"stop"' $LOG | tail -n 1 | grep -q '"reason":"unlock"' || fail "no stop record with reason unlock"
[ ! -e $P ] || fail "pins left behind: $(ls $P)"
n=0
until $hello >/dev/null 2>&1; do
	n=$((n + 1))
	[ $n -lt 100 ] || fail "still enforced 20 s after stop --unlock"
	sleep 0.2
done
$IG audit verify $LOG || fail "audit trail does not verify"
echo "tamper_daemon ok"
