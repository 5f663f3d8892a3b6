# Fileless exec: content copied into a memfd and exec'd by fexecve, by
# execveat(AT_EMPTY_PATH) or through /proc/self/fd/N. Its creator keeps a
# writable descriptor that holds no write access, so neither IMA nor the
# hash cache would see the running text rewritten: only a memfd sealed
# against writes, growth and shrink is judged by its digest (listed content
# runs, unlisted is refused with EPERM). An unsealed one is a hash error
# (hash_error 26, ETXTBSY), refused in enforce mode even with listed content.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

P=/tmp/memfdexec
cut -d' ' -f1 /opt/ig/SHA256SUMS >$P.allow
U=/tmp/memfdexec-hello-modified
cp $EXT4/bin/hello $U; printf x >>$U
mod=$(sha256sum $U | cut -d' ' -f1)
cleanup() { [ -e $P.pid ] && kill -TERM "$(cat $P.pid)" 2>/dev/null; wait; }
trap cleanup EXIT

for way in fexecve execveat procfd; do
	for s in "" sealed; do
		out=$(memfdrun $U $way $s) ||
			fail "$way $s of the modified copy fails without enforcement: $out"
		assert_eq "$way $s without enforcement" hello "$out"
	done
done

igtest --mode enforce --allow $P.allow --events $P.ev --pidfile $P.pid 2>$P.err &
wait_file $P.pid || fail "igtest did not start: $(cat $P.err)"

for way in fexecve execveat procfd; do
	out=$(memfdrun $EXT4/bin/hello $way) && fail "$way of unsealed listed content ran: $out"
	assert_eq "$way of unsealed listed content (errno)" "err 1" "$out"
	out=$(memfdrun $U $way) && fail "$way of unsealed unlisted content ran: $out"
	assert_eq "$way of unsealed unlisted content (errno)" "err 1" "$out"
	out=$(memfdrun $U $way sealed) && fail "$way of sealed unlisted content ran: $out"
	assert_eq "$way of sealed unlisted content (errno)" "err 1" "$out"
	out=$(memfdrun $EXT4/bin/hello $way sealed) || fail "$way of sealed listed content refused: $out"
	assert_eq "$way of sealed listed content" hello "$out"
done

kill -TERM "$(cat $P.pid)"; wait
grep '"hook":"exec"' $P.ev | grep '"path":"/memfd:memfdrun' >$P.lines || true
cat $P.lines
assert_eq "unsealed memfd execs refused as hash errors (ETXTBSY)" 6 \
	"$(grep '"decision":"deny"' $P.lines | grep '"reason":"hash-error"' |
		grep -c '"hash_error":26,')"
assert_eq "sealed memfd exec denials with the unlisted digest" 3 \
	"$(grep '"decision":"deny"' $P.lines | grep -c "\"digest\":\"sha256:$mod\"")"
assert_eq "sealed memfd exec allows with the listed digest" 3 \
	"$(grep '"decision":"allow"' $P.lines | grep -c "\"digest\":\"sha256:$(host_sha256 $EXT4/bin/hello)\"")"
echo "memfd_exec ok"
