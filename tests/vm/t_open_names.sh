# Unwatched opens are remembered per name: a second open of a file no open
# rule watches skips the path walk (open_skips counts it). What a name means
# can change under a remembered open without touching the file — a rename
# into a watched directory, a mount moved below one, a chroot — and each of
# those must lead to the audit record the rules ask for.
. /opt/ig/tests/lib.sh
need_bpf_lsm

w=/tmp/names/watched
u=/tmp/names/plain
rm -rf /tmp/names && mkdir -p $w $u /tmp/names/m1
printf 'data\n' >$u/f
printf 'data\n' >$u/g
allow_all_but /tmp/allow.names
igtest_start --mode enforce --allow /tmp/allow.names --rule "audit:$w/:r:hooks=open"

delta() { echo $(($(ctr "$2" $3) - $(ctr "$1" $3))); }
openit $u/f >/dev/null; counters >/dev/null	# warm: openit and the counters read

a=$(counters)
for i in 1 2 3 4 5; do openit $u/f >/dev/null; done
b=$(counters)
[ "$(delta "$a" "$b" open_skips)" -ge 5 ] ||
	fail "repeated unwatched opens walked the path again: open_skips +$(delta "$a" "$b" open_skips)"
[ -z "$(ev '"hook":"open"' "$(ev_path $u/f)")" ] || fail "an unwatched open was recorded"

# rename: the same dentry now has a watched name
mv $u/f $w/f
openit $w/f >/dev/null
wait_ev 30 '"hook":"open"' "$(ev_path $w/f)" >/dev/null ||
	fail "open after a rename into the watched directory not recorded"

# a mount moved below the watched directory: same mount and dentry, new name
mount -t tmpfs names /tmp/names/m1 || fail "cannot mount tmpfs"
printf 'data\n' >/tmp/names/m1/h
openit /tmp/names/m1/h >/dev/null; openit /tmp/names/m1/h >/dev/null
mkdir -p $w/m
mount --move /tmp/names/m1 $w/m || fail "mount --move failed"
openit $w/m/h >/dev/null
wait_ev 30 '"hook":"open"' "$(ev_path $w/m/h)" >/dev/null ||
	fail "open after a mount move into the watched directory not recorded"
umount $w/m

# chroot: the same file, named from another root, has a watched name
R=/tmp/names/root
mkdir -p $R/bin $R$w && cp /opt/ig/bin/openit $R/bin/ && printf 'data\n' >$R$w/g
openit $R$w/g >/dev/null; openit $R$w/g >/dev/null
[ -z "$(ev '"hook":"open"' "$(ev_path $R$w/g)")" ] || fail "$R$w/g is not watched from /"
chroot $R /bin/openit $w/g >/dev/null || fail "openit in the chroot failed"
wait_ev 30 '"hook":"open"' "$(ev_path $w/g)" >/dev/null ||
	fail "open in a chroot under a watched name not recorded"

c=$(counters)
assert_eq "order violations" 0 "$(ctr "$c" order_violations)"
echo "open names ok"
