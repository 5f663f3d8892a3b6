# A change of mounts that renames a file without touching its dentry or its
# mount must make the next access resolve its name again: the name kept on
# the inode would otherwise decide for it. Each case maps a file, changes
# the mounts so that the same access gets another name (a lazy umount, the
# removal of a mount point that another namespace has a mount on, a
# pivot_root that leaves a chrooted process's root where it was), and maps
# it again by that name, which a rule denies.
. /opt/ig/tests/lib.sh
need_bpf_lsm

R=/tmp/mn
rm -rf $R && mkdir -p $R/m $R/src $R/mp $R/pv
mount -t tmpfs mn $R/m || fail "cannot mount tmpfs"
cp /opt/ig/bin/hello $R/m/ig_umount_lib
cp /opt/ig/bin/hello $R/src/ig_detach_lib
allow_all_but /tmp/allow.mn
# Each rule names a file by the name it has after its change (mountmap
# prints the names the kernel gives it, before and after).
igtest_start --mode enforce --allow /tmp/allow.mn \
	--rule deny:/ig_umount_lib --rule deny:/ig_detach_lib --rule deny:$R/pv/ig_pivot_lib

# check CASE ARGS...: the first map allowed, the one after the change refused.
check() {
	local out v1 v2
	out=$(mountmap "$@" 2>&1) || fail "mountmap $*: $out"
	echo "$1: $(echo "$out" | tr '\n' ';')"
	v1=$(echo "$out" | sed -n 's/^before //p')
	v2=$(echo "$out" | sed -n 's/^after //p')
	[ "${v1%% *}" = ok ] || fail "$1: the map of ${v1#* } before the change: ${v1%% *}"
	[ "${v2%% *}" = EPERM ] ||
		fail "$1: the map of ${v2#* } after the change: ${v2%% *}, not EPERM"
}

check umount $R/m ig_umount_lib
check detach $R/src $R/mp ig_detach_lib
[ ! -e $R/mp ] || fail "the mount point was not removed"
check pivot $R/pv /opt/ig/bin/hello ig_pivot_lib

c=$(counters)
assert_eq "order violations" 0 "$(ctr "$c" order_violations)"
echo "mount names ok"
