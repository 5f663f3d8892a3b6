# Reloads never open a window: while SIGHUPs swap allowlists (each keeping
# /usr/bin/true listed and hello unlisted), execs in a loop never see a
# listed program refused or an unlisted one allowed.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4
S=/tmp/ig-state-reload LOG=/tmp/reload.log
hello=$EXT4/bin/hello
unlisted=$(host_sha256 $hello)
make_allowlist /tmp/rl.json 1 "$unlisted"
$IG run --mode enforce --allowlist /tmp/rl.json --trust $PUB --state-dir $S \
	--audit-log $LOG --pidfile /tmp/reload.pid 2>/tmp/reload.err &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null' EXIT
wait_ready /tmp/reload.pid $daemon || { daemon_diag /tmp/reload.err $S; fail "not ready"; }

bad=0 rounds=0
for serial in 2 3 4 5 6; do
	make_allowlist /tmp/rl.json $serial "$unlisted"
	kill -HUP $daemon
	i=0
	while [ $i -lt 15 ]; do
		/usr/bin/true || { echo "listed refused during reload to serial $serial"; bad=$((bad + 1)); }
		if $hello >/dev/null 2>&1; then echo "unlisted ran during reload to serial $serial"; bad=$((bad + 1)); fi
		i=$((i + 1)) rounds=$((rounds + 1))
	done
done
wait_grep '"allowlist_serial":6,' $LOG || fail "the last reload never took effect"
assert_eq "reloads recorded ok" 5 "$(grep '"type":"reload"' $LOG | grep -c '"ok":true')"
assert_eq "wrong decisions in $rounds rounds" 0 "$bad"
