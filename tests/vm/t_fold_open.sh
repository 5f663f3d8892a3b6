# Audited opens fold like maps: an allowed audited open is sent once per
# content version, and the kernel counts its repeats by the same name (the
# stop record's folds) for the daemon's summaries. As root and as uid 1000,
# on tmpfs (IMA measures nothing there: the daemon hashes in userspace) and
# on ext4: N opens of an audited file give one access record, the trail
# counts every open (access records plus summary counts), and each rewrite
# (the same length, then another) is a new version: the next open is a new
# record with the new content's digest. An open refused by a deny rule, and
# in monitor mode its would-deny, is recorded every time. The test writes
# each file through a hard link in an unaudited directory (w/), so that its
# own writes are no audited opens.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4
S=/tmp/fo-state LOG=/tmp/fo-audit.log R=/tmp/fo.rules
T=/tmp/fo-tmpfs E=$EXT4/fo
N=${FOLD_OPENS:-1000} M=200
rm -rf $S $LOG $E && mkdir -p $T $E/aud
grep -q " $T tmpfs " /proc/mounts || mount -t tmpfs fo $T
rm -rf $T/aud $T/w
mkdir -p $T/aud $T/w $E/w
chmod 755 $T $T/aud $E $E/aud
for D in $T $E; do
	for u in 0 1000; do : >$D/w/u$u; ln $D/w/u$u $D/aud/u$u; done
done
for D in $T/aud $E/aud; do printf 'denied\n' >$D/denied; done # no write open under the rule
make_allowlist /tmp/fo.json 1
printf '{"format":"imaguard-rules/1","rules":[%s,%s,%s,%s]}\n' \
	"{\"action\":\"audit\",\"path\":\"$T/aud/\",\"hooks\":[\"open\"]}" \
	"{\"action\":\"audit\",\"path\":\"$E/aud/\",\"hooks\":[\"open\"]}" \
	"{\"action\":\"deny\",\"path\":\"$T/aud/denied\",\"hooks\":[\"open\"]}" \
	"{\"action\":\"deny\",\"path\":\"$E/aud/denied\",\"hooks\":[\"open\"]}" >$R

start_daemon() { # MODE
	$IG run --mode $1 --allowlist /tmp/fo.json --trust $PUB --state-dir $S --rules $R \
		--audit-log $LOG --pidfile /tmp/fo.pid --summary-interval 2 2>/tmp/fo-run.err &
	daemon=$!
	wait_ready /tmp/fo.pid $daemon || { daemon_diag /tmp/fo-run.err $S; fail "the daemon never became ready"; }
}
stop_daemon() {
	kill -TERM $daemon
	wait $daemon || { cat /tmp/fo-run.err; fail "daemon exited non-zero"; }
	daemon=
}
trap '[ -n "$daemon" ] && kill $daemon 2>/dev/null; umount $T 2>/dev/null' EXIT
stop_ctr() { grep '"type":"stop"' $LOG | tail -n 1 | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }

# Allowed open access records of PATH, and their digests in order.
acc() { grep '"type":"access"' $LOG | grep '"hook":"open"' | grep '"decision":"allow"' |
	grep -F "\"path\":\"$1\","; }
