# The audit trail as the daemon itself writes it, kept for the host's tests
# of report, allowlist propose and audit ecs (tests/data/auditlog/, rewritten
# by `make testdata-auditlog`). Two runs of `imaguard run`, monitor and
# enforce, each with a listed library mapped many times from a path only
# this test uses (one access record, the rest as summary repeats), a listed
# program, an unlisted one, a reload and a stop. Each log must verify, start
# with format 2 and write every digest, in summaries too, as sha256:<hex>.
# The daemon's ECS copy (--ecs-log) must be exactly what `audit ecs` makes
# of the trail. A third run, monitor again, runs MANY_PROGS programs the
# list does not hold, each its own copy of true with its own digest, a
# different number of times each: many-sources.log, the log on which the
# report's screenshot test lays out 30 allowlist sources. The logs, the
# allowlists in force and what the test did (scenario.env) are handed to
# the host with export_file.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

LIBDIR=/lib/x86_64-linux-gnu
[ -e $LIBDIR/libc.so.6 ] || skip "no libc in the guest: $(ls $LIBDIR)"
CAP=$EXT4/capture
rm -rf $CAP && mkdir -p $CAP/lib
# The same bytes as the shipped libc (listed by digest), under a name no
# other program maps: its count is exactly this test's runs.
cp $LIBDIR/libc.so.6 $CAP/lib/libc.so.6
ext4_unlisted /usr/bin/true $CAP/unlisted-true
sync
hello=$EXT4/bin/hello
hello_d=$(host_sha256 $hello)
libc_d=$(sha256sum $CAP/lib/libc.so.6 | cut -d' ' -f1)
unl_d=$(sha256sum $CAP/unlisted-true | cut -d' ' -f1)
true_d=$(sha256sum /usr/bin/true | cut -d' ' -f1)

MON_LIB_RUNS=9 MON_HELLO_RUNS=3 MON_UNLISTED_RUNS=2 MON_HELLO_AFTER=2
ENF_LIB_RUNS=6 ENF_HELLO_RUNS=2 ENF_UNLISTED_RUNS=2

# capture MODE: one daemon run; what it does is the same in either mode,
# with what enforce refuses expected to fail.
capture() {
	mode=$1 S=/tmp/cap-state-$1 LOG=/tmp/cap-$1.log
	ECS=/tmp/cap-$1.ecs
	rm -rf $S $LOG $ECS
	make_allowlist /tmp/cap-$mode-1.json 1 "$hello_d"
	$IG run --mode $mode --allowlist /tmp/cap-$mode-1.json --trust $PUB --state-dir $S \
		--audit-log $LOG --ecs-log $ECS --summary-interval 1 --pidfile /tmp/cap.pid 2>/tmp/cap.err &
	daemon=$!
	trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null' EXIT
	wait_ready /tmp/cap.pid $daemon || { daemon_diag /tmp/cap.err $S; fail "$mode: not ready"; }
	if [ $mode = monitor ]; then lib=$MON_LIB_RUNS hr=$MON_HELLO_RUNS ur=$MON_UNLISTED_RUNS
	else lib=$ENF_LIB_RUNS hr=$ENF_HELLO_RUNS ur=$ENF_UNLISTED_RUNS; fi
	i=0
	while [ $i -lt $lib ]; do
		LD_LIBRARY_PATH=$CAP/lib /usr/bin/true || fail "$mode: listed true with the listed libc copy refused"
		i=$((i + 1))
		# spread over more than one summary period
		[ $i -ne 4 ] || sleep 2
	done
	i=0
	while [ $i -lt $hr ]; do
		if $hello >/dev/null 2>&1; then r=ran; else r=refused; fi
		[ $mode = monitor ] && [ $r = refused ] && fail "monitor: unlisted hello refused"
		[ $mode = enforce ] && [ $r = ran ] && fail "enforce: unlisted hello ran"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt $ur ]; do
		if $CAP/unlisted-true 2>/tmp/cap.uerr; then r=ran; else r=refused; fi
		[ $mode = monitor ] && [ $r = refused ] && fail "monitor: unlisted true refused: $(cat /tmp/cap.uerr; ls -l $CAP; tail -n 3 $LOG)"
		[ $mode = enforce ] && [ $r = ran ] && fail "enforce: unlisted true ran"
		i=$((i + 1))
	done
	sleep 2
	# A reload to a list that has hello; then hello runs as listed.
	[ $mode = enforce ] || export_file /tmp/cap-$mode-1.json allowlist-1.json
	make_allowlist /tmp/cap-$mode-2.json 2
	cp /tmp/cap-$mode-2.json /tmp/cap-$mode-1.json
	cp /tmp/cap-$mode-2.json.sig /tmp/cap-$mode-1.json.sig
	kill -HUP $daemon
	wait_grep '"type":"reload"' $LOG || fail "$mode: no reload record"
	grep '"type":"reload"' $LOG | grep -q '"ok":true' || fail "$mode: reload failed: $(cat /tmp/cap.err)"
	i=0
	while [ $i -lt $MON_HELLO_AFTER ]; do
		$hello >/dev/null || fail "$mode: hello refused once listed"
		i=$((i + 1))
	done
	kill -TERM $daemon
	wait $daemon || fail "$mode: the daemon exited non-zero: $(cat /tmp/cap.err)"
	trap - EXIT
	$IG audit verify $LOG || fail "$mode: the trail does not verify"
	head -n 1 $LOG | grep -q '"type":"start",.*"format":2,' || fail "$mode: start without format 2"
	tail -n 1 $LOG | grep -q '"type":"stop"' || fail "$mode: last record is not stop"
	grep -q '"type":"summary"' $LOG || fail "$mode: no summary record"
	grep '"type":"summary"' $LOG | grep -q "\"path\":\"$CAP/lib/libc.so.6\",\"digest\":\"sha256:$libc_d\"" ||
		fail "$mode: the libc copy's repeats are not in a summary with a sha256: digest"
	if grep '"type":"summary"' $LOG | grep -q '"digest":"[0-9a-f]\{64\}"\|"digest":""'; then
		fail "$mode: a summary digest in format 1's form"
	fi
	# every sighting of the libc copy: its access record plus the repeats
	n=$(grep -c "\"type\":\"access\".*\"path\":\"$CAP/lib/libc.so.6\"" $LOG || true)
	n=$((n + $(grep '"type":"summary"' $LOG | grep -o "\"path\":\"$CAP/lib/libc.so.6\",[^}]*\"count\":[0-9]*" |
		sed 's/.*"count"://' | awk '{ s += $1 } END { print s + 0 }')))
	assert_eq "$mode: sightings of the libc copy" $lib $n
	$IG audit ecs -o /tmp/cap-conv.ecs $LOG || fail "$mode: audit ecs refused the trail"
	cmp $ECS /tmp/cap-conv.ecs || fail "$mode: the daemon's ECS copy differs from audit ecs of its trail"
	assert_eq "$mode: ECS documents" "$(wc -l </tmp/cap-conv.ecs)" "$(wc -l <$ECS)"
	export_file $LOG $mode.log
	[ $mode = enforce ] || export_file /tmp/cap-$mode-2.json allowlist-2.json
}

