# Adoption takes only a chain of this build's programs. igtest (this build)
# pins its chain, unguarded; a daemon then adopts it (and finds the policy
# slot flipped behind it, once, in status and the counter). With one link's fd
# first made to name a link running another program (--tamper-fault prog:
# guard-rename's link runs guard-umount), the same adoption is refused with
# an error naming that link, and the pinned chain is left as it was.
. /opt/ig/tests/lib.sh
need_bpf_lsm
S=/tmp/ig-state-adopt P=/sys/fs/bpf/igadopt LOG=/tmp/adopt.log
make_allowlist /tmp/ad.json 1
daemon=
cleanup() {
	igtest_cleanup
	[ -z "$daemon" ] || kill $daemon 2>/dev/null || true
	$IG stop --state-dir $S --pin-dir $P >/dev/null 2>&1 || true
	rm -rf $P
}
trap cleanup EXIT

# pin_chain [IGTEST OPTIONS...]: igtest pins its chain under $P and exits.
pin_chain() {
	igtest_start --mode monitor --pin $P "$@"
	trap cleanup EXIT # igtest_start set its own
	wait_grep "igtest: pinned at $P:" $IGT_ERR 30 || fail "igtest did not pin"
	grep "igtest: pinned at $P: ok" $IGT_ERR || { cat $IGT_ERR; fail "igtest could not pin"; }
	igtest_stop
	[ -e $P/link-exec-emit ] || fail "the pins did not outlive igtest"
}
run_daemon() {
	rm -f /tmp/ad.pid
	$IG run --mode monitor --allowlist /tmp/ad.json --trust $PUB --state-dir $S \
		--audit-log $LOG --pidfile /tmp/ad.pid --pin-dir $P 2>/tmp/ad.err &
	daemon=$!
}

# This build's chain, as pinned: adopted.
pin_chain
run_daemon
wait_ready /tmp/ad.pid $daemon || { daemon_diag /tmp/ad.err $S; fail "the daemon did not adopt this build's chain"; }
grep '"type":"start"' $LOG | tail -n 1 | grep -q '"adopted":true' || fail "the daemon started without adopting"
echo "this build's chain: adopted"

# The daemon's own check every poll. igtest recorded no executable, so the
# guard refuses no one and root can still write the adopted chain's .bss:
# ig_policy (its second word) flipped behind the daemon is found, once, and
# shown by status and the Prometheus counter.
bss=$(bpftool -j map lookup pinned $P/map-bss key 0 0 0 0 |
	sed 's/.*"value":\[\([^]]*\)\].*/\1/' | tr ',"' ' ' | sed 's/0x//g')
set -- $bss
[ $# -ge 8 ] || fail "cannot read the .bss: '$bss'"
b=$5
new="$1 $2 $3 $4 ${b%?}$(echo ${b#?} | tr 0123456789abcdef 1032547698badcfe)"
shift 5
bpftool map update pinned $P/map-bss key 0 0 0 0 value hex $new $* ||
	fail "cannot write the .bss of an unguarded chain"
wait_grep '"what":"policy-changed"' $LOG 10 || fail "the daemon did not find the policy flipped"
sleep 4 # four checks more while the change stays
grep '"type":"tamper"' $LOG
nk=$(grep '"type":"tamper"' $LOG | grep '"action":"found"' | grep -c '"what":"policy-changed"' || true)
[ "$nk" -eq 1 ] || fail "$nk policy-changed records, not one"
n=0
until $IG status --state-dir $S --pin-dir $P >/tmp/ad.status && grep -q '1 found by the daemon' /tmp/ad.status; do
	n=$((n + 1))
	[ $n -lt 25 ] || { cat /tmp/ad.status; fail "status shows no change found"; }
	sleep 0.2
done
grep '^tamper:' /tmp/ad.status
$IG status --prometheus --state-dir $S --pin-dir $P | grep '^imaguard_tamper_total' | tee /tmp/ad.prom
[ "$(awk '{ print $2 }' /tmp/ad.prom)" -ge 1 ] || fail "imaguard_tamper_total does not count it"
$IG stop --state-dir $S --pin-dir $P || fail "stop failed"
wait $daemon 2>/dev/null || true
daemon=
[ ! -e $P ] || fail "pins left behind after stop: $(ls $P)"

# One link running another program: refused, with the reason.
pin_chain --tamper-fault prog
grep "igtest: tamper fault prog: applied" $IGT_ERR || { cat $IGT_ERR; fail "the prog fault failed"; }
run_daemon
if wait_ready /tmp/ad.pid $daemon; then fail "the daemon adopted a chain running another program"; fi
wait $daemon && rc=0 || rc=$?
daemon=
cat /tmp/ad.err
[ $rc -ne 0 ] || fail "the daemon exited 0 on a chain it refused"
grep -q "runs programs this build did not make.*'guard-rename'" /tmp/ad.err ||
	fail "the refusal does not say why"
[ -e $P/link-guard-rename ] && [ -e $P/link-exec-emit ] || fail "the refused chain's pins were touched"
echo "tamper_adopt ok"
