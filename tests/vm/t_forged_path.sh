# A path bpf_d_path prints is relative to the caller's root and mounts: in a
# mount namespace of its own (any user may make one inside a user namespace)
# or under a chroot, any content can be shown at a trusted name. Such a path
# never satisfies an allow rule nor a bind_path entry: unlisted content
# bind-mounted over a directory with an allow rule, or reached at that name
# under a chroot, is judged by its digest and refused; content listed only
# by a bind_path entry, shown at that path from elsewhere, is refused too.
# In the host's namespace both still run: the rule and the entry hold.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

hello=$EXT4/bin/hello
F=$EXT4/fg
rm -rf $F && mkdir -p $F/allowed $F/bound $F/evil $F/root
ext4_unlisted $hello $F/allowed/u1		# unlisted, under the allow rule
ext4_unlisted $hello $F/evil/u1			# the same content, elsewhere
ext4_unlisted $hello $F/root$F/allowed/u1	# and at the rule's name under a chroot
cp $F/evil/u1 $F/evil/u2
{ cat $hello; printf '\n\n'; } >$F/bound/b1	# listed only at its own path
chmod 755 $F/bound/b1
cp $F/bound/b1 $F/evil/b1
chmod -R a+rX $F
sync
u_sum=$(sha256sum $F/evil/u1 | cut -d' ' -f1)
b_sum=$(sha256sum $F/bound/b1 | cut -d' ' -f1)

allow_all_but /tmp/allow.fg
echo "$b_sum bind $F/bound/b1" >>/tmp/allow.fg
igtest_start --mode enforce --allow /tmp/allow.fg --rule "allow:$F/allowed/"

# refused WHAT INO PATH: the exec was refused by digest, its path foreign
refused() {
	assert_eq "$1: output" "err EPERM execve" "$out"
	e=$(ev_last exec "$2" "$3")
	echo "$e"
	verdict_is "$1" deny not-allowlisted -1
	assert_eq "$1: foreign path" true "$(echo "$e" | ev_get foreign_path)"
}

# (c) The host's own names: the rule and the bind_path entry hold.
run $F/allowed/u1
assert_eq "host, allow rule: output" hello "$out"
e=$(ev_last exec "$(ino $F/allowed/u1)" $F/allowed/u1)
assert_eq "host, allow rule: reason" rule-allow "$(echo "$e" | ev_get reason)"
assert_eq "host, allow rule: not foreign" "" "$(echo "$e" | ev_get foreign_path)"
run $F/bound/b1
assert_eq "host, bind_path entry: output" hello "$out"
e=$(ev_last exec "$(ino $F/bound/b1)" $F/bound/b1)
assert_eq "host, bind_path entry: reason" allowlisted "$(echo "$e" | ev_get reason)"

# (a) A new mount namespace, other content bind-mounted over the rule's name.
run nsexec bind $F/evil $F/allowed $F/allowed/u1
refused "bind mount over the allow rule" "$(ino $F/evil/u1)" $F/allowed/u1
# (b) A chroot holding the rule's name, in the host's mount namespace.
run nsexec chroot $F/root $F/allowed/u1
refused "chroot to the allow rule's name" "$(ino $F/root$F/allowed/u1)" $F/allowed/u1
# (d) The bind_path entry's content shown at its path from elsewhere.
run nsexec bind $F/evil $F/bound $F/bound/b1
refused "bind mount over the bind_path entry" "$(ino $F/evil/b1)" $F/bound/b1

# As an unprivileged user in a user namespace of its own, where the kernel
# lets one be made.
run nsexec --uid 1000 chroot $F/root /bin/true
case $out in
*unshare-user*) echo "no unprivileged user namespaces here: $out" ;;
*)
	run nsexec --uid 1000 bind $F/evil $F/allowed $F/allowed/u2
	refused "uid 1000, bind mount over the allow rule" "$(ino $F/evil/u2)" $F/allowed/u2
	run nsexec --uid 1000 chroot $F/root $F/allowed/u1
	refused "uid 1000, chroot" "$(ino $F/root$F/allowed/u1)" $F/allowed/u1
	;;
esac

# The host's names again, after the foreign ones: nothing remembered there
# carried over.
run $F/allowed/u1
assert_eq "host again, allow rule: output" hello "$out"
run $F/bound/b1
assert_eq "host again, bind_path entry: output" hello "$out"

igtest_stop
rm -rf $F
echo "forged_path ok"