capture monitor
capture enforce

# many: one monitor run of MANY_PROGS distinct programs, program i run
# 1 + i % 3 times, so that the sources they are listed under differ in runs.
MANY_PROGS=16
many() {
	S=/tmp/cap-state-many LOG=/tmp/cap-many.log
	rm -rf $S $LOG $CAP/many
	i=0
	while [ $i -lt $MANY_PROGS ]; do
		ext4_unlisted /usr/bin/true $CAP/many/prog-$i
		printf '%s\n' $i >>$CAP/many/prog-$i
		i=$((i + 1))
	done
	sync
	make_allowlist /tmp/cap-many.json 1
	$IG run --mode monitor --allowlist /tmp/cap-many.json --trust $PUB --state-dir $S \
		--audit-log $LOG --summary-interval 1 --pidfile /tmp/cap.pid 2>/tmp/cap.err &
	daemon=$!
	trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null' EXIT
	wait_ready /tmp/cap.pid $daemon || { daemon_diag /tmp/cap.err $S; fail "many: not ready"; }
	i=0 runs=0
	while [ $i -lt $MANY_PROGS ]; do
		k=0
		while [ $k -le $((i % 3)) ]; do
			$CAP/many/prog-$i || fail "many: prog-$i refused in monitor mode"
			k=$((k + 1)) runs=$((runs + 1))
		done
		i=$((i + 1))
	done
	sleep 2
	kill -TERM $daemon
	wait $daemon || fail "many: the daemon exited non-zero: $(cat /tmp/cap.err)"
	trap - EXIT
	$IG audit verify $LOG || fail "many: the trail does not verify"
	# each program: its access record, and its runs in all (the exec
	# hook's sightings; loading the program maps it too)
	i=0
	while [ $i -lt $MANY_PROGS ]; do
		d=$(sha256sum $CAP/many/prog-$i | cut -d' ' -f1)
		grep '"type":"access"' $LOG | grep "\"path\":\"$CAP/many/prog-$i\"" |
			grep -q "\"digest\":\"sha256:$d\"" || fail "many: no access record of prog-$i"
		i=$((i + 1))
	done
	n=$(grep -c "\"type\":\"access\".*\"hook\":\"exec\".*\"path\":\"$CAP/many/prog-" $LOG || true)
	n=$((n + $(grep '"type":"summary"' $LOG | grep -o "\"hook\":\"exec\",\"path\":\"$CAP/many/prog-[0-9]*\",[^}]*\"count\":[0-9]*" |
		sed 's/.*"count"://' | awk '{ s += $1 } END { print s + 0 }')))
	assert_eq "many: runs of the programs" $runs $n
	export_file $LOG many-sources.log
}
many

cat >/tmp/scenario.env <<EOF
# What t_auditlog_capture.sh did in the guest that wrote monitor.log, enforce.log
# and many-sources.log.
KERNEL=$(uname -r)
LIBC_PATH=$CAP/lib/libc.so.6
LIBC_DIGEST=$libc_d
TRUE_DIGEST=$true_d
HELLO_PATH=$hello
HELLO_DIGEST=$hello_d
UNLISTED_PATH=$CAP/unlisted-true
UNLISTED_DIGEST=$unl_d
MON_LIB_RUNS=$MON_LIB_RUNS
MON_HELLO_RUNS=$MON_HELLO_RUNS
MON_UNLISTED_RUNS=$MON_UNLISTED_RUNS
ENF_LIB_RUNS=$ENF_LIB_RUNS
ENF_HELLO_RUNS=$ENF_HELLO_RUNS
ENF_UNLISTED_RUNS=$ENF_UNLISTED_RUNS
HELLO_AFTER_RELOAD=$MON_HELLO_AFTER
MANY_DIR=$CAP/many
MANY_PROGS=$MANY_PROGS
EOF
export_file /tmp/scenario.env scenario.env
echo "auditlog capture ok"
