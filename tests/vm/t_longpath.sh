# Paths far longer than 256 bytes match their rules exactly: an exact-file
# deny rule at the end of a 30-level directory chain refuses that file and
# not its sibling whose name differs in the last byte only; a recursive deny
# rule on a deep directory refuses a file below it and not one in a sibling
# directory whose name differs in the last byte. The events report the full
# paths.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

hello=$EXT4/bin/hello
base=$EXT4/lp
for i in $(seq 1 30); do
	base=$base/$(printf 'level%02d-abcd' $i)
done
rm -rf $EXT4/lp && mkdir -p $base/subtree/x/y $base/subtref/x/y
cp $hello $base/hello-deny
cp $hello $base/hello-denz
cp $hello $base/subtree/x/y/hello
cp $hello $base/subtref/x/y/hello
echo "base: ${#base} bytes"
[ ${#base} -gt 300 ] || fail "the directory chain is only ${#base} bytes long"

allow_all_but /tmp/allow.lp
igtest_start --mode enforce --allow /tmp/allow.lp \
	--rule "deny:$base/hello-deny" \
	--rule "deny:$base/subtree/:r"

# try PATH: execit PATH, sets rc, out, e (its exec event)
try() {
	execit $1 >/tmp/lp.out & p=$!
	wait $p && rc=0 || rc=$?
	out=$(cat /tmp/lp.out)
	echo "${#1}-byte path: exit $rc: $out"
	# execit's own exec comes first; the second exec of the process is PATH's
	wait_ev 30 '"hook":"exec"' "\"pid\":$p," "$(ev_path $1)" ||
		{ ev "\"pid\":$p,"; fail "no exec event reporting the full path $1"; }
	e=$(ev '"hook":"exec"' "\"pid\":$p," "$(ev_path $1)")
	echo "$e"
	assert_eq "exec events of pid $p with the full path" 1 "$(echo "$e" | wc -l)"
	assert_eq "exec events of pid $p" 2 "$(ev '"hook":"exec"' "\"pid\":$p," | wc -l)"
}

try $base/hello-deny
assert_eq "exact rule: execve" "err EPERM execve" "$out"
assert_eq "exact rule: reason" rule-deny "$(echo "$e" | ev_get reason)"
assert_eq "exact rule: rule" 0 "$(echo "$e" | ev_get rule)"

try $base/hello-denz
assert_eq "sibling of the exact rule: exit status" 0 $rc
assert_eq "sibling of the exact rule: output" hello "$out"
assert_eq "sibling of the exact rule: reason" allowlisted "$(echo "$e" | ev_get reason)"
assert_eq "sibling of the exact rule: rule" -1 "$(echo "$e" | ev_get rule)"

try $base/subtree/x/y/hello
assert_eq "recursive rule: execve" "err EPERM execve" "$out"
assert_eq "recursive rule: reason" rule-deny "$(echo "$e" | ev_get reason)"
assert_eq "recursive rule: rule" 1 "$(echo "$e" | ev_get rule)"

try $base/subtref/x/y/hello
assert_eq "sibling directory: exit status" 0 $rc
assert_eq "sibling directory: reason" allowlisted "$(echo "$e" | ev_get reason)"
assert_eq "sibling directory: rule" -1 "$(echo "$e" | ev_get rule)"

igtest_stop
rm -rf $EXT4/lp
echo "longpath ok"
