# A policy swap is one step: the allowlist and the rules change together or
# not at all. A reload whose rules step fails leaves the old list in force
# with the old rules: a program only the new list has stays refused, and a
# listed one under the old deny rule stays refused by it. A good reload then
# puts the new list and the new rules in force together. A listed program
# outside every rule runs throughout.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

hello=$EXT4/bin/hello
d=$EXT4/policy
rm -rf $d && mkdir -p $d/deny
ext4_unlisted $hello $d/newly		# on the new list only
cp $hello $d/deny/hello			# listed, under the old deny rule only
cp $hello $d/listed			# listed, no rule: runs throughout
sync
nd=$(sha256sum $d/newly | cut -d' ' -f1)
allow_all_but /tmp/ps.old
cp /tmp/ps.old /tmp/ps.new
echo "$nd" >>/tmp/ps.new

igtest_start --mode enforce --allow /tmp/ps.old --rule "deny:$d/deny/" \
	--reload-allow /tmp/ps.new --reload-fault

# try PATH: execit PATH, sets rc, out, e (its exec event)
try() {
	execit $1 >/tmp/ps.out & p=$!
	wait $p && rc=0 || rc=$?
	out=$(cat /tmp/ps.out)
	wait_ev 30 '"hook":"exec"' "\"pid\":$p," "$(ev_path $1)" ||
		{ ev "\"pid\":$p,"; fail "no exec event for $1"; }
	e=$(ev '"hook":"exec"' "\"pid\":$p," "$(ev_path $1)")
	echo "$1: exit $rc: $out"
	echo "$e"
}

# reload N WANT: SIGHUP the driver, wait for its reload N line, check it
reload() {
	kill -HUP $IGT_PID
	n=0
	until grep -q "igtest: reload $1:" $IGT_ERR; do
		n=$((n + 1))
		[ $n -gt 150 ] && { cat $IGT_ERR; fail "no reload $1 within 30 s"; }
		bsleep 0.2
	done
	grep "igtest: reload $1:" $IGT_ERR
	grep -q "igtest: reload $1: $2" $IGT_ERR || { cat $IGT_ERR; fail "reload $1: not $2"; }
}

old_policy() {
	try $d/newly
	assert_eq "$1: not on the old list: execve" "err EPERM execve" "$out"
	assert_eq "$1: not on the old list: reason" not-allowlisted "$(echo "$e" | ev_get reason)"
	try $d/deny/hello
	assert_eq "$1: old deny rule: execve" "err EPERM execve" "$out"
	assert_eq "$1: old deny rule: reason" rule-deny "$(echo "$e" | ev_get reason)"
	try $d/listed
	assert_eq "$1: listed: output" hello "$out"
}

old_policy "before any reload"
# Twice: the second exec of each is decided in stage 1 from the caches.
old_policy "before any reload, cached"

reload 1 "Invalid argument"
old_policy "after a failed reload"
old_policy "after a failed reload, cached"

reload 2 ok
try $d/newly
assert_eq "new list: output" hello "$out"
assert_eq "new list: reason" allowlisted "$(echo "$e" | ev_get reason)"
try $d/deny/hello
assert_eq "no deny rule any more: output" hello "$out"
assert_eq "no deny rule any more: reason" allowlisted "$(echo "$e" | ev_get reason)"
try $d/listed
assert_eq "after the good reload, listed: output" hello "$out"
igtest_stop
