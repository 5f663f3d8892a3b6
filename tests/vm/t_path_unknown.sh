# A path the kernel cannot name never escapes a deny rule. A listed file at
# the bottom of a directory chain longer than PATH_MAX, under a recursive
# deny rule, is refused (exec, executable map, open) with an event whose path
# is empty and whose reason is rule-deny; a file mapping made executable by
# mprotect(2) through a second hard link of a denied file, whose name was
# never remembered, is refused the same way, while the remembered name it was
# mapped by before still passes. Monitor mode records the would-be refusal.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

hello=$EXT4/bin/hello
P=$EXT4/pu
rm -rf $P && mkdir -p $P/deep $P/denied $P/free
cp $hello $P/denied/x				# listed, denied by name
ln $P/denied/x $P/free/l			# the same file by another name
allow_all_but /tmp/allow.pu
cleanup() { igtest_cleanup; deeppath $P/deep 45 remove >/dev/null; rm -rf $P; }

# 45 levels of 100 bytes below $P/deep: over 4,600 bytes in all.
out=$(deeppath $P/deep 45 make $hello) || fail "cannot make the deep path: $out"
# deep ACTION: deeppath on it; sets rc, out (its output without the ino
# line), ino
deep() {
	deeppath $P/deep 45 $1 >/tmp/pu.out & p=$!
	wait $p && rc=0 || rc=$?
	ino=$(sed -n 's/^ino //p' /tmp/pu.out)
	out=$(grep -v '^ino ' /tmp/pu.out)
	echo "deeppath $1: exit $rc: ino $ino: $out"
	[ -n "$ino" ] || fail "deeppath made no file: $out"
}
# evi HOOK: sets e, the last HOOK event of inode $ino
evi() {
	wait_ev 30 "\"hook\":\"$1\"" "\"ino\":$ino," || { cat $IGT_EVENTS; fail "no $1 event for inode $ino"; }
	e=$(ev "\"hook\":\"$1\"" "\"ino\":$ino," | tail -n 1)
}

# refused HOOK WANT: deep HOOK is refused with output WANT, its event says why
refused() {
	deep $1
	assert_eq "$1 of a listed file past PATH_MAX in a denied tree" "$2" "$out"
	evi $1
	echo "$e"
	verdict_is "$1" deny rule-deny -1
	assert_eq "$1: path" "" "$(echo "$e" | sed -n 's/.*"path":"\([^"]*\)".*/\1/p')"
}

# Opens first, under a rule on opens alone (with one in force, the open
# that an exec or map of the file begins with is refused before either).
igtest_start --mode enforce --allow /tmp/allow.pu --rule "deny:$P/deep/:r:hooks=open"
trap cleanup EXIT
refused open "err EPERM open"
igtest_stop

igtest_start --mode enforce --allow /tmp/allow.pu --rule "deny:$P/deep/:r" --rule "deny:$P/denied/"
refused exec "err EPERM execveat"
refused mmap "err EPERM mmap"
# Listed content at a path that resolves, under no rule, still runs.
out=$($hello) || fail "$hello refused: $out"

# Hard link: mapped executable by its free name (measured, name remembered),
# then by its denied name read-only and made executable by mprotect: that
# name was never remembered, and the hook cannot print it.
out=$(mmapx $P/free/l) || fail "executable map of $P/free/l refused: $out"
out=$(mmapx $P/free/l mprotect) || fail "mprotect by the remembered name refused: $out"
if out=$(mmapx $P/denied/x mprotect); then fail "mprotect through the denied name allowed"; fi
assert_eq "mprotect through the denied name" "err EPERM mprotect" "$out"
ino=$(stat -c %i $P/denied/x)
wait_ev 30 '"hook":"mmap"' "\"ino\":$ino," '"path":"",' '"decision":"deny"' '"reason":"rule-deny"' \
	>/dev/null || { ev "\"ino\":$ino,"; fail "no rule-deny event for the mprotect"; }
igtest_stop

# Monitor mode: allowed, recorded as a would-be refusal.
igtest_start --mode monitor --allow /tmp/allow.pu --rule "deny:$P/deep/:r"
deep exec
assert_eq "monitor: exec past PATH_MAX" hello "$out"
evi exec
assert_eq "monitor: would_deny" true "$(echo "$e" | ev_get would_deny)"
assert_eq "monitor: reason" rule-deny "$(echo "$e" | ev_get reason)"
igtest_stop
out=$(deeppath $P/deep 45 remove) || fail "cannot remove the deep path: $out"
echo "path_unknown ok"
