# The daemon records an executable map's first sighting and counts its
# repeats; the kernel counts them itself (folds) once an allowed map was
# sent, and the summaries take the kernel's counts. The trail must still
# hold every allowed map (access records plus summary counts, through a stop)
# and every refusal, and anything that could change the verdict must be
# judged again at the next map: new content, an open writer, a new inode by
# the same name, an allowlist reload. With --log-all nothing is folded.
. /opt/ig/tests/lib.sh
need_bpf_lsm
S=/tmp/fold-state LOG=/tmp/fold-audit.log D=/tmp/fold
rm -rf $D $S $LOG && mkdir -p $D
cp /opt/ig/bin/hello $D/lib
hello_sha=$(host_sha256 /opt/ig/bin/hello)
[ -n "$hello_sha" ] || fail "no host digest for hello"
make_allowlist /tmp/alf.json 1

start_daemon() {
	$IG run --mode enforce --allowlist /tmp/alf.json --trust $PUB --state-dir $S \
		--audit-log $LOG --pidfile /tmp/fold.pid --summary-interval 2 "$@" 2>/tmp/fold-run.err &
	daemon=$!
	wait_ready /tmp/fold.pid $daemon || { daemon_diag /tmp/fold-run.err; fail "the daemon never became ready"; }
}
stop_daemon() {
	kill -TERM $daemon
	wait $daemon || { cat /tmp/fold-run.err; fail "daemon exited non-zero"; }
	daemon=
}
trap '[ -n "$daemon" ] && kill $daemon 2>/dev/null' EXIT

allowed=0
maps_ok() {
	out=$(mmapx "$1") || fail "executable map of $1 refused: $out"
	allowed=$((allowed + 1))
}
maps_refused() {
	if out=$(mmapx "$1"); then fail "executable map of $1 allowed: $2"; fi
	[ "$out" = "err EPERM mmap" ] || fail "map of $1: expected EPERM ($2), got: $out"
}
# Allowed maps of PATH the trail holds: access records plus summary counts.
trail_maps() {
	a=$(grep '"type":"access"' $LOG | grep '"hook":"mmap"' | grep '"decision":"allow"' |
		grep -c "\"path\":\"$1\"")
	r=$(grep '"type":"summary"' $LOG |
		grep -o "{\"hook\":\"mmap\",\"path\":\"$1\",\"digest\":\"sha256:[0-9a-f]*\",\"count\":[0-9]*}" |
		sed 's/.*"count":\([0-9]*\)}$/\1/' | awk '{ s += $1 } END { print s + 0 }')
	echo $((a + r))
}
denies() {
	grep '"type":"access"' $LOG | grep '"hook":"mmap"' | grep '"decision":"deny"' |
		grep -c "\"path\":\"$1\""
}
stop_ctr() { grep '"type":"stop"' $LOG | tail -n 1 | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }

start_daemon
grep -q "repeated maps are sent one by one" /tmp/fold-run.err && fail "folding is off: $(cat /tmp/fold-run.err)"

# Repeats of one allowed map: folded, and every one counted in a summary.
for i in $(seq 30); do maps_ok $D/lib; done
wait_grep "\"path\":\"$D/lib\",\"digest\":\"sha256:$hello_sha\",\"count\":" $LOG ||
	fail "no summary counts the repeated maps of $D/lib"

# status shows the kernel's count (written every second).
n=0
until $IG status --state-dir $S --pin-dir /sys/fs/bpf/none --prometheus |
	grep -q '^imaguard_folded_maps_total [1-9]'; do
	n=$((n + 1)); [ $n -gt 50 ] && fail "status shows no folded maps"; sleep 0.2
done
$IG status --state-dir $S --pin-dir /sys/fs/bpf/none | grep -q 'repeated maps counted in the kernel [1-9]' ||
	fail "status text shows no folded maps"

# New content by the same inode: judged again and refused.
printf 'x' >>$D/lib
maps_refused $D/lib "appended to"
cp /opt/ig/bin/hello $D/lib
maps_ok $D/lib; maps_ok $D/lib; maps_ok $D/lib
# An open writer: the content may change under the map, never folded.
exec 3>>$D/lib
maps_refused $D/lib "open for writing"
exec 3>&-
maps_ok $D/lib; maps_ok $D/lib; maps_ok $D/lib
# Another inode moved over the name.
cp /opt/ig/bin/hello $D/new && printf 'x' >>$D/new && mv $D/new $D/lib
maps_refused $D/lib "replaced by an unlisted file"
cp /opt/ig/bin/hello $D/new && mv $D/new $D/lib
for i in $(seq 5); do maps_ok $D/lib; done

# The allowlist reloaded without the file's digest: refused at the next map.
make_allowlist /tmp/alf.json 2 "$hello_sha"
kill -HUP $daemon
wait_grep '"type":"reload"' $LOG || fail "no reload record"
grep '"type":"reload"' $LOG | tail -n 1 | grep -q '"ok":true' || fail "reload failed: $(cat /tmp/fold-run.err)"
maps_refused $D/lib "left out of the reloaded allowlist"
make_allowlist /tmp/alf.json 3
kill -HUP $daemon
n=0; while [ "$(grep -c '"type":"reload"' $LOG)" -lt 2 ] && [ $n -lt 150 ]; do sleep 0.2; n=$((n+1)); done
grep '"type":"reload"' $LOG | tail -n 1 | grep -q '"ok":true' || fail "second reload failed"
for i in $(seq 5); do maps_ok $D/lib; done

stop_daemon
$IG audit verify $LOG || fail "audit trail does not verify"
folds=$(stop_ctr folds)
echo "allowed maps $allowed, in the trail $(trail_maps $D/lib), folded in the kernel $folds"
assert_eq "allowed maps in the trail" $allowed "$(trail_maps $D/lib)"
assert_eq "refused maps in the trail" 4 "$(denies $D/lib)"
# The first 30 alone leave at least 20 to fold (the first two are sent; a
# rename anywhere, the daemon's own status file among them, sends one more).
[ "${folds:-0}" -ge 20 ] || fail "only ${folds:-0} maps folded in the kernel"
acc=$(grep '"type":"access"' $LOG | grep '"hook":"mmap"' | grep '"decision":"allow"' |
	grep -c "\"path\":\"$D/lib\"")
assert_eq "access records of the allowed maps (the first sighting)" 1 "$acc"

# --log-all: every map is its own record; nothing is folded.
rm -f $LOG
start_daemon --log-all
for i in $(seq 8); do mmapx $D/lib >/dev/null || fail "map refused under --log-all"; done
stop_daemon
acc=$(grep '"type":"access"' $LOG | grep '"hook":"mmap"' | grep -c "\"path\":\"$D/lib\"")
assert_eq "access records under --log-all" 8 "$acc"
assert_eq "folds under --log-all" 0 "$(stop_ctr folds)"
echo "fold ok"
