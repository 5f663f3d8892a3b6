# Deny rules by identity follow the host's names after the policy's load:
# the identities are resolved again while the policy is in force, so what
# the host makes later cannot be shown to a rule under another name. As an
# unprivileged user in a mount namespace of its own, a listed program is
# run through a bind mount (a) from a tree-denied directory two levels
# below one that existed at load, made after it; (b) from a file system
# root mounts inside a tree-denied directory after the load. Both are
# refused with the rule's index, as by their own names; a listed program
# with no rule, through the same bind, still runs by digest. A change that
# moves no identity (a directory made elsewhere) puts nothing new in force.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

hello=$EXT4/bin/hello
F=$EXT4/fl
umount $F/denied/m 2>/dev/null || true
rm -rf $F && mkdir -p $F/denied $F/free $F/mnt
cp $hello $F/free/y			# listed, no rule
chmod -R a+rX $F
sync

allow_all_but /tmp/allow.fl
igtest_start --mode enforce --allow /tmp/allow.fl --rule "deny:$F/later/a/b/:r" \
	--rule "deny:$F/denied/:r"

# changes: how often the driver put new identities in force
changes() { grep -c "identities changed" $IGT_ERR || true; }
# wait_change N: until more than N changes are in force (5 s at most)
wait_change() {
	local n=0
	while [ "$(changes)" -le "$1" ]; do
		n=$((n + 1))
		[ $n -le 50 ] || { cat $IGT_ERR; fail "no new identities after 5 s"; }
		bsleep 0.1
	done
}

userns_as

# Nothing that moves an identity: nothing new in force.
c0=$(changes)
mkdir -p $F/elsewhere/x
bsleep 0.5
assert_eq "a directory made elsewhere: identities put in force" "$c0" "$(changes)"

# (a) The rule's path made after the load, two levels below one that was.
c0=$(changes)
mkdir -p $F/later/a/b
cp $hello $F/later/a/b/p
chmod -R a+rX $F/later
wait_change "$c0"
run execit $F/later/a/b/p
rule_denied "host, a tree rule's path made after the load" "$(ino $F/later/a/b/p)" \
	$F/later/a/b/p 0
run nsexec $as bind $F $F/mnt $F/mnt/later/a/b/p
rule_denied "bind mount, a tree rule's path made after the load" "$(ino $F/later/a/b/p)" \
	$F/mnt/later/a/b/p 0

# (b) A file system mounted inside the tree rule's directory after the
# load, through a recursive bind of its parent.
c0=$(changes)
mkdir -p $F/denied/m
mount -t tmpfs -o mode=755 flinner $F/denied/m
cp $hello $F/denied/m/r
chmod 755 $F/denied/m/r
wait_change "$c0"
run execit $F/denied/m/r
rule_denied "host, a file system mounted in the tree rule after the load" \
	"$(ino $F/denied/m/r)" $F/denied/m/r 1
run nsexec $as rbind $F $F/mnt $F/mnt/denied/m/r
rule_denied "bind mount, a file system mounted in the tree rule after the load" \
	"$(ino $F/denied/m/r)" $F/mnt/denied/m/r 1

# No rule: the digest decides, through the same bind.
run nsexec $as rbind $F $F/mnt $F/mnt/free/y
assert_eq "bind mount, listed program with no rule: output" hello "$out"

igtest_stop
umount $F/denied/m
rm -rf $F
echo "forged_later ok"
