# The dynamic loader cannot be used to get around the exec check: running an
# unlisted program as "ld.so PROGRAM" is refused when the loader maps it
# executable; a preloaded unlisted library is refused its executable mapping
# (glibc's loader then says it cannot be preloaded and goes on without it);
# an unlisted copy of a needed library stops the program from starting; a
# listed program with listed libraries runs.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

LDSO=/lib64/ld-linux-x86-64.so.2
LIBDIR=/lib/x86_64-linux-gnu
[ -e $LDSO ] && [ -e $LIBDIR/libc.so.6 ] || skip "no dynamic loader or libc in the guest"
d=$EXT4/ldso
rm -rf $d && mkdir -p $d/lib $d/libc
cp /usr/bin/sha256sum $d/sha-listed
ext4_unlisted /usr/bin/sha256sum $d/sha-unlisted
pre=
for l in libz.so.1 libelf.so.1 libjansson.so.4 libzstd.so.1; do
	[ -e $LIBDIR/$l ] && { pre=$LIBDIR/$l; break; }
done
[ -n "$pre" ] || skip "no small shared library in $LIBDIR to preload: $(ls $LIBDIR)"
ext4_unlisted $pre $d/lib/unlisted.so
ext4_unlisted $LIBDIR/libc.so.6 $d/libc/libc.so.6
ud=$(sha256sum $d/sha-unlisted | cut -d' ' -f1)
pd=$(sha256sum $d/lib/unlisted.so | cut -d' ' -f1)
cd_=$(sha256sum $d/libc/libc.so.6 | cut -d' ' -f1)
empty=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
allow_all_but /tmp/allow.ldso
igtest_start --mode enforce --allow /tmp/allow.ldso

# A listed program, run through the loader by hand: runs.
$LDSO $d/sha-listed /dev/null >/tmp/ldso.out 2>&1 & p=$!
wait $p && rc=0 || rc=$?
cat /tmp/ldso.out
assert_eq "ld.so <listed copy>: exit status" 0 $rc
assert_eq "ld.so <listed copy>: output" "$empty" "$(cut -d' ' -f1 /tmp/ldso.out)"

# An unlisted program through the loader: its executable mapping is refused.
$LDSO $d/sha-unlisted /dev/null >/tmp/ldso.out 2>/tmp/ldso.err & p=$!
wait $p && rc=0 || rc=$?
echo "ld.so <unlisted>: exit $rc, stderr: $(cat /tmp/ldso.err)"
[ $rc -ne 0 ] || fail "ld.so ran the unlisted program (exit 0)"
assert_eq "ld.so <unlisted>: output" "" "$(cat /tmp/ldso.out)"
wait_ev 30 '"hook":"mmap"' "\"pid\":$p," "$(ev_path $d/sha-unlisted)" '"decision":"deny"' ||
	{ ev "\"pid\":$p,"; fail "no refused mmap event for $d/sha-unlisted"; }
e=$(ev '"hook":"mmap"' "\"pid\":$p," "$(ev_path $d/sha-unlisted)" '"decision":"deny"')
echo "$e"
assert_eq "reason" not-allowlisted "$(echo "$e" | head -n 1 | ev_get reason)"
assert_eq "digest" "sha256:$ud" "$(echo "$e" | head -n 1 | ev_get digest)"
e=$(ev '"hook":"exec"' "\"pid\":$p,")
echo "$e"
assert_eq "the exec itself was of the listed loader" "allow $LDSO" \
	"$(echo "$e" | ev_get decision) $(echo "$e" | ev_get path)"

# A preloaded unlisted library is refused its executable mapping.
LD_PRELOAD=$d/lib/unlisted.so /usr/bin/true >/tmp/ldso.out 2>&1 & p=$!
wait $p && rc=0 || rc=$?
echo "LD_PRELOAD=unlisted true: exit $rc, output: $(cat /tmp/ldso.out)"
wait_ev 30 '"hook":"mmap"' "\"pid\":$p," "$(ev_path $d/lib/unlisted.so)" '"decision":"deny"' ||
	{ ev "\"pid\":$p,"; fail "no refused mmap event for the preloaded $d/lib/unlisted.so"; }
ev_sync
e=$(ev '"hook":"mmap"' "\"pid\":$p," "$(ev_path $d/lib/unlisted.so)")
echo "$e"
assert_eq "mmap events of the preload (all refused)" "" "$(echo "$e" | grep -v '"decision":"deny"' || true)"
assert_eq "reason" not-allowlisted "$(echo "$e" | head -n 1 | ev_get reason)"
assert_eq "digest" "sha256:$pd" "$(echo "$e" | head -n 1 | ev_get digest)"
grep -q "unlisted.so.*cannot be preloaded" /tmp/ldso.out ||
	fail "the loader did not report the preload as refused"

# An unlisted copy of a needed library: the program cannot start.
LD_LIBRARY_PATH=$d/libc /usr/bin/true >/tmp/ldso.out 2>&1 & p=$!
wait $p && rc=0 || rc=$?
echo "LD_LIBRARY_PATH=<unlisted libc> true: exit $rc, output: $(cat /tmp/ldso.out)"
[ $rc -ne 0 ] || fail "true started with an unlisted libc"
wait_ev 30 '"hook":"mmap"' "\"pid\":$p," "$(ev_path $d/libc/libc.so.6)" '"decision":"deny"' ||
	{ ev "\"pid\":$p,"; fail "no refused mmap event for the unlisted libc"; }
e=$(ev '"hook":"mmap"' "\"pid\":$p," "$(ev_path $d/libc/libc.so.6)" '"decision":"deny"')
assert_eq "unlisted libc digest" "sha256:$cd_" "$(echo "$e" | head -n 1 | ev_get digest)"

# The listed program with its listed libraries runs; its libc map is allowed.
/usr/bin/true & p=$!
wait $p && rc=0 || rc=$?
assert_eq "/usr/bin/true: exit status" 0 $rc
wait_ev 30 '"hook":"mmap"' "\"pid\":$p," 'libc.so.6",' ||
	{ ev "\"pid\":$p,"; fail "no mmap event for true's libc"; }
ev_sync
ev "\"pid\":$p,"
assert_eq "refused events of /usr/bin/true" "" "$(ev "\"pid\":$p," '"decision":"deny"')"
e=$(ev '"hook":"mmap"' "\"pid\":$p," 'libc.so.6",' | head -n 1)
assert_eq "libc map reason" allowlisted "$(echo "$e" | ev_get reason)"
assert_eq "libc map digest" "sha256:$(host_sha256 $LIBDIR/libc.so.6)" "$(echo "$e" | ev_get digest)"

igtest_stop
rm -rf $d
echo "ldso ok"
