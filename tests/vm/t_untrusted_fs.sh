# File systems whose content can change under IMA's digest. Whoever owns
# the user namespace an overlay was mounted in owns its layers: a lower file
# rewritten in place under the overlay keeps the digest IMA took on the
# overlay inode at the first exec, and bpf_ima_file_hash hands that digest
# back, so changed bytes would run as listed. As uid 1000, in a user
# namespace, a listed script run through such an overlay is rewritten to
# print a marker and run again: with the operator's --trust-fs overlay (the
# behaviour before such overlays were refused) the marker prints and the
# trail records the listed digest; by default every exec there is a hash
# error (hash_error 66, EREMOTE), refused in enforce mode, listed or not. An
# overlay root mounts in the initial namespace (every container image) is
# judged by digest as before: listed content runs, unlisted is refused. A
# FUSE server, whoever mounted it, serves the listed script's bytes to the
# first exec and the marker's afterwards: with --trust-fs fuse the marker
# prints, by default both execs are refused the same way.
. /opt/ig/tests/lib.sh
need_bpf_lsm
grep -qw overlay /proc/filesystems || skip "no overlayfs in this kernel"
R=/tmp/untrusted
rm -rf $R && mkdir -p $R/l1 $R/l2 $R/m $R/rl1 $R/rl2 $R/rm
LISTED='#!/bin/sh
echo listed-script'
PAYLOAD='#!/bin/sh
echo UNTRUSTED-FS-MARKER'
printf '%s\n' "$LISTED" >$R/listed.sh
cp /opt/ig/bin/hello $R/l1/hello
allow_all_but $R.allow
sha256sum $R/listed.sh | cut -d' ' -f1 >>$R.allow
chmod 755 $R $R/l1 $R/l2 $R/m
chown -R 1000:1000 $R/l1 $R/l2

# in_ns: as uid 1000, in a user namespace, exec hello and the listed script
# through an overlay of l1, rewrite the script in l1 (under the overlay),
# and exec it again; each exec's output or "err ERRNO execve".
in_ns() {
	cp $R/listed.sh $R/l1/s.sh && chmod 755 $R/l1/s.sh && chown 1000:1000 $R/l1/s.sh
	nsovl 1000 $R/l1:$R/l2 $R/m /bin/sh -c "
		execit $R/m/hello; execit $R/m/s.sh
		printf '%s\n' '$PAYLOAD' >$R/l1/s.sh
		execit $R/m/s.sh" 2>&1
}
# ns_lines: the exec events of the user-namespace overlay's files
ns_lines() { grep '"hook":"exec"' $IGT_EVENTS | grep -e "$R/m/" || true; }

# ---- the attack, with such overlays trusted (as before they were refused)
igtest_start --mode enforce --allow $R.allow --trust-fs overlay
out=$(in_ns || true)
igtest_stop
echo "$out"
echo "$out" | grep -q '^err .* \(setuid\|dumpable\|unshare\|map\|private\|mount\)$' &&
	fail "cannot make the overlay in a user namespace: $out"
ns_lines
echo "$out" | grep -qx UNTRUSTED-FS-MARKER && echo "trusted: the rewritten lower script ran through the overlay (stale digest)"

# ---- refused by default
igtest_start --mode enforce --allow $R.allow
out=$(in_ns || true)
igtest_stop
echo "$out"
ns_lines
echo "$out" | grep -qx UNTRUSTED-FS-MARKER && fail "the rewritten lower script ran through a user-namespace overlay"
echo "$out" | grep -qx hello && fail "hello ran through a user-namespace overlay"
assert_eq "user-namespace overlay execs refused" "err EPERM execve
err EPERM execve
err EPERM execve" "$out"
assert_eq "refused as hash errors (EREMOTE)" 3 \
	"$(ns_lines | grep '"decision":"deny"' | grep '"reason":"hash-error"' | grep -c '"hash_error":66,')"

# ---- root's overlay in the initial namespace: judged by digest as before
cp /opt/ig/bin/hello $R/rl1/hello
cp $R/listed.sh $R/rl1/s.sh
printf '%s\n' "$PAYLOAD" >$R/rl1/p.sh
chmod 755 $R/rl1/s.sh $R/rl1/p.sh
mount -t overlay overlay -o lowerdir=$R/rl1:$R/rl2 $R/rm || fail "root cannot mount an overlay"
igtest_start --mode enforce --allow $R.allow
out=$(execit $R/rm/hello) || fail "listed hello refused through root's overlay: $out"
assert_eq "listed hello through root's overlay" hello "$out"
out=$(execit $R/rm/s.sh) || fail "listed script refused through root's overlay: $out"
assert_eq "listed script through root's overlay" listed-script "$out"
out=$(execit $R/rm/p.sh) && fail "unlisted script ran through root's overlay: $out"
assert_eq "unlisted script through root's overlay" "err EPERM execve" "$out"
igtest_stop
umount $R/rm
grep '"hook":"exec"' $IGT_EVENTS | grep -e "$R/rm/" || true
assert_eq "root's overlay: listed allowed by digest" 2 \
	"$(grep '"hook":"exec"' $IGT_EVENTS | grep -e "$R/rm/" | grep '"decision":"allow"' |
		grep -c '"reason":"allowlisted"')"
assert_eq "root's overlay: unlisted refused by digest" 1 \
	"$(grep -e "$R/rm/p.sh" $IGT_EVENTS | grep '"decision":"deny"' | grep -c '"reason":"not-allowlisted"')"

# ---- FUSE, whoever mounted it: a server serves other bytes after IMA's read
if grep -qw fuse /proc/filesystems; then
	F=$R/fuse
	mkdir -p $F
	printf '%s\n' "$PAYLOAD" >$R/payload.sh
	# fuse_run [IGTEST OPTIONS...]: exec F/f (the listed script's bytes), let
	# the server switch to the payload's, exec it again; the outputs in $out.
	fuse_run() {
		rm -f $R/switch
		out=$(fusesrv $F $R/listed.sh $R/payload.sh $R/switch) || fail "fusesrv: $out"
		igtest_start --mode enforce --allow $R.allow "$@"
		out=$(execit $F/f || true)
		: >$R/switch
		out="$out
$(execit $F/f || true)"
		igtest_stop
		umount $F
	}
	fuse_lines() { grep '"hook":"exec"' $IGT_EVENTS | grep -e "\"path\":\"$F/f\"" || true; }
	fuse_run --trust-fs fuse
	echo "$out"
	fuse_lines
	echo "$out" | grep -qx UNTRUSTED-FS-MARKER &&
		echo "trusted: the FUSE server's second bytes ran (stale digest)"
	fuse_run
	echo "$out"
	fuse_lines
	echo "$out" | grep -qx UNTRUSTED-FS-MARKER && fail "the FUSE server's second bytes ran"
	assert_eq "FUSE execs refused" "err EPERM execve
err EPERM execve" "$out"
	assert_eq "FUSE: refused as hash errors (EREMOTE)" 2 \
		"$(fuse_lines | grep '"decision":"deny"' | grep '"reason":"hash-error"' |
			grep -c '"hash_error":66,')"
else
	echo "no FUSE in this kernel: not tried"
fi
echo "untrusted_fs ok"
