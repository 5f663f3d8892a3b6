# Exec in enforce mode: a listed binary runs and its event carries the
# SHA-256 the host computed; an unlisted one is refused with EPERM and its
# one event says deny, not-allowlisted, with the host's digest. An
# executable map of the unlisted file is refused the same way; a read-only
# map of it is not judged at all.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

u=$EXT4/bin/hello
ud=$(host_sha256 $u)
ld=$(host_sha256 /usr/bin/sha256sum)
[ -n "$ud" ] && [ -n "$ld" ] || fail "no host digest for $u or /usr/bin/sha256sum"
allow_all_but /tmp/allow.enf $ud
igtest_start --mode enforce --allow /tmp/allow.enf

# The listed program runs and is judged by its digest.
/usr/bin/sha256sum $u >/tmp/enf.out & p=$!
wait $p && rc=0 || rc=$?
assert_eq "exit status of listed /usr/bin/sha256sum" 0 $rc
assert_eq "its output" "$ud" "$(cut -d' ' -f1 /tmp/enf.out)"
wait_ev 30 '"hook":"exec"' "\"pid\":$p," "$(ev_path /usr/bin/sha256sum)" ||
	{ cat $IGT_EVENTS; fail "no exec event for the listed program"; }
e=$(ev '"hook":"exec"' "\"pid\":$p," "$(ev_path /usr/bin/sha256sum)")
echo "$e"
assert_eq "exec events of the listed program" 1 "$(echo "$e" | wc -l)"
assert_eq "decision" allow "$(echo "$e" | ev_get decision)"
assert_eq "reason" allowlisted "$(echo "$e" | ev_get reason)"
assert_eq "would_deny" false "$(echo "$e" | ev_get would_deny)"
assert_eq "mode" enforce "$(echo "$e" | ev_get mode)"
assert_eq "digest = host sha256 of /usr/bin/sha256sum" "sha256:$ld" "$(echo "$e" | ev_get digest)"
assert_eq "digest_source" ima "$(echo "$e" | ev_get digest_source)"
assert_eq "hash_error" 0 "$(echo "$e" | ev_get hash_error)"
assert_eq "rule" -1 "$(echo "$e" | ev_get rule)"

# The unlisted program is refused with EPERM.
execit $u >/tmp/enf.out & p=$!
wait $p && rc=0 || rc=$?
cat /tmp/enf.out
assert_eq "exit status of execit on unlisted $u" 1 $rc
assert_eq "execve result" "err EPERM execve" "$(cat /tmp/enf.out)"
wait_ev 30 '"hook":"exec"' "\"pid\":$p," "$(ev_path $u)" ||
	{ cat $IGT_EVENTS; fail "no exec event for the refused program"; }
ev_sync
e=$(ev '"hook":"exec"' "\"pid\":$p," "$(ev_path $u)")
echo "$e"
assert_eq "exec events of the refused program (exactly one)" 1 "$(echo "$e" | wc -l)"
assert_eq "decision" deny "$(echo "$e" | ev_get decision)"
assert_eq "reason" not-allowlisted "$(echo "$e" | ev_get reason)"
assert_eq "would_deny" false "$(echo "$e" | ev_get would_deny)"
assert_eq "digest = host sha256 of $u" "sha256:$ud" "$(echo "$e" | ev_get digest)"
assert_eq "comm (the caller)" execit "$(echo "$e" | ev_get comm)"
assert_eq "uid" 0 "$(echo "$e" | ev_get uid)"
assert_eq "rule" -1 "$(echo "$e" | ev_get rule)"

# An executable map of the unlisted file is refused; a read-only one is not judged.
mmapx $u exec >/tmp/enf.out & p=$!
wait $p && rc=0 || rc=$?
cat /tmp/enf.out
assert_eq "mmap PROT_EXEC of unlisted file" "err EPERM mmap" "$(cat /tmp/enf.out)"
mmapx $u read >/tmp/enf.out & q=$!
wait $q && rc=0 || rc=$?
assert_eq "mmap PROT_READ of unlisted file" "ok" "$(cat /tmp/enf.out)"
ev_sync
e=$(ev '"hook":"mmap"' "\"pid\":$p," "$(ev_path $u)")
echo "$e"
assert_eq "mmap events of the refused map (exactly one)" 1 "$(echo "$e" | wc -l)"
assert_eq "decision" deny "$(echo "$e" | ev_get decision)"
assert_eq "reason" not-allowlisted "$(echo "$e" | ev_get reason)"
assert_eq "digest" "sha256:$ud" "$(echo "$e" | ev_get digest)"
assert_eq "mmap events of the read-only map" "" "$(ev '"hook":"mmap"' "\"pid\":$q," "$(ev_path $u)")"

igtest_stop
echo "exec_enforce ok"
