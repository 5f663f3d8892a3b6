# Anonymous files are judged by their content like any other: a copy of an
# unlisted program in a memfd is refused whether it is run with fexecve,
# execveat(fd, "", AT_EMPTY_PATH) or through /proc/self/fd/N; a copy of a
# listed program runs each way.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

u=$EXT4/bin/hello
ud=$(host_sha256 $u)
l=/opt/ig/bin/openit
lsum=$(host_sha256 $l)
[ -n "$ud" ] && [ -n "$lsum" ] || fail "no host digest for $u or $l"
allow_all_but /tmp/allow.memfd $ud
igtest_start --mode enforce --allow /tmp/allow.memfd

for how in fexecve execveat procfd; do
	# listed content: runs and prints what openit prints
	memfdexec $l $how /dev/null >/tmp/memfd.out & p=$!
	wait $p && rc=0 || rc=$?
	echo "$how listed: exit $rc: $(cat /tmp/memfd.out)"
	assert_eq "$how of listed content: output" "ok /dev/null" "$(cat /tmp/memfd.out)"
	assert_eq "$how of listed content: exit status" 0 $rc
	wait_ev 30 '"hook":"exec"' "\"pid\":$p," 'memfd:' ||
		{ ev "\"pid\":$p,"; fail "$how: no exec event for the memfd"; }
	e=$(ev '"hook":"exec"' "\"pid\":$p," 'memfd:')
	echo "$e"
	assert_eq "$how listed: exec events of the memfd" 1 "$(echo "$e" | wc -l)"
	assert_eq "$how listed: decision" allow "$(echo "$e" | ev_get decision)"
	assert_eq "$how listed: reason" allowlisted "$(echo "$e" | ev_get reason)"
	assert_eq "$how listed: digest" "sha256:$lsum" "$(echo "$e" | ev_get digest)"

	# unlisted content: refused with EPERM
	memfdexec $u $how >/tmp/memfd.out & p=$!
	wait $p && rc=0 || rc=$?
	echo "$how unlisted: exit $rc: $(cat /tmp/memfd.out)"
	assert_eq "$how of unlisted content" "err EPERM $how" "$(cat /tmp/memfd.out)"
	wait_ev 30 '"hook":"exec"' "\"pid\":$p," 'memfd:' ||
		{ ev "\"pid\":$p,"; fail "$how: no exec event for the memfd"; }
	e=$(ev '"hook":"exec"' "\"pid\":$p," 'memfd:')
	echo "$e"
	assert_eq "$how unlisted: exec events of the memfd" 1 "$(echo "$e" | wc -l)"
	assert_eq "$how unlisted: decision" deny "$(echo "$e" | ev_get decision)"
	assert_eq "$how unlisted: reason" not-allowlisted "$(echo "$e" | ev_get reason)"
	assert_eq "$how unlisted: digest" "sha256:$ud" "$(echo "$e" | ev_get digest)"
done

igtest_stop
echo "memfd ok"
