# Only a regular file has a content digest. IMA hashes i_size bytes of what
# it is given, so a device reads as the empty file: with the empty file's
# digest listed, an executable map of /dev/zero (at mmap, or made executable
# by mprotect(2)) would be judged as listed content. It is a hash error
# (hash_error 8, ENOEXEC), refused in enforce mode and recorded as a
# would-deny in monitor mode. A listed regular file, the empty one included,
# maps as before.
. /opt/ig/tests/lib.sh
need_bpf_lsm
P=/tmp/notreg
EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
allow_all_but $P.allow
echo $EMPTY >>$P.allow
rm -f $P.empty && : >$P.empty

# zero_lines: the test's /dev/zero map records
zero_lines() { grep '"hook":"mmap"' $IGT_EVENTS | grep '"path":"/dev/zero"' || true; }

igtest_start --mode enforce --allow $P.allow
out=$(mmapx /opt/ig/bin/hello) || fail "executable map of listed /opt/ig/bin/hello refused: $out"
out=$(mmapx $P.empty) || fail "executable map of the listed empty regular file refused: $out"
if out=$(mmapx /dev/zero); then fail "executable map of /dev/zero allowed"; fi
assert_eq "executable map of /dev/zero" "err EPERM mmap" "$out"
if out=$(mmapx /dev/zero mprotect); then fail "mprotect to executable of /dev/zero allowed"; fi
assert_eq "mprotect to executable of /dev/zero" "err EPERM mprotect" "$out"
out=$(mmapx /opt/ig/bin/hello) || fail "executable map of listed /opt/ig/bin/hello refused after: $out"
igtest_stop
zero_lines
assert_eq "enforce: /dev/zero maps refused as hash errors (ENOEXEC)" 2 \
	"$(zero_lines | grep '"decision":"deny"' | grep '"reason":"hash-error"' |
		grep -c '"hash_error":8,')"
assert_eq "enforce: the empty regular file allowed with its digest" 1 \
	"$(grep "\"path\":\"$P.empty\"" $IGT_EVENTS | grep '"decision":"allow"' |
		grep -c "\"digest\":\"sha256:$EMPTY\"")"

igtest_start --mode monitor --allow $P.allow
out=$(mmapx /dev/zero) || fail "monitor mode refused an executable map of /dev/zero: $out"
igtest_stop
assert_eq "monitor: /dev/zero map recorded as a would-deny hash error" 1 \
	"$(zero_lines | grep '"would_deny":true' | grep -c '"hash_error":8,')"
echo "not_regular ok"