digests() { acc "$1" | sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' | tr '\n' ' '; }
# The repeats of PATH the summaries count.
repeats() {
	grep '"type":"summary"' $LOG |
		grep -o "{\"hook\":\"open\",\"path\":\"$1\",\"digest\":[^,]*,\"count\":[0-9]*}" |
		sed 's/.*"count":\([0-9]*\)}$/\1/' | awk '{ s += $1 } END { print s + 0 }'
}
# wait_rec PATH DIGEST: until an access record of PATH carries DIGEST (the
# daemon hashes an unmeasured open's file after it: the next rewrite waits).
wait_rec() {
	n=0
	until acc "$1" | grep -q "\"digest\":\"sha256:$2\""; do
		n=$((n + 1)); [ $n -gt 50 ] && return 1; sleep 0.2
	done
}
loop() { # USER COUNT PATH
	if [ "$1" = 0 ]; then out=$(openloop "$2" "$3"); else out=$(openloop --uid "$1" "$2" "$3"); fi
	[ "$out" = "ok $2" ] || fail "uid $1: $2 opens of $3: $out"
}

start_daemon enforce
grep -q "repeated maps are sent one by one" /tmp/fo-run.err && fail "folding is off: $(cat /tmp/fo-run.err)"

# One file per (file system, user): N opens of version 1, then M of a
# version of the same length, then M of one of another length.
files=
for D in $T $E; do
	for u in 0 1000; do
		f=$D/aud/u$u files="$files $f"
		want=
		for v in 'version one' 'version two' 'version three, longer'; do
			printf '%s\n' "$v" >$D/w/u$u
			d=$(printf '%s\n' "$v" | sha256sum | cut -d' ' -f1) want="$want$d "
			[ "$v" = 'version one' ] && c=$N || c=$M
			loop $u $c $f
			wait_rec $f $d || echo "no record of $f with '$v' (sha256:$d)"
		done
		echo "$want" >$D/w/u$u.want
	done
done

# A deny rule's open: refused and recorded each time.
for D in $T/aud $E/aud; do
	for i in 1 2 3 4 5; do
		out=$(openloop 1 $D/denied) && fail "denied open of $D/denied allowed: $out"
		[ "$out" = "err EPERM open" ] || fail "denied open of $D/denied: $out"
	done
done
stop_daemon
$IG audit verify $LOG || fail "audit trail does not verify"
folds=$(stop_ctr folds) events=$(stop_ctr events)
echo "enforce run: events $events, folded in the kernel ${folds:-0}"
bad=
for f in $files; do
	a=$(acc $f | grep -c .) r=$(repeats $f)
	echo "$f: access records $a, digests $(digests $f), repeats counted $r"
	want=$(cat ${f%/aud/*}/w/${f##*/}.want)
	[ "$(digests $f)" = "$want" ] || { bad=1; echo "  expected digests $want"; }
	# Every open is in the trail, and at most one more per record: the
	# daemon's own read of an unmeasured file is an audited open too.
	t=$((a + r)) opens=$((N + 2 * M))
	{ [ $t -ge $opens ] && [ $t -le $((opens + a)) ]; } ||
		{ bad=1; echo "  opens in the trail $t, made $opens"; }
done
for D in $T/aud $E/aud; do
	d=$(grep '"type":"access"' $LOG | grep -F "\"path\":\"$D/denied\"," | grep -c '"decision":"deny"')
	echo "$D/denied: deny records $d"
	[ "$d" = 5 ] || bad=1
done
[ -z "$bad" ] || fail "the trail does not hold one record per content version and every open"
# Four files of N + 2M opens, three records each (and the daemon's reads).
[ "${folds:-0}" -ge $((4 * (N + 2 * M) - 40)) ] || fail "only ${folds:-0} opens folded in the kernel"

# Monitor mode: the deny rule's open is a would-deny, recorded every time.
rm -f $LOG
start_daemon monitor
for i in 1 2 3 4 5; do
	out=$(openloop 1 $T/aud/denied) || fail "monitor: open of $T/aud/denied refused: $out"
done
loop 0 50 $T/aud/u0
stop_daemon
w=$(grep '"type":"access"' $LOG | grep -F "\"path\":\"$T/aud/denied\"," | grep -c '"would_deny":true')
echo "monitor run: would-deny records $w, folded in the kernel $(stop_ctr folds)"
assert_eq "would-deny records of the denied open" 5 "$w"
assert_eq "access records of 50 audited opens in monitor mode" 1 "$(acc $T/aud/u0 | grep -c .)"
echo "fold open ok"
