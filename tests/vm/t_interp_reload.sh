# Interpreters and code extensions are part of the policy: a reload swaps
# them with the rules and the allowlist in one flip, or not at all.
#
#   race     reloads in a loop (1000 interpreter digests named before perl)
#            while perl requires an unlisted module in a loop: no run of
#            the module. Refilling the set in place left a window in which
#            perl's exec was not recognised and the module ran.
#   failed   a reload whose allowlist signature does not verify, and one
#            whose rules do not parse, keep the interpreters and extensions:
#            perl still has the unlisted module refused, and a file with an
#            extension the old policy does not list still runs
#   whole    a reload that drops perl and adds the extension "inc" takes
#            effect whole: the module runs, the .inc script is refused
#
# Every record of a refused module names perl by digest (interp_sha256).
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4
PERL=/usr/bin/perl
[ -x $PERL ] || skip "no perl in the guest"
S=/tmp/ig-state-interprl D=$EXT4/interprl LOG=/tmp/interprl.log
RA=/tmp/interprl-a.rules RB=/tmp/interprl-b.rules
rm -rf $D $S /tmp/interprl.pid $LOG
mkdir -p $D
printf 'print "MOD-EVIL\\n"; 1;\n' >$D/EvilMod.pm
printf 'echo INC-RAN\n' >$D/evil.inc
sync
perl_digest=$(sha256sum $PERL | cut -d' ' -f1)
make_allowlist /tmp/interprl.json 1

# Policy A: busybox and perl, perl after 1000 digests of no program (each
# refill of the set in place took long enough to be met), default
# extensions (pm, sh; not inc). Policy B: busybox only, extensions with inc.
awk -v perl=$PERL 'BEGIN {
	printf "{\"format\":\"imaguard-rules/1\",\"rules\":[],\"default_interpreters\":false,"
	printf "\"interpreters\":[\"/bin/busybox\""
	for (i = 1; i <= 1000; i++)
		printf ",\"sha256:%064x\"", i
	printf ",\"%s\"]}\n", perl
}' >$RA
printf '{"format":"imaguard-rules/1","rules":[],"default_interpreters":false,"interpreters":["/bin/busybox"],"script_extensions":["sh","pm","pl","inc"]}\n' >$RB
cp $RA /tmp/interprl.rules

$IG run --mode enforce --allowlist /tmp/interprl.json --trust $PUB --state-dir $S \
	--rules /tmp/interprl.rules --audit-log $LOG --pidfile /tmp/interprl.pid \
	2>/tmp/interprl.err &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null' EXIT
wait_ready /tmp/interprl.pid $daemon || { daemon_diag /tmp/interprl.err $S; fail "not ready"; }
grep -q '1002 interpreters' /tmp/interprl.err || fail "policy A's interpreters were not loaded"

# mod_runs: 0 when perl's require of the unlisted module was refused
mod_runs() { $PERL -I$D -e 'require EvilMod' 2>/dev/null | grep -c MOD-EVIL; }

out=$(mod_runs) || true
assert_eq "unlisted module runs under policy A" 0 "$out"
out=$(sh $D/evil.inc 2>&1) || fail "a .inc file was judged under policy A: $out"
assert_eq ".inc under policy A (not code)" INC-RAN "$out"

# reloads_ok: reloads recorded as in force; reloads_wait N: until N are
reloads_ok() { grep '"type":"reload"' $LOG | grep -c '"ok":true' || true; }
reloads_wait() {
	n=0
	while [ "$(reloads_ok)" -lt "$1" ]; do
		n=$((n + 1))
		[ $n -gt 600 ] && return 1
		sleep 0.1
	done
}

# ---- race: reloads of the same policy while perl requires in a loop
(
	i=0
	while [ ! -e /tmp/interprl.stop ]; do
		i=$((i + 1))
		kill -HUP $daemon
		reloads_wait $i || break
	done
) &
hup=$!
ran=0 runs=0
while [ $runs -lt 150 ]; do
	n=$(mod_runs) || true
	ran=$((ran + n)) runs=$((runs + 1))
