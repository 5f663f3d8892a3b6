# Deny and audit rules hold by whatever name a file is reached: in a mount
# namespace of its own (any user may make one inside a user namespace) a
# bind mount shows a denied directory, or the directory of a denied or
# audited file, at a name no rule names. The printed path escapes the rule;
# the file's identity (its directory's device and inode, and its name
# there) does not: (a) a program under a tree deny rule, and one a level
# deeper, run through a bind mount of the rule's directory; (b) a program
# under an exact deny rule run through a bind mount of its directory; (c)
# a file under an exact audit rule on open read through a bind mount of its
# directory; (d) a program on a file system mounted inside the tree rule's
# directory, reached through a recursive bind of it. All refused (a, b, d)
# or recorded (c) with the rule's index, as by their own names. A listed
# program with no rule, through the same bind mount, still runs by digest;
# (e) one deeper than the walk's bound is refused (its rules cannot be
# told).
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

hello=$EXT4/bin/hello
F=$EXT4/fd
umount $F/denied/inner 2>/dev/null || true
rm -rf $F && mkdir -p $F/denied/sub $F/files $F/aud $F/mnt
cp $hello $F/denied/p			# listed: hello's digest
cp $hello $F/denied/sub/q
cp $hello $F/files/x			# listed, under an exact deny rule
cp $hello $F/files/y			# listed, no rule
printf 'audited data\n' >$F/aud/secret
printf 'plain data\n' >$F/aud/plain
mkdir -p $F/denied/inner
# 70 and 40 directories below $F/deep (the file system's top is $EXT4)
deep70=$(printf 'd/%.0s' $(seq 70)); deep70=${deep70%/}
deep40=$(printf 'd/%.0s' $(seq 40)); deep40=${deep40%/}
mkdir -p $F/deep/$deep70
cp $hello $F/deep/$deep70/p
cp $hello $F/deep/$deep40/p
chmod -R a+rX $F
sync

allow_all_but /tmp/allow.fd
# The inner file system is mounted before the policy is loaded: its root is
# one of the tree rule's identities.
mount -t tmpfs -o mode=755 fdinner $F/denied/inner
cp $hello $F/denied/inner/r
chmod 755 $F/denied/inner/r
igtest_start --mode enforce --allow /tmp/allow.fd --rule "deny:$F/denied/:r" \
	--rule "deny:$F/files/x" --rule "audit:$F/aud/secret:hooks=open"

# audited WHAT INO PATH: the open was recorded under the audit rule
audited() {
	e=$(ev_last open "$2" "$3")
	echo "$e"
	verdict_is "$1" allow rule-audit 2
}

# The host's own names: the rules hold as before; no rule, the digest.
run execit $F/denied/p
rule_denied "host, tree deny rule" "$(ino $F/denied/p)" $F/denied/p 0
run execit $F/denied/inner/r
rule_denied "host, file system inside the tree rule" "$(ino $F/denied/inner/r)" $F/denied/inner/r 0
run execit $F/files/x
rule_denied "host, exact deny rule" "$(ino $F/files/x)" $F/files/x 1
run execit $F/files/y
assert_eq "host, no rule: output" hello "$out"
openit $F/aud/secret >/dev/null
audited "host, exact audit rule" "$(ino $F/aud/secret)" $F/aud/secret

# As an unprivileged user in a user namespace of its own where the kernel
# lets one be made, else as root in a mount namespace of its own.
userns_as

# (a) The tree rule's directory bind-mounted elsewhere (with its mounts: a
# user namespace may not bind it without the ones it holds).
run nsexec $as rbind $F/denied $F/mnt $F/mnt/p
rule_denied "bind mount of the tree rule's directory" "$(ino $F/denied/p)" $F/mnt/p 0
run nsexec $as rbind $F/denied $F/mnt $F/mnt/sub/q
rule_denied "bind mount of the tree rule's directory, a level deeper" \
	"$(ino $F/denied/sub/q)" $F/mnt/sub/q 0
# (b) The exact deny rule's directory bind-mounted elsewhere; its neighbour
# with no rule runs, judged by its digest.
run nsexec $as bind $F/files $F/mnt $F/mnt/x
rule_denied "bind mount of the exact deny rule's directory" "$(ino $F/files/x)" $F/mnt/x 1
run nsexec $as bind $F/files $F/mnt $F/mnt/y
assert_eq "bind mount, listed program with no rule: output" hello "$out"
e=$(ev_last exec "$(ino $F/files/y)" $F/mnt/y)
assert_eq "bind mount, listed program with no rule: reason" allowlisted \
	"$(echo "$e" | ev_get reason)"
assert_eq "bind mount, listed program with no rule: foreign path" true \
	"$(echo "$e" | ev_get foreign_path)"
# (c) The exact audit rule's directory bind-mounted elsewhere: the open is
# recorded; its neighbour's is not.
run nsexec $as bind $F/aud $F/mnt /opt/ig/bin/openit $F/mnt/secret $F/mnt/plain
assert_eq "bind mount, audited open: output" "ok $F/mnt/secret
ok $F/mnt/plain" "$out"
audited "bind mount of the exact audit rule's directory" "$(ino $F/aud/secret)" $F/mnt/secret
ev_sync
assert_eq "bind mount, open with no rule: events" "" \
	"$(ev '"hook":"open"' "$(ev_path $F/mnt/plain)")"
# (d) A file system mounted inside the tree rule's directory, through a
# recursive bind of it.
run nsexec $as rbind $F/denied $F/mnt $F/mnt/inner/r
rule_denied "bind mount, file system inside the tree rule" "$(ino $F/denied/inner/r)" \
	$F/mnt/inner/r 0

# (e) A file deeper below the file system's top than the walk goes, under
# no rule: refused through a bind mount (its rules cannot be told), the
# record saying why; one well within the bound runs. The exec's open of
# the file is the first access judged (the open hook is watched here).
run nsexec $as bind $F/deep $F/mnt $F/mnt/$deep70/p
assert_eq "bind mount, deeper than the walk: output" "err EPERM execve" "$out"
wait_ev 30 "$(ino $F/deep/$deep70/p)" "$(ev_path $F/mnt/$deep70/p)" ||
	{ ev "$(ino $F/deep/$deep70/p)"; fail "no event for the file deeper than the walk"; }
e=$(ev "$(ino $F/deep/$deep70/p)" "$(ev_path $F/mnt/$deep70/p)" | tail -n 1)
echo "$e"
assert_eq "bind mount, deeper than the walk: decision" deny "$(echo "$e" | ev_get decision)"
assert_eq "bind mount, deeper than the walk: reason" rule-deny "$(echo "$e" | ev_get reason)"
assert_eq "bind mount, deeper than the walk: rule" -1 "$(echo "$e" | ev_get rule)"
assert_eq "bind mount, deeper than the walk: identity unknown" true \
	"$(echo "$e" | ev_get identity_unknown)"
run nsexec $as bind $F/deep $F/mnt $F/mnt/$deep40/p
assert_eq "bind mount, within the walk: output" hello "$out"

# The host's names again: as before.
run execit $F/denied/p
rule_denied "host again, tree deny rule" "$(ino $F/denied/p)" $F/denied/p 0
run execit $F/files/y
assert_eq "host again, no rule: output" hello "$out"

igtest_stop
umount $F/denied/inner
rm -rf $F
echo "forged_deny ok"
