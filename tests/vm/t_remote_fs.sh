# A network file system's server changes a file's bytes without a write
# through this kernel, so IMA keeps the digest it took at the first exec
# and bpf_ima_file_hash hands it back. This guest serves itself NFSv4.2
# over loopback: the kernel's nfsd exports a tmpfs (the server's disk, its
# export caches written by hand: no mountd, no rpcbind) and the NFS client
# mounts it. As uid 1000, the listed hello is run through the mount, the
# server rewrites it in place (same size) into a script that prints a
# marker, and it is run through the mount again. By default every exec
# there is a hash error (hash_error 66, EREMOTE), refused in enforce mode,
# listed or not, while the listed hello on a local file system still runs;
# with the operator's --trust-fs remote the marker prints and the trail
# records the listed digest (the stale one); in monitor mode the execs run
# and are recorded as would-deny hash errors.
. /opt/ig/tests/lib.sh
need_bpf_lsm

R=/tmp/remote_fs
S=$R/srv
M=$R/mnt
rm -rf $R && mkdir -p $S $M
chmod 755 $R

# ---- the server and the client, from the kernel's own modules
if [ -s /lib/modules/nfs/order ]; then
	for m in $(cat /lib/modules/nfs/order); do
		insmod /lib/modules/nfs/$m.ko 2>$R/insmod.err || grep -q "^$m " /proc/modules ||
			fail "insmod $m.ko: $(cat $R/insmod.err)"
	done
fi
grep -qw nfs4 /proc/filesystems || fail "no NFSv4 client in this kernel"
grep -qw nfsd /proc/filesystems || fail "no NFS server in this kernel"
ip link set lo up || fail "cannot bring lo up"
mount -t tmpfs -o mode=0755 nfssrv $S || fail "cannot mount the server's tmpfs"
grep -q ' /proc/fs/nfsd ' /proc/mounts || mount -t nfsd nfsd /proc/fs/nfsd ||
	fail "cannot mount the nfsd file system"
# NFSv4 alone: the server registers nothing with rpcbind (there is none).
for v in -2 -3 +4 +4.1 +4.2; do echo $v >/proc/fs/nfsd/versions 2>/dev/null || true; done
echo 10 >/proc/fs/nfsd/nfsv4gracetime 2>/dev/null || true
echo 10 >/proc/fs/nfsd/nfsv4leasetime 2>/dev/null || true
# No delegations: the client asks the server at every open.
leases=$(cat /proc/sys/fs/leases-enable)
echo 0 >/proc/sys/fs/leases-enable
echo 2 >/proc/fs/nfsd/threads 2>$R/nfsd.err ||
	{ dmesg | tail -n 20; fail "nfsd did not start: $(cat $R/nfsd.err)"; }
echo "nfsd versions: $(cat /proc/fs/nfsd/versions), threads: $(cat /proc/fs/nfsd/threads)"
# The export caches, as mountd would answer the kernel's upcalls: 127.0.0.1
# is the client localdomain; its NFSv4 root (fsid 0) is S, exported
# read-only (0x1), insecure ports (0x2), no subtree check (0x400), fsid=
# (0x2000).
exp=$(($(date +%s) + 86400))
printf 'nfsd 127.0.0.1 %s localdomain\n' $exp >/proc/net/rpc/auth.unix.ip/channel ||
	fail "cannot write auth.unix.ip"
printf 'localdomain 1 \\x00000000 %s %s\n' $exp $S >/proc/net/rpc/nfsd.fh/channel ||
	fail "cannot write nfsd.fh"
printf 'localdomain %s %s %s 65534 65534 0\n' $S $exp $((0x1 | 0x2 | 0x400 | 0x2000)) \
	>/proc/net/rpc/nfsd.export/channel || fail "cannot write nfsd.export"
cat /proc/net/rpc/nfsd.export/content
out=$(timeout -s KILL 240 netmount nfs4 127.0.0.1:/ $M vers=4.2,addr=127.0.0.1,clientaddr=127.0.0.1 2>&1) ||
	{ dmesg | tail -n 20; fail "cannot mount the export: $out"; }
grep " $M " /proc/mounts

# remote_run MODE [IGTEST OPTIONS...]: as uid 1000, exec the listed hello through
# the mount, rewrite it on the server's disk (in place, same size) into a
# script that prints the marker, exec it again through the mount, and exec
# the listed hello on a local file system; the outputs in $out.
remote_run() {
	rm -f $S/hello
	cp /opt/ig/bin/hello $S/hello && chmod 755 $S/hello
	local mode=$1
	shift
	igtest_start --mode $mode --allow $R.allow "$@"
	out=$(runas 1000 $M/hello || true)
	printf '#!/bin/sh\necho REMOTE-FS-MARKER\nexit 0\n' | dd of=$S/hello conv=notrunc 2>/dev/null
	out="$out
$(runas 1000 $M/hello || true)
$(runas 1000 /opt/ig/bin/hello || true)"
	igtest_stop
}
remote_lines() { grep '"hook":"exec"' $IGT_EVENTS | grep -e "\"path\":\"$M/hello\"" || true; }
allow_all_but $R.allow

# ---- refused by default
remote_run enforce
echo "$out"
remote_lines
echo "$out" | grep -qx REMOTE-FS-MARKER && fail "the server's rewritten program ran through NFS"
assert_eq "NFS execs refused, the local listed hello runs" "err EPERM execve
err EPERM execve
hello" "$out"
assert_eq "NFS: refused as hash errors (EREMOTE)" 2 \
	"$(remote_lines | grep '"decision":"deny"' | grep '"reason":"hash-error"' |
		grep -c '"hash_error":66,')"

# ---- trusted by the operator: the stale digest lets the new bytes run
remote_run enforce --trust-fs remote
echo "$out"
remote_lines
assert_eq "NFS trusted: listed hello, then the server's bytes, then the local hello" "hello
REMOTE-FS-MARKER
hello" "$out"
assert_eq "NFS trusted: both allowed as listed" 2 \
	"$(remote_lines | grep '"decision":"allow"' | grep -c '"reason":"allowlisted"')"

# ---- monitor mode: runs, recorded as the hash error it would be refused for
remote_run monitor
echo "$out"
remote_lines
assert_eq "NFS monitored: all three run" "hello
REMOTE-FS-MARKER
hello" "$out"
assert_eq "NFS monitored: both would be refused as hash errors" 2 \
	"$(remote_lines | grep '"decision":"allow"' | grep '"would_deny":true' |
		grep '"reason":"hash-error"' | grep -c '"hash_error":66,')"

umount $M
echo 0 >/proc/fs/nfsd/threads
echo "$leases" >/proc/sys/fs/leases-enable
echo "remote_fs ok"
