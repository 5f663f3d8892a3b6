# Decisions follow the content, not the name: a copy of a listed binary at a
# new path on ext4 runs; the same file with one byte changed in place is
# refused; written back it runs again. The three events show the same inode
# with the digest of its content at each exec: IMA measured the file afresh
# after each write (write-after-hash freshness on a file system it caches).
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

orig=$EXT4/bin/hello
od=$(host_sha256 $orig)
[ -n "$od" ] || fail "no host digest for $orig"
d=$EXT4/dnn
rm -rf $d && mkdir -p $d
f=$d/renamed
cp $orig $f
allow_all_but /tmp/allow.dnn
grep -q "^$od\$" /tmp/allow.dnn || fail "$orig's digest is not in the allow file"
igtest_start --mode enforce --allow /tmp/allow.dnn

# run LABEL: execit $f; sets rc, out and e (its exec event)
run() {
	execit $f >/tmp/dnn.out & p=$!
	wait $p && rc=0 || rc=$?
	out=$(cat /tmp/dnn.out)
	wait_ev 30 '"hook":"exec"' "\"pid\":$p," "$(ev_path $f)" ||
		{ cat $IGT_EVENTS; fail "$1: no exec event for $f"; }
	e=$(ev '"hook":"exec"' "\"pid\":$p," "$(ev_path $f)")
	echo "$1: $out"
	echo "$e"
}

run "copy at a new path"
assert_eq "exit status" 0 $rc
assert_eq "output" hello "$out"
assert_eq "reason" allowlisted "$(echo "$e" | ev_get reason)"
assert_eq "digest" "sha256:$od" "$(echo "$e" | ev_get digest)"
ino=$(echo "$e" | ev_get ino)

# One byte changed in place (the last one, in the section header table that
# no loader reads): same size, same inode, different digest.
size=$(stat -c %s $f)
printf '\001' | dd of=$f bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
assert_eq "size after the change" $size "$(stat -c %s $f)"
cd_=$(sha256sum $f | cut -d' ' -f1)
[ "$cd_" != "$od" ] || fail "the change did not change the digest"
run "one byte changed"
assert_eq "exit status" 1 $rc
assert_eq "execve result" "err EPERM execve" "$out"
assert_eq "decision" deny "$(echo "$e" | ev_get decision)"
assert_eq "reason" not-allowlisted "$(echo "$e" | ev_get reason)"
assert_eq "digest = guest sha256sum of the changed file" "sha256:$cd_" "$(echo "$e" | ev_get digest)"
assert_eq "inode" $ino "$(echo "$e" | ev_get ino)"

# Written back (cp truncates and rewrites the same inode).
cp $orig $f
assert_eq "restored content" $od "$(sha256sum $f | cut -d' ' -f1)"
run "restored"
assert_eq "exit status" 0 $rc
assert_eq "output" hello "$out"
assert_eq "decision" allow "$(echo "$e" | ev_get decision)"
assert_eq "reason" allowlisted "$(echo "$e" | ev_get reason)"
assert_eq "digest" "sha256:$od" "$(echo "$e" | ev_get digest)"
assert_eq "inode" $ino "$(echo "$e" | ev_get ino)"

igtest_stop
rm -rf $d
echo "digest_not_name ok"
