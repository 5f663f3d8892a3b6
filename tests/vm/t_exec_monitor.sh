# Exec in monitor mode: the unlisted binary that enforce mode refuses runs,
# and its event says allow, would_deny, not-allowlisted, with the host's
# digest; a listed one is allowed without would_deny.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

u=$EXT4/bin/hello
ud=$(host_sha256 $u)
ld=$(host_sha256 /usr/bin/sha256sum)
[ -n "$ud" ] && [ -n "$ld" ] || fail "no host digest for $u or /usr/bin/sha256sum"
allow_all_but /tmp/allow.mon $ud
igtest_start --mode monitor --allow /tmp/allow.mon

execit $u >/tmp/mon.out & p=$!
wait $p && rc=0 || rc=$?
assert_eq "exit status of unlisted $u in monitor mode" 0 $rc
assert_eq "its output" hello "$(cat /tmp/mon.out)"
wait_ev 30 '"hook":"exec"' "\"pid\":$p," "$(ev_path $u)" ||
	{ cat $IGT_EVENTS; fail "no exec event for the unlisted program"; }
ev_sync
e=$(ev '"hook":"exec"' "\"pid\":$p," "$(ev_path $u)")
echo "$e"
assert_eq "exec events (exactly one)" 1 "$(echo "$e" | wc -l)"
assert_eq "decision" allow "$(echo "$e" | ev_get decision)"
assert_eq "would_deny" true "$(echo "$e" | ev_get would_deny)"
assert_eq "reason" not-allowlisted "$(echo "$e" | ev_get reason)"
assert_eq "mode" monitor "$(echo "$e" | ev_get mode)"
assert_eq "digest = host sha256 of $u" "sha256:$ud" "$(echo "$e" | ev_get digest)"
assert_eq "digest_source" ima "$(echo "$e" | ev_get digest_source)"
# The static program's own executable segment is mapped by the kernel's ELF
# loader: judged and let through the same way.
e=$(ev '"hook":"mmap"' "\"pid\":$p," "$(ev_path $u)")
echo "$e"
[ -n "$e" ] || fail "no mmap event for the executable segment of $u"
assert_eq "mmap decision" allow "$(echo "$e" | head -n 1 | ev_get decision)"
assert_eq "mmap would_deny" true "$(echo "$e" | head -n 1 | ev_get would_deny)"

/usr/bin/sha256sum /dev/null >/dev/null & p=$!
wait $p
wait_ev 30 '"hook":"exec"' "\"pid\":$p," "$(ev_path /usr/bin/sha256sum)" ||
	fail "no exec event for the listed program"
e=$(ev '"hook":"exec"' "\"pid\":$p," "$(ev_path /usr/bin/sha256sum)")
echo "$e"
assert_eq "listed: decision" allow "$(echo "$e" | ev_get decision)"
assert_eq "listed: would_deny" false "$(echo "$e" | ev_get would_deny)"
assert_eq "listed: reason" allowlisted "$(echo "$e" | ev_get reason)"
assert_eq "listed: digest" "sha256:$ld" "$(echo "$e" | ev_get digest)"

igtest_stop
echo "exec_monitor ok"
