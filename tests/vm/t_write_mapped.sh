# Write after map: a process maps listed code executable (as a loader maps a
# library, or ld.so a program), and a writer rewrites the file in place
# while it runs. The page cache is shared, so without a guard the running
# process executes bytes that were never judged (the kernel stopped denying
# writes to mapped files in 5.15). With the chain, a write open or a
# truncate by name of content mapped executable is refused with ETXTBSY in
# enforce mode (reason text-busy) and recorded as would-deny in monitor
# mode; once nothing maps it, the write goes through and the new content is
# judged by its own digest.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

D=/tmp/wmap
mkdir -p $D $EXT4/wmap
# x86-64 "mov eax, 42; ret" and "mov eax, 1337; ret"
code42='\270\052\000\000\000\303'
code1337='\270\071\005\000\000\303'
printf "$code42" >$D/code42
allow_all_but $D/allow
sha256sum $D/code42 | cut -d' ' -f1 >>$D/allow
d42=$(sha256sum $D/code42 | cut -d' ' -f1)

# attack DIR: map DIR/lib, rewrite it in place while mapped, call it again.
# Prints the two results, then dd's status line.
attack() {
	local f=$1/lib out=$1/out rc
	printf "$code42" >$f
	rm -f $1/go $out; mkfifo $1/go
	mapcall $f <$1/go >$out 2>&1 &
	local mp=$!
	exec 3>$1/go
	wait_grep '^ret\|^err' $out 30 || fail "mapcall did not map $f: $(cat $out)"
	if printf "$code1337" | dd of=$f conv=notrunc 2>$1/dd.err; then
		rc=written
	else
		rc="refused: $(cat $1/dd.err)"
	fi
	echo go >&3
	exec 3>&-
	wait $mp || true
	tr '\n' ' ' <$out
	echo "$rc"
}

for dir in $D $EXT4/wmap; do
	out=$(attack $dir)
	echo "no chain, $dir: $out"
	assert_eq "without enforcement the rewritten bytes run ($dir)" \
		"ret 42 ret 1337 written" "$out"
done

igtest_start --mode enforce --allow $D/allow
for dir in $D $EXT4/wmap; do
	out=$(attack $dir)
	echo "enforce, $dir: $out"
	case $out in
	"ret 42 ret 42 refused: "*"busy"*) ;;
	*) fail "enforce, $dir: the mapped listed code was rewritten or not run: $out" ;;
	esac
	f=$dir/lib
	# Mapped no more: the write goes through, and the new bytes are judged.
	printf "$code1337" | dd of=$f conv=notrunc 2>/dev/null ||
		fail "enforce, $dir: a write with nothing mapped was refused"
	out=$(echo | mapcall $f) && fail "enforce, $dir: rewritten unlisted code ran: $out"
	assert_eq "enforce, $dir: rewritten code refused" "err EPERM mmap" "$out"
done
# truncate(2) by name of mapped code, busybox's open+ftruncate, an O_TRUNC open
printf "$code42" >$D/lib
rm -f $D/go $D/out; mkfifo $D/go
mapcall $D/lib <$D/go >$D/out 2>&1 &
mp=$!
exec 3>$D/go
wait_grep '^ret' $D/out 30 || fail "mapcall did not map $D/lib: $(cat $D/out)"
truncate -s 0 $D/lib 2>/dev/null && fail "open+ftruncate of mapped code went through"
cachetool truncate $D/lib 0 >/dev/null 2>&1 && fail "truncate(2) of mapped code went through"
sh -c ": >$D/lib" 2>/dev/null && fail "an O_TRUNC open of mapped code went through"
echo go >&3; exec 3>&-; wait $mp || true
assert_eq "mapped code after truncate attempts" "ret 42 ret 42 " "$(tr '\n' ' ' <$D/out)"
ev_sync
igtest_stop
busy=$(ev '"reason":"text-busy"' '"decision":"deny"' '"hook":"open"')
echo "$busy"
assert_eq "refused writes recorded (2 dd, open+ftruncate, O_TRUNC, truncate(2))" 5 \
	"$(echo "$busy" | grep -c .)"
assert_eq "refused writes carry the mapped content's digest" 5 \
	"$(echo "$busy" | grep -c "\"digest\":\"sha256:$d42\"")"
assert_eq "refused write opens name the file" 4 "$(echo "$busy" | grep -c '"path":"/')"
assert_eq "the refused truncate(2) names the inode, not the path" 1 \
	"$(echo "$busy" | grep '"path":"",' | grep -c "\"ino\":$(stat -c %i $D/lib),")"

# Monitor mode: the write goes through, recorded as would-deny.
igtest_start --mode monitor --allow $D/allow
out=$(attack $D)
assert_eq "monitor: the write goes through" "ret 42 ret 1337 written" "$out"
ev_sync
igtest_stop
assert_eq "monitor: the write is recorded as would-deny" 1 \
	"$(ev '"reason":"text-busy"' '"would_deny":true' "$(ev_path $D/lib)" | grep -c .)"
echo "write_mapped ok"
