# The scripted demo, run in the guest by `make demo`. Lines for the person
# watching are prefixed "@@| "; the host prints them.
. /opt/ig/tests/lib.sh
say() { echo "@@| $*"; }
show() {
	say "\$ $*"
	"$@" >/tmp/demo.out 2>&1
	rc=$?
	sed 's/^/@@|     /' /tmp/demo.out
	return $rc
}
ok=1

say "kernel $(uname -r); active LSMs: $(cat /sys/kernel/security/lsm)"
say ""
say "1. Load the three-stage chain on bprm_check_security and mmap_file, prove the"
say "   order with a probe exec, and let the kernel measure a program through IMA:"
show $IG probe -v $EXT4/bin/hello || ok=0
say ""
say "2. The same file hashed in userspace, for comparison:"
show sha256sum $EXT4/bin/hello || ok=0
kernel=$($IG probe $EXT4/bin/hello 2>/dev/null | cut -d' ' -f1)
user=$(sha256sum $EXT4/bin/hello | cut -d' ' -f1)
if [ -n "$kernel" ] && [ "$kernel" = "$user" ]; then
	say "   the kernel's IMA digest and userspace SHA-256 agree"
else
	say "   MISMATCH: kernel '$kernel', userspace '$user'"
	ok=0
fi
[ $ok = 1 ] && echo "@@ DEMO-OK"