done
touch /tmp/interprl.stop
wait $hup
rm -f /tmp/interprl.stop
reloads=$(reloads_ok)
echo "race: $ran runs of the unlisted module in $runs tries across $reloads reloads"
[ "$reloads" -ge 3 ] || fail "only $reloads reloads during the race"
assert_eq "unlisted module runs during reloads" 0 "$ran"

# ---- failed reloads keep policy A whole
ok_before=$(reloads_ok)
# reloads_failed N: until N reloads are recorded as refused
reloads_failed() {
	n=0
	while [ "$(grep '"type":"reload"' $LOG | grep -c '"ok":false' || true)" -lt "$1" ]; do
		n=$((n + 1))
		[ $n -gt 600 ] && return 1
		sleep 0.1
	done
}
cp /tmp/interprl.json /tmp/interprl.good
sed 's/"serial":1,/"serial":2,/' /tmp/interprl.good >/tmp/interprl.json	# signature no longer verifies
cp $RB /tmp/interprl.rules
kill -HUP $daemon
reloads_failed 1 || fail "a reload with a bad signature was not refused"
cp /tmp/interprl.good /tmp/interprl.json
printf '{"format":"imaguard-rules/1","rules":[' >/tmp/interprl.rules	# does not parse
kill -HUP $daemon
reloads_failed 2 || fail "a reload with bad rules was not refused"
grep '"type":"reload"' $LOG | grep '"ok":false'
assert_eq "reloads that took effect" "$ok_before" "$(reloads_ok)"
out=$(mod_runs) || true
assert_eq "unlisted module runs after failed reloads" 0 "$out"
out=$(sh $D/evil.inc 2>&1) || fail "a .inc file was judged after failed reloads: $out"
assert_eq ".inc after failed reloads (policy A: not code)" INC-RAN "$out"

# ---- policy B: perl dropped, inc added, in one flip
cp $RB /tmp/interprl.rules
kill -HUP $daemon
reloads_wait $((ok_before + 1)) || fail "policy B never took effect"
out=$($PERL -I$D -e 'require EvilMod' 2>&1) || fail "perl, no interpreter under B, refused: $out"
assert_eq "module under policy B (perl not an interpreter)" MOD-EVIL "$out"
out=$(sh $D/evil.inc 2>&1) || true
echo "sh evil.inc under B: $out"
case $out in *INC-RAN*) fail "an unlisted .inc script ran under policy B" ;; esac
wait_grep "\"path\":\"$D/evil.inc\"" $LOG || fail "no record of the .inc refusal"
grep '"hook":"script"' $LOG | grep "\"path\":\"$D/evil.inc\"" | grep -q '"decision":"deny"' ||
	fail "the .inc record is not a deny"

# ---- the records name perl by digest
recs=$(grep '"hook":"script"' $LOG | grep -c "\"path\":\"$D/EvilMod.pm\"") || true
[ "$recs" -ge 1 ] || fail "no record of the refused module"
bad=$(grep '"hook":"script"' $LOG | grep "\"path\":\"$D/EvilMod.pm\"" |
	grep -vc "\"interp_sha256\":\"sha256:$perl_digest\"") || true
grep '"hook":"script"' $LOG | grep "\"path\":\"$D/EvilMod.pm\"" | head -n 1
assert_eq "module records not naming perl's digest (of $recs)" 0 "$bad"
inc=$(grep '"hook":"script"' $LOG | grep "\"path\":\"$D/evil.inc\"" | head -n 1)
busybox_digest=$(sha256sum /bin/busybox | cut -d' ' -f1)
echo "$inc" | grep -q "\"interp_sha256\":\"sha256:$busybox_digest\"" ||
	fail "the .inc record does not name busybox by digest"
echo "interp reload ok"
