# Freshness: a listed binary copied to a new ext4 path runs (the digest counts,
# not the name); one byte appended makes it unlisted and refused; copying the
# original back over it makes it run again (IMA re-measures after the write).
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

P=/tmp/fresh
cut -d' ' -f1 /opt/ig/SHA256SUMS >$P.allow
mkdir -p $EXT4/fresh
F=$EXT4/fresh/renamed-binary
cp $EXT4/bin/hello $F
cleanup() { [ -e $P.pid ] && kill -TERM "$(cat $P.pid)" 2>/dev/null; wait; rm -rf $EXT4/fresh; }
trap cleanup EXIT

igtest --mode enforce --allow $P.allow --events $P.ev --pidfile $P.pid 2>$P.err &
wait_file $P.pid || fail "igtest did not start: $(cat $P.err)"

out=$($F) || fail "copy of a listed binary at a new path refused"
assert_eq "output of the copy" hello "$out"

printf x >>$F
if $F 2>$P.out; then fail "modified copy ran"; fi
cat $P.out
grep -q 'Operation not permitted' $P.out || fail "modified copy not refused with EPERM"
mod=$(sha256sum $F | cut -d' ' -f1)

cp $EXT4/bin/hello $F
out=$($F) || fail "restored copy refused"
assert_eq "output of the restored copy" hello "$out"

kill -TERM "$(cat $P.pid)"; wait
grep "\"path\":\"$F\"" $P.ev | grep '"hook":"exec"' >$P.lines
cat $P.lines
assert_eq "exec events for $F" 3 "$(wc -l <$P.lines | tr -d ' ')"
want=$(host_sha256 $EXT4/bin/hello)
assert_eq "first: allowlisted by digest" "allow allowlisted $want" \
	"$(sed -n 1p $P.lines | sed 's/.*"decision":"\([a-z]*\)".*"reason":"\([a-z-]*\)".*"digest":"sha256:\([0-9a-f]*\)".*/\1 \2 \3/')"
assert_eq "second: new digest refused" "deny not-allowlisted $mod" \
	"$(sed -n 2p $P.lines | sed 's/.*"decision":"\([a-z]*\)".*"reason":"\([a-z-]*\)".*"digest":"sha256:\([0-9a-f]*\)".*/\1 \2 \3/')"
assert_eq "third: restored digest allowed" "allow allowlisted $want" \
	"$(sed -n 3p $P.lines | sed 's/.*"decision":"\([a-z]*\)".*"reason":"\([a-z-]*\)".*"digest":"sha256:\([0-9a-f]*\)".*/\1 \2 \3/')"
echo "freshness ok"
