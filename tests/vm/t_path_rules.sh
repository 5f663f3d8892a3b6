# Path rules in the kernel: a deny rule on a recursive directory blocks a
# listed binary below it; an allow rule lets an unlisted binary run without a
# digest check; an audit rule with hooks=open on a directory records opens
# there (with the IMA digest once IMA has measured the file) and nothing else.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

P=/tmp/pathrules
cut -d' ' -f1 /opt/ig/SHA256SUMS >$P.allow
R=$EXT4/pathrules
rm -rf $R
mkdir -p $R/allowed/sub $R/denied/a/b $R/audited $R/outside $R/stage
cp $EXT4/bin/hello $R/denied/a/b/hello        # listed, but in a denied tree
cp $EXT4/bin/hello $R/denied/hello
cp $EXT4/bin/hello $R/allowed/hello-mod; printf x >>$R/allowed/hello-mod   # unlisted
cp $R/allowed/hello-mod $R/allowed/sub/hello-mod   # unlisted, below a non-recursive rule
echo "audited data $$" >$R/stage/data.txt
echo "outside data $$" >$R/outside/data.txt
mv $R/stage/data.txt $R/audited/data.txt      # a rename: no open inside the rule
cleanup() { [ -e $P.pid ] && kill -TERM "$(cat $P.pid)" 2>/dev/null; wait; rm -rf $R; }
trap cleanup EXIT

igtest --mode enforce --allow $P.allow --events $P.ev --pidfile $P.pid \
	--rule allow:$R/allowed/ --rule deny:$R/denied/:r --rule audit:$R/audited/:hooks=open \
	2>$P.err &
wait_file $P.pid || fail "igtest did not start: $(cat $P.err)"

if $R/denied/a/b/hello 2>/dev/null; then fail "listed binary ran in a denied tree"; fi
if $R/denied/hello 2>/dev/null; then fail "listed binary ran in a denied directory"; fi
out=$($R/allowed/hello-mod) || fail "unlisted binary under an allow rule refused"
assert_eq "output under the allow rule" hello "$out"
if $R/allowed/sub/hello-mod 2>/dev/null; then fail "non-recursive allow rule covered a subdirectory"; fi
$EXT4/bin/hello >/dev/null || fail "listed binary outside every rule refused"

cat $R/outside/data.txt >/dev/null
cat $R/audited/data.txt >/dev/null
cat $R/audited/data.txt >/dev/null
cat $R/outside/data.txt >/dev/null
kill -TERM "$(cat $P.pid)"; wait
sum=$(sha256sum $R/audited/data.txt | cut -d' ' -f1)

ev() { # PATH HOOK
	grep "\"path\":\"$1\"" $P.ev | grep "\"hook\":\"$2\"" || true
}
fields() { sed 's/.*"decision":"\([a-z]*\)".*"reason":"\([a-z-]*\)".*"rule":\(-*[0-9]*\)}$/\1 \2 \3/'; }
assert_eq "denied tree, deep" "deny rule-deny 1" "$(ev $R/denied/a/b/hello exec | fields)"
assert_eq "denied tree, top" "deny rule-deny 1" "$(ev $R/denied/hello exec | fields)"
assert_eq "allow rule" "allow rule-allow 0" "$(ev $R/allowed/hello-mod exec | fields)"
assert_eq "below the non-recursive allow rule" "deny not-allowlisted -1" \
	"$(ev $R/allowed/sub/hello-mod exec | fields)"
assert_eq "outside every rule" "allow allowlisted -1" "$(ev $EXT4/bin/hello exec | head -n 1 | fields)"

ev $R/audited/data.txt open >$P.open
cat $P.open
assert_eq "open events in the audited directory" 2 "$(wc -l <$P.open | tr -d ' ')"
assert_eq "open events naming the audit rule" 2 "$(grep -c '"reason":"rule-audit".*"rule":2}' $P.open)"
# At file_open the file is not yet readable by the kernel: the first open of a
# file IMA has not measured has no digest; IMA measures it after that open.
line=$(sed -n 1p $P.open)
echo "$line" | grep -q '"digest":null' || fail "first open has a digest?"
echo "$line" | grep -q '"hash_error":95' || fail "first open is not EOPNOTSUPP"
line=$(sed -n 2p $P.open)
echo "$line" | grep -q '"digest_source":"ima"' || fail "second open has no IMA digest"
assert_eq "second open's digest" "$sum" "$(echo "$line" | sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p')"
assert_eq "events for opens outside the audited directory" 0 \
	"$(grep '"hook":"open"' $P.ev | grep -vc "\"path\":\"$R/audited/")"
echo "path_rules ok"
