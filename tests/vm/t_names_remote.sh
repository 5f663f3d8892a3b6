# A name remembered on a file system that renames behind this kernel's back
# must not speak for the file after such a rename. A FUSE server renames a
# directory a to b on its side; this kernel learns of it only when b is
# looked up, and then moves the directory's dentry (the children's dentries
# stay as they were): no vfs_rename, so nothing tells the chain. Under a
# deny rule on b/, an open of b/x must be refused though a/x was opened,
# and remembered as unwatched, a moment before; a deny exec rule likewise,
# with FUSE trusted so that its files are run at all.
. /opt/ig/tests/lib.sh
need_bpf_lsm
grep -qw fuse /proc/filesystems || skip "no FUSE in this kernel: $(uname -r)"

R=/tmp/remote
F=$R/mnt
rm -rf $R && mkdir -p $F
printf '#!/bin/sh\necho REMOTE-RENAME-MARKER\n' >$R/x.sh
chmod 0755 $R/x.sh
allow_all_but /tmp/allow.remote
sha256sum <$R/x.sh | cut -d' ' -f1 >>/tmp/allow.remote

# mount: the server's directory is a until $R/switch exists, then b
mount_fuse() {
	rm -f $R/switch
	out=$(fusesrv $F $R/x.sh $R/x.sh $R/switch) || fail "fusesrv: $out"
}

# ---- opens: remembered unwatched under a, denied under b
mount_fuse
igtest_start --mode enforce --allow /tmp/allow.remote --trust-fs fuse \
	--rule "deny:$F/b/:r:hooks=open,exec"
openit $F/a/x >/dev/null || fail "open of a/x refused before the rename"
openit $F/a/x >/dev/null || fail "second open of a/x refused before the rename"
: >$R/switch
[ -e $F/a/x ] && fail "the server still shows a/x after its rename"
out=$(openit $F/b/x) && fail "an open under a deny rule ran by a name remembered before a server-side rename: $out"
echo "$out" | grep -q "^err EPERM" || fail "open of b/x: $out"
wait_ev 30 '"hook":"open"' "$(ev_path $F/b/x)" '"decision":"deny"' >/dev/null ||
	fail "the refused open of b/x has no deny event under its new name"

# ---- execs: allowed by digest under a, denied by the rule under b
rm -f $R/switch
[ -e $F/a/x ] || fail "the server did not rename b back to a"
out=$(execit $F/a/x) || fail "listed script under a refused: $out"
echo "$out" | grep -qx REMOTE-RENAME-MARKER || fail "listed script under a: $out"
execit $F/a/x >/dev/null || fail "second exec of a/x refused"
: >$R/switch
out=$(execit $F/b/x) && fail "an exec under a deny rule ran by a name remembered before a server-side rename: $out"
assert_eq "exec of b/x under the deny rule" "err EPERM execve" "$out"
igtest_stop
umount $F
echo "names_remote ok"
