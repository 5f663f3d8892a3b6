# The dynamic loader as a way around exec checks: `ld.so FILE` execs only the
# (listed) loader, but its PROT_EXEC map of an unlisted FILE is refused; an
# unlisted LD_PRELOAD library cannot be mapped executable either; a listed
# program with listed libraries runs.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

P=/tmp/ldsomap
LDSO=/lib64/ld-linux-x86-64.so.2
LIBC=/lib/x86_64-linux-gnu/libc.so.6
cut -d' ' -f1 /opt/ig/SHA256SUMS >$P.allow
D=$EXT4/ldsomap
rm -rf $D; mkdir -p $D
F=$D/true-modified
SO=$D/libc-modified.so.6
cp /usr/bin/true $F; printf x >>$F; chmod 755 $F
cp $LIBC $SO; printf x >>$SO
cleanup() { [ -e $P.pid ] && kill -TERM "$(cat $P.pid)" 2>/dev/null; wait; rm -rf $D; }
trap cleanup EXIT

# Without enforcement both variants work: the refusals below are the enforcer's.
$LDSO $F || fail "ld.so $F fails without enforcement"
LD_PRELOAD=$SO /usr/bin/true 2>$P.out || fail "LD_PRELOAD fails without enforcement"
[ -s $P.out ] && fail "LD_PRELOAD complains without enforcement: $(cat $P.out)"

igtest --mode enforce --allow $P.allow --events $P.ev --pidfile $P.pid 2>$P.err &
wait_file $P.pid || fail "igtest did not start: $(cat $P.err)"

/usr/bin/true || fail "listed /usr/bin/true with listed libraries refused"
if $F 2>/dev/null; then fail "unlisted $F ran directly"; fi

if $LDSO $F 2>$P.out; then fail "ld.so ran unlisted $F"; fi
echo "ld.so $F: $(cat $P.out)"

LD_PRELOAD=$SO /usr/bin/true 2>$P.pre && st=0 || st=$?
echo "LD_PRELOAD=$SO /usr/bin/true: status $st: $(cat $P.pre)"

kill -TERM "$(cat $P.pid)"; wait

grep "\"path\":\"$F\"" $P.ev | grep '"hook":"mmap"' | grep '"decision":"deny"' | head -n 1 >$P.line
cat $P.line
grep -q '"reason":"not-allowlisted"' $P.line || fail "no mmap deny event for $F"
grep -q "\"digest\":\"sha256:$(sha256sum $F | cut -d' ' -f1)\"" $P.line || fail "wrong digest for $F"
grep -q '"comm":"ld-linux-x86-64"' $P.line || fail "the refused map of $F was not the loader's"
grep "\"path\":\"$F\"" $P.ev | grep '"hook":"exec"' | grep -q '"decision":"deny"' ||
	fail "no exec deny event for running $F directly"

grep "\"path\":\"$SO\"" $P.ev | grep '"hook":"mmap"' | grep '"decision":"deny"' | head -n 1 >$P.line
cat $P.line
grep -q '"reason":"not-allowlisted"' $P.line || fail "no mmap deny event for $SO"
grep "\"path\":\"$SO\"" $P.ev | grep '"decision":"allow"' && fail "some map of $SO was allowed"
# glibc reports a preload it cannot map and carries on without it (status 0):
# the library never becomes executable, which is what the enforcer promises.
grep -q 'cannot be preloaded' $P.pre || fail "loader did not report the refused preload"
grep "\"path\":\"$LIBC\"" $P.ev | grep '"hook":"mmap"' | grep -q '"decision":"allow"' ||
	fail "listed libc was not mapped"
echo "ldso_map ok"
