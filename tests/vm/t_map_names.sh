# Execs and executable maps remember the name they reached a file by: a
# repeated one takes its path, path hash and rule verdict from the inode
# (name_hits counts it) instead of bpf_d_path and the rule walk, and a map
# with its digest cached is decided in stage 1 alone. Whatever changes what
# the name means must show in the next event and verdict: a rename (also
# into a denied directory), a directory renamed, a second hard link, an
# unlink, a chroot, a mount moved; a rename of another file changes none of
# it; and every access keeps its own event.
. /opt/ig/tests/lib.sh
need_bpf_lsm

D=/tmp/mn
rm -rf $D && mkdir -p $D/ok $D/denied $D/m1
cp /opt/ig/bin/hello $D/ok/lib
cp /opt/ig/bin/hello $D/ok/run
allow_all_but /tmp/allow.mn
igtest_start --mode enforce --allow /tmp/allow.mn --rule "deny:$D/denied/"

maps_ok() { out=$(mmapx "$1") || fail "executable map of $1 refused: $out"; }
runs_ok() { out=$("$1" 2>&1) || fail "$1 refused: $out"; [ "$out" = hello ] || fail "$1 said '$out'"; }
# nev N PATH HOOK: wait until N events of HOOK name PATH
nev() {
	local n=0
	while [ "$(ev "\"hook\":\"$3\"" "$(ev_path "$2")" | wc -l)" -lt "$1" ]; do
		n=$((n + 1))
		[ $n -gt 150 ] && fail "$(ev "\"hook\":\"$3\"" "$(ev_path "$2")" | wc -l) $3 events for $2, want $1"
		bsleep 0.2
	done
}

# Repeated maps and execs: named from memory, each with its own event.
maps_ok $D/ok/lib; runs_ok $D/ok/run
a=$(counters)
for i in 1 2 3 4 5; do maps_ok $D/ok/lib; runs_ok $D/ok/run; done
b=$(counters)
[ "$(delta "$a" "$b" name_hits)" -ge 10 ] ||
	fail "repeated maps and execs resolved their path again: name_hits +$(delta "$a" "$b" name_hits)"
nev 6 $D/ok/lib mmap
nev 6 $D/ok/run exec
[ -z "$(ev "$(ev_path $D/ok/lib)" '"decision":"deny"')" ] || fail "a listed map was refused"

# The context stage 1 reads beside the name, in an event named from memory.
$D/ok/run >/dev/null || fail "$D/ok/run refused"
nev 7 $D/ok/run exec
line=$(ev '"hook":"exec"' "$(ev_path $D/ok/run)" | tail -n 1)
ns() { readlink /proc/self/ns/$1 | tr -dc 0-9; }
assert_eq "ppid" $$ "$(echo "$line" | ev_get ppid)"
assert_eq "uid" 0 "$(echo "$line" | ev_get uid)"
assert_eq "comm of the map" mmapx \
	"$(ev '"hook":"mmap"' "$(ev_path $D/ok/lib)" | tail -n 1 | ev_get comm)"
assert_eq "ino" "$(stat -c %i $D/ok/run)" "$(echo "$line" | ev_get ino)"
assert_eq "mnt_ns" "$(ns mnt)" "$(echo "$line" | ev_get mnt_ns)"
assert_eq "pid_ns" "$(ns pid)" "$(echo "$line" | ev_get pid_ns)"
# In a nested pid namespace the event names that namespace, not the first.
inner=$(unshare -p -f sh -c "readlink /proc/self/ns/pid | tr -dc 0-9; $D/ok/run >/dev/null") ||
	fail "$D/ok/run refused in a new pid namespace"
[ -n "$inner" ] && [ "$inner" != "$(ns pid)" ] || fail "no nested pid namespace: '$inner'"
nev 8 $D/ok/run exec
assert_eq "pid_ns (nested)" "$inner" \
	"$(ev '"hook":"exec"' "$(ev_path $D/ok/run)" | tail -n 1 | ev_get pid_ns)"

# A rename: the next event names the new path.
mv $D/ok/lib $D/ok/lib2
maps_ok $D/ok/lib2
nev 1 $D/ok/lib2 mmap
mv $D/ok/run $D/ok/run2
runs_ok $D/ok/run2
nev 1 $D/ok/run2 exec

# A rename into a denied directory: refused by the rule, map and exec alike.
mv $D/ok/lib2 $D/denied/lib
out=$(mmapx $D/denied/lib) && fail "a map renamed into the denied directory was allowed"
echo "$out" | grep -q EPERM || fail "map in the denied directory: $out"
wait_ev 30 '"hook":"mmap"' "$(ev_path $D/denied/lib)" '"reason":"rule-deny"' >/dev/null ||
	fail "no rule-deny event for $D/denied/lib"
