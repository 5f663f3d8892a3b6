# A directory or tree rule matches a foreign path by its directory's
# identity, and a directory made after the load, or removed and made again,
# has an inode no rule was resolved to: through a bind mount of its parent,
# in a mount namespace of its own, a program in it would escape the rule at
# once. The rule's directory is therefore also matched by its name in its
# parent. (a) A tree deny rule on a directory that does not exist at load:
# root makes it and puts a listed program in it, which a user runs at once
# through a bind mount of the parent; (b) a tree deny rule's directory
# removed and made again, a listed program a level deeper; (c) a directory
# deny rule's directory renamed away and made again: a program directly in
# it is refused, one in a directory below runs (the rule names direct
# children only); (d) a listed program in a sibling directory with no rule
# runs through the same bind mount. Refusals carry the rule's index as by
# the file's own name.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

hello=$EXT4/bin/hello
F=$EXT4/fr
M=$EXT4/frmnt
rm -rf $F $M && mkdir -p $F/tree/sub $F/dir $F/sib $M
cp $hello $F/sib/p			# listed, no rule
chmod -R a+rX $F $M
sync

allow_all_but /tmp/allow.fr
igtest_start --mode enforce --allow /tmp/allow.fr --rule "deny:$F/later/:r" \
	--rule "deny:$F/tree/:r" --rule "deny:$F/dir/"

# ran WHAT INO PATH: the listed program ran, judged by its digest
ran() {
	assert_eq "$1: output" hello "$out"
	e=$(ev_last exec "$2" "$3")
	echo "$e"
	assert_eq "$1: reason" allowlisted "$(echo "$e" | ev_get reason)"
	assert_eq "$1: foreign path" true "$(echo "$e" | ev_get foreign_path)"
}

# As an unprivileged user in a user namespace of its own where the kernel
# lets one be made, else as root in a mount namespace of its own.
userns_as

# newdir DIR: DIR made by root now, with a listed program p in it and q in
# DIR/sub, readable by all
newdir() {
	mkdir -p "$1/sub"
	cp $hello "$1/p"
	cp $hello "$1/sub/q"
	chmod -R a+rX "$1"
}
# An inode number freed is soon given again on ext4: a directory made just
# after its rule's directory is removed gets the old one's number, and with
# it the rule. So each new directory is made while the old one still
# exists, and none is removed before the last case.
# remade HOW DIR: DIR replaced by a new directory as newdir makes it, the
# old one renamed away (HOW "mv") or removed after (HOW "rm")
remade() {
	local old
	old=$(stat -c %i "$2")
	case $1 in
	mv) mv "$2" "$2.old" && newdir "$2" ;;
	rm) newdir "$2.new" && rm -rf "$2" && mv "$2.new" "$2" ;;
	esac
	[ "$(stat -c %i "$2")" != "$old" ] || fail "$2 was made again with its old inode"
}

# (a) Made after the load; run at once, with no reload in between.
newdir $F/later
run nsexec $as bind $F $M $M/later/p
rule_denied "directory made after the load" "$(ino $F/later/p)" $M/later/p 0
run nsexec $as bind $F $M $M/later/sub/q
rule_denied "directory made after the load, a level deeper" "$(ino $F/later/sub/q)" \
	$M/later/sub/q 0

# (c) The directory rule's directory renamed away and made again: its
# direct children only.
remade mv $F/dir
run nsexec $as bind $F $M $M/dir/p
rule_denied "directory rule's directory made again" "$(ino $F/dir/p)" $M/dir/p 2
run nsexec $as bind $F $M $M/dir/sub/q
ran "directory rule's directory made again, a level deeper" "$(ino $F/dir/sub/q)" \
	$M/dir/sub/q

# (d) A sibling with no rule, through the same bind mount.
run nsexec $as bind $F $M $M/sib/p
ran "sibling with no rule" "$(ino $F/sib/p)" $M/sib/p

# (b) The tree rule's directory removed and made again.
remade rm $F/tree
run nsexec $as bind $F $M $M/tree/sub/q
rule_denied "tree rule's directory made again" "$(ino $F/tree/sub/q)" $M/tree/sub/q 1

# The filter programs' size as the verifier counted it, for the record.
proginsns ig_ || true

# The host's own names: the rules hold by name as before.
run execit $F/later/p
rule_denied "host, directory made after the load" "$(ino $F/later/p)" $F/later/p 0
run execit $F/sib/p
assert_eq "host, no rule: output" hello "$out"

igtest_stop
rm -rf $F $M
echo "forged_renamed ok"
