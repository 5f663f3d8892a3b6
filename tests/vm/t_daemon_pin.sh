# --pin: enforcement stays when the daemon is killed; the next run adopts the
# pinned chain without a gap and records it; stop removes the pins and the
# chain detaches. No process may SIGKILL the daemon, so it is killed the one
# way the kernel does not ask (bpf/guard.bpf.h): its cgroup's cgroup.kill.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4
S=/tmp/ig-state-pin P=/sys/fs/bpf/igtest LOG=/tmp/ig-pin.log
hello=$EXT4/bin/hello
make_allowlist /tmp/al.json 1 "$(host_sha256 $hello)"
start() {
	rm -f /tmp/pin.pid
	$IG run --mode enforce --allowlist /tmp/al.json --trust $PUB --state-dir $S \
		--audit-log $LOG --pidfile /tmp/pin.pid --pin-dir $P 2>>/tmp/pin.err &
	daemon=$!
	wait_ready /tmp/pin.pid $daemon || { daemon_diag /tmp/pin.err $S; fail "the daemon never became ready"; }
}
start
ls $P
if kill -KILL $daemon 2>/dev/null; then fail "SIGKILL reached the daemon"; fi
[ -e /sys/fs/cgroup/cgroup.procs ] || skip "no cgroup2 at /sys/fs/cgroup to kill the daemon with"
mkdir -p /sys/fs/cgroup/igpin
echo $daemon >/sys/fs/cgroup/igpin/cgroup.procs
echo 1 >/sys/fs/cgroup/igpin/cgroup.kill
wait $daemon 2>/dev/null || true
rmdir /sys/fs/cgroup/igpin 2>/dev/null || true
if $hello 2>/dev/null; then fail "enforcement ended with the daemon"; fi
echo "ok: still enforced after SIGKILL"
$IG status --state-dir $S --pin-dir $P | tee /tmp/status
grep -q 'pinned' /tmp/status || fail "status does not say pinned"

# A pinned chain this run cannot drive is refused, and nothing is detached:
# one in the other mode, and one whose maps no build of imaguard made (its
# globals would be written at this build's offsets).
refused() {
	local dir=$1
	shift
	if $IG run "$@" --allowlist /tmp/al.json --trust $PUB --state-dir $S --audit-log $LOG \
		--pin-dir $dir 2>/tmp/pin-refused.err; then
		fail "a pinned chain was taken over: $*"
	fi
	cat /tmp/pin-refused.err
	if $hello 2>/dev/null; then fail "enforcement ended when a pinned chain was refused"; fi
}
refused $P --mode monitor
grep -q "runs in enforce mode, not monitor" /tmp/pin-refused.err || fail "no reason for the mode"
O=/sys/fs/bpf/igtest-other
mkdir -p $O
for m in $(ls $P | sed -n 's/^map-//p'); do
	pinmap $O/map-$m 4 || fail "cannot pin a map at $O/map-$m"
done
refused $O --mode enforce
grep -q "loaded by another build of imaguard" /tmp/pin-refused.err ||
	fail "no reason for the other build"
ls $O | grep -qv '^map-' && fail "links were pinned next to the other build's maps: $(ls $O)"
rm -rf $O
echo "ok: a chain this run cannot drive is refused and stays attached"

start
cat /tmp/pin.err
grep '"type":"start"' $LOG | tail -n 1 | grep -q '"adopted":true' || fail "second run did not adopt"
grep -q '"cause":"gap"' $LOG || fail "no gap record"
if $hello 2>/dev/null; then fail "not enforced after adoption"; fi
wait_grep "\"path\":\"$hello\"" $LOG || fail "the adopted chain's events are not read"

# stop with another state directory finds no daemon there, but one holds
# the chain: its pins stay, and nothing says "detached".
if $IG stop --state-dir /tmp/ig-state-typo --pin-dir $P 2>/tmp/pin-stop.err; then
	fail "stop removed the pins of a chain a running daemon holds"
fi
cat /tmp/pin-stop.err
grep -q "is held by process $daemon" /tmp/pin-stop.err || fail "stop did not name the daemon holding the chain"
[ -e $P/link-exec-filter ] || fail "stop removed pins it refused to remove"
kill -0 $daemon || fail "the daemon died"
if $IG run --unpin --pin-dir $P 2>/tmp/pin-stop.err; then
	fail "run --unpin removed the pins of a chain a running daemon holds"
fi
grep -q "is held by process $daemon" /tmp/pin-stop.err || fail "run --unpin did not name the daemon"
[ -e $P/link-exec-filter ] || fail "run --unpin removed pins it refused to remove"

$IG stop --state-dir $S --pin-dir $P
wait $daemon 2>/dev/null || true
[ ! -e $P ] || fail "pins left behind: $(ls $P)"
# The kernel releases a link once its last reference goes, which for
# sleepable programs waits for an RCU grace period: allow it a moment.
n=0
until $hello >/dev/null 2>&1; do
	n=$((n + 1))
	[ $n -lt 100 ] || fail "still enforced 20 s after stop"
	sleep 0.2
done
echo "ok: detached after stop (${n} polls)"
$IG audit verify $LOG || fail "audit trail across two runs does not verify"
echo "pin ok"