mv $D/ok/run2 $D/denied/run
out=$($D/denied/run 2>&1) && fail "an exec renamed into the denied directory ran: $out"
wait_ev 30 '"hook":"exec"' "$(ev_path $D/denied/run)" '"reason":"rule-deny"' >/dev/null ||
	fail "no rule-deny event for $D/denied/run"

# A second hard link: each name is reported as itself.
cp /opt/ig/bin/hello $D/ok/a && ln $D/ok/a $D/ok/b
maps_ok $D/ok/a; maps_ok $D/ok/a; maps_ok $D/ok/b; maps_ok $D/ok/a
nev 3 $D/ok/a mmap
nev 1 $D/ok/b mmap
# A new dentry for the inode (here a third link) forgets what the inode
# remembers by name: it may sit where a freed dentry of the same inode sat,
# with the same sequence count, and would otherwise match that one's key.
cp /opt/ig/bin/hello $D/ok/h
runs_ok $D/ok/h
a=$(counters); runs_ok $D/ok/h; b=$(counters)
ln $D/ok/h $D/ok/h2
c=$(counters); runs_ok $D/ok/h; d=$(counters)
echo "name_hits of a repeated exec +$(delta "$a" "$b" name_hits), after a new link +$(delta "$c" "$d" name_hits)"
[ "$(delta "$c" "$d" name_hits)" -lt "$(delta "$a" "$b" name_hits)" ] ||
	fail "a new dentry for the inode left its remembered name in use"

# Another file renamed: the names kept stay. The same map and counters
# with and without an unrelated rename in between take as many names from
# memory (a rename flushing every name would lose the map's, its program's
# and its libraries').
touch $D/x
a=$(counters); maps_ok $D/ok/a; b=$(counters)
mv $D/x $D/y
c=$(counters); maps_ok $D/ok/a; d=$(counters)
echo "name_hits without a rename +$(delta "$a" "$b" name_hits), after one +$(delta "$c" "$d" name_hits)"
[ "$(delta "$c" "$d" name_hits)" -ge 1 ] &&
	[ "$(delta "$c" "$d" name_hits)" -ge "$(delta "$a" "$b" name_hits)" ] ||
	fail "an unrelated rename made remembered names walk their paths again"
# A directory renamed renames what is below it: the next event says so.
mv $D/ok $D/moved
maps_ok $D/moved/a
nev 1 $D/moved/a mmap
mv $D/moved $D/ok

# An unlink: the name becomes "<path> (deleted)", as bpf_d_path prints it.
maps_ok $D/ok/a
out=$(mmapx $D/ok/a unlinked) || fail "map of an unlinked file refused: $out"
nev 1 "$D/ok/a (deleted)" mmap

# A chroot: the same file named from another root.
R=$D/root
mkdir -p $R/bin $R/lib && cp /opt/ig/bin/mmapx $R/bin/ && cp /opt/ig/bin/hello $R/lib/l
for l in $(ldd /opt/ig/bin/mmapx 2>/dev/null | grep -o '/[^ ]*'); do
	mkdir -p $R$(dirname $l) && cp $l $R$l
done
maps_ok $R/lib/l; maps_ok $R/lib/l
out=$(chroot $R /bin/mmapx /lib/l) || fail "mmapx in the chroot failed: $out"
nev 1 /lib/l mmap

# A mount moved: same mount and dentry, new name.
mount -t tmpfs mn $D/m1 || fail "cannot mount tmpfs"
cp /opt/ig/bin/hello $D/m1/l
maps_ok $D/m1/l; maps_ok $D/m1/l
mkdir -p $D/ok/m
mount --move $D/m1 $D/ok/m || fail "mount --move failed"
maps_ok $D/ok/m/l
nev 1 $D/ok/m/l mmap
umount $D/ok/m

# This kernel does not preempt inside the programs: names need no check by
# the driver, and a driver stopped past their freshness costs nothing.
! grep -q 'remembered names are trusted for' $IGT_ERR ||
	fail "the driver takes this kernel for one that preempts everywhere: $(cat $IGT_ERR)"
cp /opt/ig/bin/hello $D/ok/stopped
h=$(hits_stopped $D/ok/stopped)
echo "name_hits of five runs while the driver was stopped: +$h"
[ "$h" -ge 5 ] || fail "names were not recalled while the driver was stopped: +$h"

c=$(counters)
assert_eq "order violations" 0 "$(ctr "$c" order_violations)"
assert_eq "lost events" 0 "$(ctr "$c" lost)"
echo "map names ok"
