# Opens are skipped at once while no rule in force names the open hook
# (ig_rule_hooks). A reload that brings the first open rule must bring its
# records with it, and one that takes the last away must end them.
. /opt/ig/tests/lib.sh
need_bpf_lsm
S=/tmp/ig-state-rh LOG=/tmp/rh.log R=/tmp/rh.rules W=/tmp/rh/w
rm -rf /tmp/rh $S $LOG && mkdir -p $W /tmp/rh/x
for f in f1 f2 f3; do printf 'data\n' >$W/$f; done
cp /usr/bin/true /tmp/rh/marker
printf 'data\n' >$W/f4
make_allowlist /tmp/rh.json 1

rules() { # rules HOOKS: an audit rule on $W for HOOKS, an exec rule elsewhere
	printf '{"format":"imaguard-rules/1","rules":[%s{"action":"audit","path":"/tmp/rh/x/","recursive":true,"hooks":["exec"]}]}\n' \
		"$1" >$R.tmp && mv $R.tmp $R
}
reloaded() { # reloaded N: until N reloads are recorded as ok
	n=0
	while [ "$(grep '"type":"reload"' $LOG 2>/dev/null | grep -c '"ok":true')" -lt "$1" ]; do
		n=$((n + 1)); [ $n -gt 150 ] && return 1; sleep 0.2
	done
}
opened() { grep '"hook":"open"' $LOG | grep -c "\"path\":\"$1\""; }
# open_seen: opens stage 1 looked at (walked or found remembered), from the
# status file the daemon rewrites every second: the first one written more
# than a second after now, so that it counts everything done before.
open_seen() {
	t=$(date +%s) n=0
	while :; do
		c=$($IG status --state-dir $S --pin-dir /sys/fs/bpf/none --json | tr -d ' \n')
		[ "$(ctr "$c" updated)" -gt $((t + 1)) ] && break
		n=$((n + 1)); [ $n -gt 150 ] && fail "the status file was not rewritten: $c"
		bsleep 0.2
	done
	echo $(($(ctr "$c" runs.open) + $(ctr "$c" open_skips)))
}

rules ''
$IG run --mode enforce --allowlist /tmp/rh.json --trust $PUB --state-dir $S --rules $R \
	--audit-log $LOG --pidfile /tmp/rh.pid 2>/tmp/rh.err &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null' EXIT
wait_ready /tmp/rh.pid $daemon || { daemon_diag /tmp/rh.err $S; fail "not ready"; }

# No open rule: nothing recorded (as without the hook set; the checks that
# tell the set apart are the records after a reload and open_seen below).
cat $W/f1 >/dev/null
# The first open rule comes with a reload: the next open is recorded.
rules "{\"action\":\"audit\",\"path\":\"$W/\",\"recursive\":true,\"hooks\":[\"open\"]},"
kill -HUP $daemon
reloaded 1 || fail "the reload adding an open rule was not recorded"
cat $W/f2 >/dev/null
wait_grep "\"path\":\"$W/f2\"" $LOG || fail "no open record after the open rule came"
assert_eq "records of the open made before any open rule" 0 "$(opened $W/f1)"

# The last open rule goes: opens are no longer recorded (a first exec of a
# new path, recorded after it, shows the log has caught up).
rules ''
kill -HUP $daemon
reloaded 2 || fail "the reload removing the open rule was not recorded"
cat $W/f3 >/dev/null
/tmp/rh/marker || fail "marker refused"
wait_grep '"path":"/tmp/rh/marker"' $LOG || fail "no record of the marker exec"
assert_eq "records of an open after the last open rule went" 0 "$(opened $W/f3)"
# Nor does stage 1 look at opens any more (a new file would be walked).
before=$(open_seen)
cat $W/f4 $W/f4 >/dev/null
after=$(open_seen)
assert_eq "opens looked at with no open rule in force ($before before)" 0 $((after - before))

# And back: an open rule again, recorded again.
rules "{\"action\":\"audit\",\"path\":\"$W/\",\"recursive\":true,\"hooks\":[\"open\"]},"
kill -HUP $daemon
reloaded 3 || fail "the third reload was not recorded"
cat $W/f3 >/dev/null
wait_grep "\"path\":\"$W/f3\"" $LOG || fail "no open record after the open rule came back"
echo "open records: f1 $(opened $W/f1), f2 $(opened $W/f2), f3 $(opened $W/f3)"
