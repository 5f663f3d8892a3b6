# The layers of an overlay root mounts in the initial namespace. IMA keeps
# the digest it took on the overlay's inode, and bpf_ima_file_hash hands it
# back; IMA notices a change of the real (layer) file only in its own hook,
# after imaguard's. So a layer file that a user can write in place (owned by
# uid 1000, or group-writable) is rewritten as uid 1000 after a first run
# through the overlay, and run through the overlay again: a listed program,
# a listed `#!` script and a listed library mapped executable in the lower
# layer, a listed script in the upper layer, and a root-owned group-writable
# program, each run as uid 1000. Without the guard (--trust-fs overlay, which trusts every
# overlay) the new bytes may run under the listed digest; by default an exec
# or executable map of such a file is a hash error (hash_error 66,
# EREMOTE), refused in enforce mode, listed or not. A root-owned 0755
# listed program in the same lower layer (every container image) still
# runs, and is refused while a writer holds its real file open. Root
# rewriting a root-owned lower file in place under the mounted overlay is a
# limit (overlayfs calls changes to the layers of a mounted overlay
# undefined): what it does is printed, not asserted.
. /opt/ig/tests/lib.sh
need_bpf_lsm
grep -qw overlay /proc/filesystems || skip "no overlayfs in this kernel"
R=/tmp/ovllow
rm -rf $R && mkdir -p $R
# x86-64 "mov eax, 0x41414141; ret": mapcall prints "ret 1094795585"; the
# payload "BBBB" makes it "ret 1111638594"
printf '\270AAAA\303' >$R/code
printf '#!/bin/sh\necho listed-script\n' >$R/listed.sh
allow_all_but $R.allow
sha256sum $R/code $R/listed.sh | cut -d' ' -f1 >>$R.allow
MARK='OVLRW\|ret 1111638594'
# the files a user can write, and how each is rewritten to its payload
USERS="uprog uscript ulib upper.sh gprog"

# setup: fresh layers and a fresh overlay of them on $R/m
setup() {
	umount $R/m 2>/dev/null || true
	rm -rf $R/low $R/up $R/work && mkdir -p $R/low $R/up $R/work $R/m
	cp /opt/ig/bin/hello $R/low/uprog
	cp /opt/ig/bin/hello $R/low/rprog
	cp /opt/ig/bin/hello $R/low/gprog
	cp $R/listed.sh $R/low/uscript
	cp $R/listed.sh $R/low/rscript
	cp $R/code $R/low/ulib
	cp $R/listed.sh $R/up/upper.sh
	chmod 755 $R/low/uprog $R/low/rprog $R/low/uscript $R/low/rscript $R/up/upper.sh
	chmod 644 $R/low/ulib
	chmod 775 $R/low/gprog
	chown 1000:1000 $R/low/uprog $R/low/uscript $R/low/ulib $R/up/upper.sh
	chown 0:1000 $R/low/gprog
	mount -t overlay overlay -o lowerdir=$R/low,upperdir=$R/up,workdir=$R/work $R/m ||
		fail "root cannot mount an overlay"
}
# run NAME: "NAME: <its output on one line>", run (or mapped and called)
# through the overlay as uid 1000, whom IMA's policy (tcb) does not
# measure at open: only exec and executable maps are measured, in IMA's
# hooks, after imaguard's
run() {
	local out
	case $1 in
	ulib) out=$(echo | runas 1000 /opt/ig/bin/mapcall $R/m/$1 2>&1 || true) ;;
	*) out=$(runas 1000 /opt/ig/bin/execit $R/m/$1 2>&1 || true) ;;
	esac
	echo "$1: $(echo "$out" | tr '\n' ' ')"
}
# real NAME: the layer file under NAME
real() { [ -e $R/up/$1 ] && echo $R/up/$1 || echo $R/low/$1; }
# rewrite_as UID NAME: the payload written in place over NAME's layer file
rewrite_as() {
	case $2 in
	ulib) rewrite --uid $1 $(real $2) AAAA BBBB ;;
	*script | *.sh) rewrite --uid $1 $(real $2) listed-script OVLRW-payload ;;
	*) rewrite --uid $1 $(real $2) hello OVLRW ;;
	esac
}
# attack: run each file, rewrite the user-writable ones as uid 1000, run
# each again. The outputs, one line each.
attack() {
	local n
	for n in $USERS rprog; do run $n; done
	for n in $USERS; do echo "$n: $(rewrite_as 1000 $n)"; done
	for n in $USERS rprog; do run $n; done
}
# lines: the events of files through the overlay
lines() { grep -e "\"path\":\"$R/m/" $IGT_EVENTS || true; }

# ---- every overlay trusted: the guard off
setup
igtest_start --mode enforce --allow $R.allow --trust-fs overlay
out=$(attack)
igtest_stop
echo "$out"
lines
echo "$out" | grep -q "$MARK" &&
	echo "trusted: a user's in-place rewrite of a layer file ran through the overlay (stale digest)"
echo "$out" | grep -q '^rprog: hello $' || fail "trusted: listed rprog did not run: $out"

# ---- by default
setup
igtest_start --mode enforce --allow $R.allow
out=$(attack)
echo "$out"
echo "$out" | grep -q "$MARK" && fail "a user's in-place rewrite of a layer file ran through the overlay"
assert_eq "user-writable layer files refused, root's 0755 program runs" "uprog: err EPERM execve 
uscript: err EPERM execve 
ulib: err EPERM mmap 
upper.sh: err EPERM execve 
gprog: err EPERM execve 
rprog: hello 
uprog: rewritten
uscript: rewritten
ulib: rewritten
upper.sh: rewritten
gprog: rewritten
uprog: err EPERM execve 
uscript: err EPERM execve 
ulib: err EPERM mmap 
upper.sh: err EPERM execve 
gprog: err EPERM execve 
rprog: hello " "$out"
# a writer holding the real file open: its bytes may change under the digest
exec 4>>$R/low/rprog
out=$(run rprog)
exec 4>&-
assert_eq "root's program while a writer holds its real file" "rprog: err EPERM execve " "$out"
assert_eq "and after the writer closed" "rprog: hello " "$(run rprog)"
igtest_stop
lines
assert_eq "refused as hash errors (EREMOTE)" 11 \
	"$(lines | grep '"decision":"deny"' | grep '"reason":"hash-error"' | grep -c '"hash_error":66,')"
assert_eq "root's listed program allowed by digest" 3 \
	"$(lines | grep -e "\"path\":\"$R/m/rprog\"" | grep '"hook":"exec"' |
		grep '"decision":"allow"' | grep -c '"reason":"allowlisted"')"

# the limit: root rewrites its own 0755 lower script in place under the
# mounted overlay, after a first run
igtest_start --mode enforce --allow $R.allow
out="$(run rscript)
$(rewrite_as 0 rscript)
$(run rscript)"
igtest_stop
echo "limit, root's in-place rewrite of a lower file: $out"
lines | grep -e "\"path\":\"$R/m/rscript\"" || true
umount $R/m
echo "overlay_lower ok"
