# Fileless exec: content copied into a memfd and exec'd by fexecve, by
# execveat(AT_EMPTY_PATH) or through /proc/self/fd/N is judged by its digest:
# unlisted content is refused with EPERM, listed content runs.
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
	out=$(memfdrun $U $way) || fail "$way of the modified copy fails without enforcement: $out"
	assert_eq "$way without enforcement" hello "$out"
done

igtest --mode enforce --allow $P.allow --events $P.ev --pidfile $P.pid 2>$P.err &
wait_file $P.pid || fail "igtest did not start: $(cat $P.err)"

for way in fexecve execveat procfd; do
	out=$(memfdrun $U $way) && fail "$way ran unlisted content: $out"
	assert_eq "$way of unlisted content (errno)" "err 1" "$out"
	out=$(memfdrun $EXT4/bin/hello $way) || fail "$way of listed content refused: $out"
	assert_eq "$way of listed content" hello "$out"
done

kill -TERM "$(cat $P.pid)"; wait
grep '"hook":"exec"' $P.ev | grep '"path":"/memfd:memfdrun' >$P.lines || true
cat $P.lines
assert_eq "memfd exec denials with the unlisted digest" 3 \
	"$(grep '"decision":"deny"' $P.lines | grep -c "\"digest\":\"sha256:$mod\"")"
assert_eq "memfd exec allows with the listed digest" 3 \
	"$(grep '"decision":"allow"' $P.lines | grep -c "\"digest\":\"sha256:$(host_sha256 $EXT4/bin/hello)\"")"
echo "memfd_exec ok"
