# A name remembered on the inode must not outlive a move that raced it.
# The LSM hooks of rename(2) and mount(2) run before the kernel moves the
# name; an access in between still sees the old name, and must not leave it
# remembered for the dentry that then carries the new one. A second thread
# maps (or opens) the file for as long as the main thread moves it
# between an allowed and a denied directory (or into a watched one) and
# checks each verdict (or, for opens, each audit record): the file renamed,
# its directory renamed, its mount moved (mount(2) and move_mount(2)).
# Renames on tmpfs and on ext4, whose rename takes longer between the hook
# and the move. Last, without a race, a file with a mount on it in another
# namespace renamed.
. /opt/ig/tests/lib.sh
need_bpf_lsm

N=${RACE_ROUNDS:-200}
dirs="/tmp/race $EXT4/race"
rules=
for r in $dirs; do
	rm -rf $r && mkdir -p $r/ok/d $r/denied $r/plain/d $r/watched
	cp /opt/ig/bin/hello $r/ok/lib
	cp /opt/ig/bin/hello $r/ok/d/lib
	printf 'data\n' >$r/plain/f
	printf 'data\n' >$r/plain/d/f
	rules="$rules --rule deny:$r/denied/:r --rule audit:$r/watched/:r:hooks=open"
done
M=/tmp/race/ok/m
mkdir -p $M /tmp/race/denied/m /tmp/race/watched/m
mount -t tmpfs race $M || fail "cannot mount tmpfs"
cp /opt/ig/bin/hello $M/lib
printf 'data\n' >$M/f
allow_all_but /tmp/allow.race
# shellcheck disable=SC2086 # one word per option
igtest_start --mode enforce --allow /tmp/allow.race $rules

# maps OP FROM TO [SUB]: no wrong verdict while a racer maps the file.
maps() {
	local out rc
	out=$(renamerace map "$1" "$2" "$3" $N ${4:+"$4"} 2>&1) && rc=0 || rc=$?
	echo "map $1 $2 -> $3${4:+ ($4)}: $(echo "$out" | tail -n 1)"
	[ $rc -eq 0 ] || fail "maps racing $1 of $2: $(echo "$out" | head -n 5)"
}
# opens OP FROM TO [SUB]: every open by the watched name recorded.
opens() {
	local out n
	out=$(renamerace open "$1" "$2" "$3" $N ${4:+"$4"} 2>&1) ||
		fail "opens racing $1 of $2: $(echo "$out" | head -n 5)"
	echo "open $1 $2 -> $3${4:+ ($4)}: $out"
	ev_sync
	n=$(ev '"hook":"open"' "$(ev_path "$3${4:+/$4}")" '"comm":"checker"' | wc -l)
	[ "$n" -eq $N ] || fail "$n of $N opens right after $1 into $3 recorded"
}

for r in $dirs; do
	maps rename $r/ok/lib $r/denied/lib
	maps rename $r/ok/d $r/denied/d lib
	opens rename $r/plain/f $r/watched/f
	opens rename $r/plain/d $r/watched/d f
done
maps move $M /tmp/race/denied/m lib
opens move $M /tmp/race/watched/m f
# move_mount(2) reaches the move without mount(2)'s path_mount.
maps move_mount $M /tmp/race/denied/m lib
umount $M

# A file with a mount on it in another mount namespace, renamed from this
# one (only the namespace it is mounted in refuses that): the mount moves
# with it, and so does the name of what is mounted there.
R=/tmp/race
cp /opt/ig/bin/hello $R/src && : >$R/ok/X && mkfifo $R/f1 $R/f2
unshare -m sh -c "mount --bind $R/src $R/ok/X && mmapx $R/ok/X && echo >$R/f1 &&
	read _ <$R/f2 && mmapx $R/denied/X" >$R/ns.out 2>&1 &
ns=$!
read _ <$R/f1 || fail "the namespace did not map $R/ok/X: $(cat $R/ns.out)"
mv $R/ok/X $R/denied/X || fail "cannot rename the mount point of the other namespace"
echo >$R/f2
wait $ns && fail "a map renamed (with its mount) into the denied directory was allowed: $(cat $R/ns.out)"
grep -q 'err EPERM mmap' $R/ns.out || fail "map after the mount point's rename: $(cat $R/ns.out)"
echo "mount point renamed from another namespace: $(tail -n 1 $R/ns.out)"

c=$(counters)
assert_eq "order violations" 0 "$(ctr "$c" order_violations)"
assert_eq "lost events" 0 "$(ctr "$c" lost)"
echo "rename race ok"
