# Path rules: a recursive deny rule blocks a listed binary below its
# directory; an allow rule lets an unlisted binary run in its directory (and
# only there, not in a subdirectory of a non-recursive rule); an exact file
# rule beats its directory's rule; between equal paths deny beats allow; an
# audit rule with hooks=open records opens in its directory with the file's
# digest; opens anywhere else leave no event at all.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

hello=$EXT4/bin/hello
hd=$(host_sha256 $hello)
od=$(host_sha256 $EXT4/bin/openit)
[ -n "$hd" ] && [ -n "$od" ] || fail "no host digests"
r=$EXT4/rules
rm -rf $r && mkdir -p $r/deny/sub/deeper $r/allow/sub $r/tie $r/audit/sub $r/plain
cp $hello $r/deny/sub/deeper/hello			# listed, under a recursive deny
ext4_unlisted $hello $r/deny/sub/special		# unlisted, its own allow rule
ext4_unlisted $hello $r/allow/hello-u			# unlisted, allowed directory
ext4_unlisted $hello $r/allow/sub/hello-u		# unlisted, below a non-recursive rule
ext4_unlisted $hello $r/plain/hello-u			# unlisted, no rule
cp $hello $r/tie/hello					# listed, allow and deny on one directory
cp $EXT4/bin/openit $r/audit/openit.copy
printf 'audited data\n' >$r/audit/data.txt
printf 'not audited\n' >$r/audit/sub/child.txt
printf 'not watched\n' >$r/plain/data.txt
data_sum=$(sha256sum $r/audit/data.txt | cut -d' ' -f1)
# IMA measures a file that root reads (ima_policy=tcb); at file_open the
# file is not yet readable, so the kernel has a digest only for a file it
# measured before. Read them once so that the audited opens carry one.
cat $r/audit/openit.copy $r/audit/data.txt >/dev/null

allow_all_but /tmp/allow.rules
igtest_start --mode enforce --allow /tmp/allow.rules \
	--rule "deny:$r/deny/:r" \
	--rule "allow:$r/allow/" \
	--rule "audit:$r/audit/:hooks=open" \
	--rule "allow:$r/deny/sub/special" \
	--rule "allow:$r/tie/" \
	--rule "deny:$r/tie/"

# try PATH: execit PATH, sets rc, out, e (its exec event)
try() {
	execit $1 >/tmp/rules.out & p=$!
	wait $p && rc=0 || rc=$?
	out=$(cat /tmp/rules.out)
	wait_ev 30 '"hook":"exec"' "\"pid\":$p," "$(ev_path $1)" ||
		{ ev "\"pid\":$p,"; fail "no exec event for $1"; }
	e=$(ev '"hook":"exec"' "\"pid\":$p," "$(ev_path $1)")
	echo "$1: exit $rc: $out"
	echo "$e"
}

try $r/deny/sub/deeper/hello
assert_eq "recursive deny: execve" "err EPERM execve" "$out"
assert_eq "recursive deny: decision" deny "$(echo "$e" | ev_get decision)"
assert_eq "recursive deny: reason" rule-deny "$(echo "$e" | ev_get reason)"
assert_eq "recursive deny: rule" 0 "$(echo "$e" | ev_get rule)"

try $r/allow/hello-u
assert_eq "allow rule: exit status" 0 $rc
assert_eq "allow rule: output" hello "$out"
assert_eq "allow rule: decision" allow "$(echo "$e" | ev_get decision)"
assert_eq "allow rule: reason" rule-allow "$(echo "$e" | ev_get reason)"
assert_eq "allow rule: rule" 1 "$(echo "$e" | ev_get rule)"

try $r/allow/sub/hello-u
assert_eq "below a non-recursive allow rule: execve" "err EPERM execve" "$out"
assert_eq "below a non-recursive allow rule: reason" not-allowlisted "$(echo "$e" | ev_get reason)"
assert_eq "below a non-recursive allow rule: rule" -1 "$(echo "$e" | ev_get rule)"

try $r/plain/hello-u
assert_eq "same unlisted content, no rule: execve" "err EPERM execve" "$out"
assert_eq "same unlisted content, no rule: reason" not-allowlisted "$(echo "$e" | ev_get reason)"

try $r/deny/sub/special
assert_eq "exact file allow inside a denied tree: exit status" 0 $rc
assert_eq "exact file allow inside a denied tree: reason" rule-allow "$(echo "$e" | ev_get reason)"
assert_eq "exact file allow inside a denied tree: rule" 3 "$(echo "$e" | ev_get rule)"

try $r/tie/hello
assert_eq "allow and deny on one directory: execve" "err EPERM execve" "$out"
assert_eq "allow and deny on one directory: reason" rule-deny "$(echo "$e" | ev_get reason)"
assert_eq "allow and deny on one directory: rule" 5 "$(echo "$e" | ev_get rule)"

# Opens: audited in $r/audit/ only (not below it: the rule is not recursive).
openit $r/audit/openit.copy $r/audit/data.txt >/tmp/rules.out & p=$!
wait $p || { cat /tmp/rules.out; fail "openit failed"; }
openit /etc/passwd /opt/ig/SHA256SUMS $hello $r/plain/data.txt $r/audit/sub/child.txt \
	$r/allow/hello-u >/tmp/rules.out & q=$!
wait $q || { cat /tmp/rules.out; fail "openit failed"; }
ev_sync
ev '"hook":"open"'
e=$(ev '"hook":"open"' "\"pid\":$p," "$(ev_path $r/audit/openit.copy)")
assert_eq "audited open events of openit.copy" 1 "$(echo "$e" | grep -c .)"
assert_eq "audited open: decision" allow "$(echo "$e" | ev_get decision)"
assert_eq "audited open: reason" rule-audit "$(echo "$e" | ev_get reason)"
assert_eq "audited open: rule" 2 "$(echo "$e" | ev_get rule)"
assert_eq "audited open: digest = host sha256" "sha256:$od" "$(echo "$e" | ev_get digest)"
e=$(ev '"hook":"open"' "\"pid\":$p," "$(ev_path $r/audit/data.txt)")
assert_eq "audited open events of data.txt" 1 "$(echo "$e" | grep -c .)"
assert_eq "audited open: digest = guest sha256sum" "sha256:$data_sum" "$(echo "$e" | ev_get digest)"
assert_eq "open events of the unwatched opens" "" "$(ev '"hook":"open"' "\"pid\":$q,")"
for f in /etc/passwd /opt/ig/SHA256SUMS $r/plain/data.txt $r/audit/sub/child.txt; do
	assert_eq "events naming $f" "" "$(ev "$(ev_path $f)")"
done
# The audit rule names only open: execs in its directory are judged as usual.
assert_eq "exec or mmap events with the audit rule" "" \
	"$(ev '"rule":2}' | grep -v '"hook":"open"' || true)"

igtest_stop
rm -rf $r
echo "rules ok"
