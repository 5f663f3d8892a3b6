# A file mapping made executable by mprotect(2) is an executable map of the
# file, judged and recorded as one ("hook":"mmap"): listed content measured
# before (an earlier executable map: the digest cache) is allowed, unlisted
# content is refused, and content never measured is refused as a hash error
# (nothing may sleep to hash under the mm's lock). Monitor mode records the
# would-be refusal and allows. A read-only mprotect is not judged. The hook
# may not print a path: a name not remembered from an earlier exec or map
# is recorded as unknown (""), the file by its device and inode.
. /opt/ig/tests/lib.sh
need_bpf_lsm
D=/tmp/mprot
rm -rf $D && mkdir -p $D
cp /opt/ig/bin/hello $D/listed
cp /opt/ig/bin/hello $D/fresh
cp /opt/ig/bin/hello $D/unlisted && printf 'x' >>$D/unlisted
unlisted_sha=$(sha256sum $D/unlisted | cut -d' ' -f1)
allow_all_but /tmp/allow.mp

# Nothing attached: all three pass. A chain an earlier test detached may
# take a moment to be released (its links go after an RCU grace period).
n=0
for f in listed fresh unlisted; do
	until out=$(mmapx $D/$f mprotect); do
		n=$((n + 1))
		[ $n -lt 100 ] || fail "mprotect of $f fails with nothing attached: $out"
		sleep 0.2
	done
done

igtest_start --mode enforce --allow /tmp/allow.mp
refused() {
	if out=$(mmapx "$1" mprotect); then fail "mprotect to executable of $1 allowed ($2)"; fi
	assert_eq "mprotect of $1 ($2)" "err EPERM mprotect" "$out"
}

# Listed, measured by an executable map first: allowed.
out=$(mmapx $D/listed) || fail "executable map of $D/listed refused: $out"
out=$(mmapx $D/listed mprotect) || fail "mprotect of measured listed content refused: $out"
# Listed but never measured: nothing here can measure it.
refused $D/fresh "never measured"
wait_ev 30 '"hook":"mmap"' "$(ino $D/fresh)" '"path":"",' '"decision":"deny"' \
	'"reason":"hash-error"' '"hash_error":61' >/dev/null ||
	fail "no hash-error refusal event for $D/fresh"
# Unlisted: its executable map is refused and measured; then so is mprotect.
out=$(mmapx $D/unlisted) && fail "executable map of unlisted content allowed"
refused $D/unlisted "unlisted"
wait_ev 30 '"hook":"mmap"' "$(ev_path $D/unlisted)" '"reason":"not-allowlisted"' \
	"\"digest\":\"sha256:$unlisted_sha\"" >/dev/null ||
	fail "no not-allowlisted refusal event for the mprotect of $D/unlisted"
# Read-only: not judged, whatever the content.
out=$(mmapx $D/unlisted read) || fail "read-only map of unlisted content refused: $out"
ev_sync
[ "$(ev '"hook":"mmap"' "$(ev_path $D/listed)" '"decision":"allow"' | wc -l)" -ge 2 ] ||
	fail "the executable map and the mprotect of $D/listed are not both recorded"
igtest_stop

# Monitor mode: recorded as a would-be refusal, allowed.
cp /opt/ig/bin/hello $D/fresh2
igtest_start --mode monitor --allow /tmp/allow.mp
out=$(mmapx $D/fresh2 mprotect) || fail "monitor mode refused a mprotect: $out"
wait_ev 30 '"hook":"mmap"' "$(ino $D/fresh2)" '"decision":"allow"' '"would_deny":true' \
	'"reason":"hash-error"' >/dev/null || fail "no would-deny event for $D/fresh2"
igtest_stop
echo "mprotect ok"
