# Stage 2 sleeps in bpf_ima_file_hash with the record stage 1 handed it: a
# kernel that skips an LSM program entered on a CPU where another task is
# still inside it (a recursion guard) would skip a stage of the second
# task. Every start probes for that guard (src/enforcer/recur.c) and loads
# no chain where it finds one. Here, where the kernel runs LSM programs
# unguarded, the chain starts (every test's igtest start shows it too); the
# same probe on a sleepable fentry program, which every kernel guards, must
# find the guard and make the start refuse, with a message that says why.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

allow_all_but /tmp/allow.reentry
igtest_start --mode enforce --allow /tmp/allow.reentry
grep -q 'chain attached in order' $IGT_ERR || fail "no chain attached: $(cat $IGT_ERR)"
out=$($EXT4/bin/hello) || fail "listed hello refused after the probe: $out"
igtest_stop

set +e
timeout 120 igtest --mode enforce --allow /tmp/allow.reentry --reentry-fault \
	--events /tmp/reentry.events --pidfile /tmp/reentry.pid >/tmp/reentry.out 2>&1
rc=$?
set -e
cat /tmp/reentry.out
[ $rc -ne 0 ] || fail "the chain started though the probe ran a guarded program"
[ $rc -ne 124 ] || fail "the probe hung (timeout)"
grep -q 'recursion guard' /tmp/reentry.out || fail "the refusal does not say why"
[ ! -e /tmp/reentry.pid ] || fail "a pidfile was written by a start that refused"
# nothing left attached: a listed program runs, with nothing to judge it
out=$($EXT4/bin/hello) || fail "hello refused after a refused start: $out"
echo "reentry ok"
