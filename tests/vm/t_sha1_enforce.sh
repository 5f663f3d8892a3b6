# boot: ima_hash=sha1
# A kernel whose IMA hashes with SHA-1: every measurement is a hash error, so
# in enforce mode even a listed file is refused (reason hash-error), and the
# driver warns at start-up that IMA does not hash with SHA-256.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

P=/tmp/sha1enf
H=$EXT4/bin/hello
cut -d' ' -f1 /opt/ig/SHA256SUMS >$P.allow
rm -f $P.fifo; mkfifo $P.fifo
exec 3<>$P.fifo
# While enforcing, every exec is refused: wait and stop with shell builtins only.
cleanup() { [ -e $P.pid ] && { read -r p <$P.pid; kill -TERM "$p"; } 2>/dev/null; wait; }
trap cleanup EXIT

igtest --mode enforce --allow $P.allow --events $P.ev --pidfile $P.pid 2>$P.err &
n=0
while [ ! -s $P.pid ]; do
	n=$((n + 1))
	[ $n -gt 120 ] && break
	read -r -t 1 x <&3 || true
done
[ -s $P.pid ] || fail "igtest did not start: $(cat $P.err)"
read -r p <$P.pid
if $H 2>$P.out; then ran=1; else ran=0; fi
kill -TERM "$p"; wait
trap - EXIT

cat $P.err
cat $P.out
[ $ran = 0 ] || fail "listed $H ran although its digest could not be checked"
grep -q 'Operation not permitted' $P.out || fail "not refused with EPERM"
grep -q 'warning.*not SHA-256' $P.err || fail "no start-up warning naming SHA-256"
line=$(grep "\"path\":\"$H\"" $P.ev | grep '"hook":"exec"' | head -n 1)
echo "$line"
echo "$line" | grep -q '"decision":"deny"' || fail "not a deny"
echo "$line" | grep -q '"reason":"hash-error"' || fail "reason is not hash-error"
echo "$line" | grep -q '"digest":null' || fail "a SHA-1 digest was reported as SHA-256"
echo "$line" | grep -q '"hash_algo":2' || fail "algorithm is not SHA-1 (2)"
echo "sha1_enforce ok"
