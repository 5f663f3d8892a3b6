# Unwatched opens are remembered per name: a second open of a file no open
# rule watches skips the path walk (open_skips counts it), and so does the
# first open of any other file in a directory where no rule watches any
# child. What a name means can change under a remembered open without
# touching the file — a rename into a watched directory, a mount moved below
# one, a chroot — and each of those must lead to the audit record the rules
# ask for. A rule on one file of a directory keeps the directory's other
# files from speaking for it.
. /opt/ig/tests/lib.sh
need_bpf_lsm

w=/tmp/names/watched
u=/tmp/names/plain
s=/tmp/names/some
rm -rf /tmp/names && mkdir -p $w $u $s /tmp/names/m1
printf 'data\n' >$u/f
printf 'data\n' >$u/g
for i in 1 2 3 4 5 6 7 8 9 10; do printf 'new\n' >$u/new$i; done
printf 'data\n' >$s/plain
printf 'secret\n' >$s/audited && printf 'secret\n' >$s/denied
allow_all_but /tmp/allow.names
igtest_start --mode enforce --allow /tmp/allow.names --rule "audit:$w/:r:hooks=open" \
	--rule "audit:$s/audited:hooks=open" --rule "deny:$s/denied:hooks=open"

openit $u/f >/dev/null; counters >/dev/null	# warm: openit and the counters read

a=$(counters)
for i in 1 2 3 4 5; do openit $u/f >/dev/null; done
b=$(counters)
[ "$(delta "$a" "$b" open_skips)" -ge 5 ] ||
	fail "repeated unwatched opens walked the path again: open_skips +$(delta "$a" "$b" open_skips)"
[ -z "$(ev '"hook":"open"' "$(ev_path $u/f)")" ] || fail "an unwatched open was recorded"

# other files in that directory (made before the enforcer started, so
# never opened under it): their first opens skip the walk too (the walks
# an open takes count in runs.open; a few are the counters' own)
a=$(counters)
openit $u/f >/dev/null
b=$(counters)
openit $u/new1 $u/new2 $u/new3 $u/new4 $u/new5 $u/new6 $u/new7 $u/new8 $u/new9 $u/new10 >/dev/null
c=$(counters)
[ "$(delta "$b" "$c" runs.open)" -lt $(($(delta "$a" "$b" runs.open) + 10)) ] ||
	fail "first opens in a directory found unwatched walked their paths:" \
		"runs.open +$(delta "$b" "$c" runs.open) for ten files not opened before, +$(delta "$a" "$b" runs.open) for one known"

# a directory with a rule on one of its files: the others never speak for it
openit $s/plain >/dev/null; openit $s/plain >/dev/null
openit $s/audited >/dev/null
wait_ev 30 '"hook":"open"' "$(ev_path $s/audited)" >/dev/null ||
	fail "an open under a file rule in a directory whose other files are unwatched not recorded"
out=$(openit $s/denied) && fail "an open under a deny file rule was allowed: $out"
echo "$out" | grep -q "^err EPERM" || fail "open under a deny file rule: $out"

# a directory found unwatched, renamed into the watched one: its files
# (one opened before, one new) are watched there
mkdir $u/d && printf 'data\n' >$u/d/x
openit $u/d/x >/dev/null; openit $u/d/x >/dev/null
mv $u/d $w/d && printf 'data\n' >$w/d/y
openit $w/d/x $w/d/y >/dev/null
wait_ev 30 '"hook":"open"' "$(ev_path $w/d/x)" >/dev/null ||
	fail "open of a file in a directory renamed into the watched one not recorded"
wait_ev 30 '"hook":"open"' "$(ev_path $w/d/y)" >/dev/null ||
	fail "open of a new file in a directory renamed into the watched one not recorded"

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
printf 'data\n' >$R$w/g2
chroot $R /bin/openit $w/g2 >/dev/null || fail "openit in the chroot failed"
wait_ev 30 '"hook":"open"' "$(ev_path $w/g2)" >/dev/null ||
	fail "open in a chroot of a new file, in a directory unwatched from /, not recorded"

c=$(counters)
assert_eq "order violations" 0 "$(ctr "$c" order_violations)"
echo "open names ok"
