# Interpreters that once ran with no mark, so that the scripts they read
# went unjudged:
# (a) an interpreter exec'd under a path allow rule: the rule decides the
#     exec, but the chain still takes its digest (from the cache or
#     measured) for the mark, so a script it reads is judged; the exec's
#     event stays rule-allow and now carries the digest;
# (b) an interpreter started before the chain was attached: the loader
#     marks it after the attach (the digest of /proc/PID/exe), so a script
#     it sources afterwards is judged.
# In both cases the listed script still runs and the unlisted one is
# refused in enforce mode with a script event.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

D=$EXT4/interpum
rm -rf $D
mkdir -p $D/rule
printf 'echo LISTED-RAN\n' >$D/listed.sh
printf 'echo EVIL-RAN\n' >$D/evil.sh
cp /bin/busybox $D/rule/busybox		# a copy of the interpreter, same digest
sync
digest() { sha256sum "$1" | cut -d' ' -f1; }
bb_digest=$(digest /bin/busybox)
allow_all_but /tmp/interpum.allow
digest $D/listed.sh >>/tmp/interpum.allow
# IMA (tcb) measures these reads by root: what a file_open-only kernel (6.1)
# needs to judge a script by digest.
cat $D/listed.sh $D/evil.sh >/dev/null

# ---- the attack without the enforcer: both run the unlisted script
out=$($D/rule/busybox sh $D/evil.sh 2>&1)
assert_eq "unlisted script without the enforcer" EVIL-RAN "$out"

# (b)'s shell: a busybox sh started before the chain is attached, reading
# its commands from a FIFO held open by this shell (fd 7)
mkfifo $D/cmd
sh -s <$D/cmd >$D/early.out 2>&1 &
early=$!
exec 7>$D/cmd
echo 'echo EARLY-UP' >&7
n=0
until grep -q EARLY-UP $D/early.out; do
	n=$((n + 1))
	[ $n -le 150 ] || fail "the early shell did not answer"
	bsleep 0.2
done

# early_run CMD MARK: CMD run by the early shell in a subshell (a refused
# `.` ends only the subshell), then MARK echoed; prints what CMD printed.
early_run() {
	: >$D/early.out
	echo "( $1 ); echo $2" >&7
	n=0
	until grep -q "^$2\$" $D/early.out; do
		n=$((n + 1))
		[ $n -le 150 ] || fail "the early shell did not finish '$1'"
		bsleep 0.2
	done
	grep -v "^$2\$" $D/early.out || true
}

script_ev() { ev '"hook":"script"' "$(ev_path "$1")"; }

IGT_READY_S=400
igtest_start --mode enforce --allow /tmp/interpum.allow --interp /bin/busybox \
	--rule "allow:$D/rule/"
cat $IGT_ERR
grep 'interpreters marked' $IGT_ERR || true

# ---- (a) the copy under the allow rule
out=$($D/rule/busybox sh $D/evil.sh 2>&1) || true
echo "rule-allowed busybox sh evil.sh: $out"
case $out in *EVIL-RAN*) fail "unlisted script ran under a rule-allowed interpreter" ;; esac
wait_ev 30 '"hook":"script"' "$(ev_path $D/evil.sh)" '"decision":"deny"' ||
	fail "no script deny event for evil.sh read by the rule-allowed interpreter"
out=$($D/rule/busybox sh $D/listed.sh 2>&1) || fail "listed script refused: $out"
assert_eq "listed script under the rule-allowed interpreter" LISTED-RAN "$out"
line=$(ev '"hook":"exec"' "$(ev_path $D/rule/busybox)" | head -n 1)
echo "$line"
echo "$line" | grep -q '"reason":"rule-allow"' || fail "the exec is no longer decided by its rule"
echo "$line" | grep -q '"decision":"allow"' || fail "the rule-allowed exec was refused"
assert_eq "the rule-allowed exec's digest" "sha256:$bb_digest" "$(echo "$line" | ev_get digest)"

# ---- (b) the shell started before the attach
out=$(early_run ". $D/evil.sh" EARLY-DONE1)
echo "early shell, . evil.sh: $out"
case $out in *EVIL-RAN*) fail "a shell started before the attach sourced an unlisted script" ;; esac
wait_ev 30 '"hook":"script"' "$(ev_path $D/evil.sh)" '"decision":"deny"' "\"pid\":$early," ||
	wait_ev 30 '"hook":"script"' "$(ev_path $D/evil.sh)" '"decision":"deny"' "\"ppid\":$early," ||
	fail "no script deny event for evil.sh sourced by the early shell"
out=$(early_run ". $D/listed.sh" EARLY-DONE2)
assert_eq "listed script sourced by the early shell" LISTED-RAN "$out"
igtest_stop
exec 7>&-
wait $early 2>/dev/null || true
echo "interp unmarked ok"
