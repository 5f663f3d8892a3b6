# Flood: thousands of execs into a 16 KB ring buffer whose consumer is paused.
# Events that do not fit are counted as lost, never dropped silently: over the
# flood events + lost equals the judged hook runs, and every event counted as
# sent reaches the events file once the consumer resumes.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

P=/tmp/rbflood
N=2000
rm -f $P.ev $P.cnt
cleanup() { [ -e $P.pid ] && kill -TERM "$(cat $P.pid)" 2>/dev/null; wait; }
trap cleanup EXIT

igtest --mode monitor --ringbuf-kb 16 --pause-consumer --events $P.ev --pidfile $P.pid \
	--counters $P.cnt 2>$P.err &
wait_file $P.pid || fail "igtest did not start: $(cat $P.err)"
pid=$(cat $P.pid)

# counters OUT: ask for a snapshot and wait for it
counters() {
	rm -f $P.cnt
	kill -USR1 $pid
	wait_file $P.cnt 30 || fail "no counters"
	cp $P.cnt $1
	cat $1
}
num() { # KEY FILE: the first "KEY":N
	sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" $2
}
counters $P.c0
t0=$(date +%s)
spawnflood $N $EXT4/bin/hello >$P.out || { tail -n 1 $P.out; fail "spawnflood failed"; }
echo "flood took $(($(date +%s) - t0)) s: $(tail -n 1 $P.out)"
counters $P.c1

# Resume the consumer and wait until everything submitted so far is in the
# file (the shell's own execs keep adding events: never wait for silence).
kill -USR2 $pid
want=$(($(num events $P.c1) - 1))
n=0
while [ "$(wc -l <$P.ev)" -lt "$want" ]; do
	n=$((n + 1))
	[ $n -gt 60 ] && fail "only $(wc -l <$P.ev) of $want events arrived after resuming"
	sleep 0.5
done
kill -TERM $pid; wait
trap - EXIT
echo "at exit:"; cat $P.cnt
lines=$(wc -l <$P.ev | tr -d ' ')

lost=$(($(num lost $P.c1) - $(num lost $P.c0)))
[ "$lost" -gt 0 ] || fail "nothing lost with a 16 KB buffer and a paused consumer"
echo "ok: $lost events lost and counted during the flood"
emitted=$(($(num events $P.c1) - $(num events $P.c0) + lost))
execs=$(($(num exec $P.c1) - $(num exec $P.c0)))
runs=$((execs + $(num mmap $P.c1) - $(num mmap $P.c0) + $(num open $P.c1) - $(num open $P.c0)))
[ $execs -ge $N ] || fail "fewer exec runs ($execs) than execs ($N)"
echo "flood: events + lost $emitted, judged hook runs $runs"
[ $emitted -ge $N ] || fail "fewer emissions ($emitted) than execs ($N)"
# With no rules, monitor mode judges every exec and every PROT_EXEC file map,
# and each judged run emits exactly one event: sent, or counted lost. A
# snapshot taken while a hook is between its stages (the shell's own sleep)
# can count a run whose event is not yet out, so the exact sum is checked at
# exit, when nothing runs any more.
assert_eq "at exit: events + lost = judged hook runs" \
	$(($(num exec $P.cnt) + $(num mmap $P.cnt) + $(num open $P.cnt))) \
	$(($(num events $P.cnt) + $(num lost $P.cnt)))
# Every event counted as sent reached the file, except the loader's order
# probe, which the driver consumes itself before it writes its pidfile.
assert_eq "events lines + 1 (probe) + lost = counted events + lost" \
	$(($(num events $P.cnt) + $(num lost $P.cnt))) $((lines + 1 + $(num lost $P.cnt)))
assert_eq "order violations" 0 "$(num order_violations $P.cnt)"
hello=$(grep "\"path\":\"$EXT4/bin/hello\"" $P.ev | grep -c '"hook":"exec"' || true)
echo "hello exec events received: $hello of $N"
[ "$hello" -lt $N ] || fail "all $N exec events arrived although events were lost"
echo "ringbuf_flood ok"
