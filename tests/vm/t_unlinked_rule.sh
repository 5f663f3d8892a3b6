# An unlinked file is not at the path bpf_d_path prints for it ("<path>
# (deleted)"): it never satisfies an allow rule. Unlisted content copied into
# a directory with an allow rule, opened, unlinked and executed through its
# descriptor is judged by its digest and refused (also when its name was
# remembered with the rule's verdict by an exec before); listed content the
# same way runs; a linked file there still runs by the rule, also one whose
# own name ends in " (deleted)"; a deny rule still refuses an unlinked file.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

hello=$EXT4/bin/hello
U=$EXT4/unl
rm -rf $U && mkdir -p $U/allowed $U/denied
ext4_unlisted $hello $U/allowed/u1		# unlisted, exec'd, then unlinked
ext4_unlisted $hello $U/allowed/u2		# unlisted, stays linked
ext4_unlisted $hello "$U/allowed/u3 (deleted)"	# unlisted, named like an unlinked one
cp $hello $U/allowed/l1				# listed, unlinked
cp $hello $U/denied/l2				# listed, under a deny rule, unlinked
u_sum=$(sha256sum $U/allowed/u1 | cut -d' ' -f1)
i1=$(ino $U/allowed/u1) il=$(ino $U/allowed/l1) id=$(ino $U/denied/l2)

allow_all_but /tmp/allow.unl
igtest_start --mode enforce --allow /tmp/allow.unl --rule "allow:$U/allowed/" \
	--rule "deny:$U/denied/"

# fdx PATH [unlink] [PID-VAR]: fdexec PATH, sets rc and out
fdx() {
	fdexec "$@" >/tmp/unl.out & p=$!
	wait $p && rc=0 || rc=$?
	out=$(cat /tmp/unl.out)
	echo "fdexec $*: exit $rc: $out"
}

# By name first: allowed by the rule, and the name remembered with it.
out=$($U/allowed/u1) || fail "$U/allowed/u1 refused under its allow rule: $out"
e=$(ev_last exec "$i1" $U/allowed/u1)
assert_eq "linked, by name: reason" rule-allow "$(echo "$e" | ev_get reason)"

# The attack: the same file through its descriptor once unlinked.
fdx $U/allowed/u1 unlink
assert_eq "unlinked unlisted file under an allow rule" "err EPERM execveat" "$out"
e=$(ev_last exec "$i1" "$U/allowed/u1 (deleted)")
echo "$e"
assert_eq "unlinked unlisted: decision" deny "$(echo "$e" | ev_get decision)"
assert_eq "unlinked unlisted: reason" not-allowlisted "$(echo "$e" | ev_get reason)"
assert_eq "unlinked unlisted: rule" -1 "$(echo "$e" | ev_get rule)"
assert_eq "unlinked unlisted: unlinked" true "$(echo "$e" | ev_get unlinked)"
assert_eq "unlinked unlisted: digest" "sha256:$u_sum" "$(echo "$e" | ev_get digest)"

# Listed content the same way: the digest lets it run.
fdx $U/allowed/l1 unlink
assert_eq "unlinked listed file: exit status" 0 $rc
assert_eq "unlinked listed file: output" hello "$out"
e=$(ev_last exec "$il" "$U/allowed/l1 (deleted)")
assert_eq "unlinked listed: reason" allowlisted "$(echo "$e" | ev_get reason)"

# Linked, through its descriptor: the rule applies as before.
fdx $U/allowed/u2
assert_eq "linked unlisted file, by descriptor: exit status" 0 $rc
assert_eq "linked unlisted file, by descriptor: output" hello "$out"
e=$(ev_last exec "$(ino $U/allowed/u2)" $U/allowed/u2)
assert_eq "linked by descriptor: reason" rule-allow "$(echo "$e" | ev_get reason)"
assert_eq "linked by descriptor: no unlinked mark" "" "$(echo "$e" | ev_get unlinked)"

# A real name ending in " (deleted)": linked, so the rule applies.
fdx "$U/allowed/u3 (deleted)"
assert_eq "file named '... (deleted)': exit status" 0 $rc
e=$(ev_last exec "$(ino "$U/allowed/u3 (deleted)")" "$U/allowed/u3 (deleted)")
assert_eq "file named '... (deleted)': reason" rule-allow "$(echo "$e" | ev_get reason)"

# A deny rule still refuses the unlinked file, listed or not.
fdx $U/denied/l2 unlink
assert_eq "unlinked file under a deny rule" "err EPERM execveat" "$out"
e=$(ev_last exec "$id" "$U/denied/l2 (deleted)")
assert_eq "unlinked under deny: reason" rule-deny "$(echo "$e" | ev_get reason)"

igtest_stop
rm -rf $U
echo "unlinked_rule ok"
