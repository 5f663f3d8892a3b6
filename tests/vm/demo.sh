# The scripted demo, run in the guest by `make demo`. Lines for the person
# watching are prefixed "@@| "; the host prints them.
. /opt/ig/tests/lib.sh
say() { echo "@@| $*"; }
show() { "$@" 2>&1 | sed 's/^/@@|      /'; }
ok=1
expect() { # EXPECTED ACTUAL
	if [ "$1" = "$2" ]; then say "   -> $2, as expected"; else say "   -> UNEXPECTED: $2 (wanted $1)"; ok=0; fi
}

say "kernel $(uname -r); active LSMs: $(cat /sys/kernel/security/lsm)"
say ""
say "1. The kernel's IMA digest of a program through the three-stage chain"
say "   (filter, sleepable measure, decide+emit), next to sha256sum:"
show $IG probe -v $EXT4/bin/hello
show sha256sum $EXT4/bin/hello

say ""
say "2. An allowlist of the guest's own programs and libraries, signed:"
say "   \$ imaguard allowlist build -o allowlist.json /bin /usr /lib /lib64"
$IG allowlist build -q -o /tmp/allowlist.json /bin /usr /lib /lib64 2>&1 | sed 's/^/@@|      /'
say "   \$ imaguard allowlist sign --key test-key.pem allowlist.json"
show $IG allowlist sign --key $KEY /tmp/allowlist.json
show $IG allowlist show /tmp/allowlist.json

say ""
say "3. The daemon in enforce mode (ready only once the chain order is proven"
say "   and a canary with an unlisted digest was refused):"
$IG run --mode enforce --allowlist /tmp/allowlist.json --trust $PUB --state-dir /tmp/demo-state \
	--audit-log /tmp/audit.log --pidfile /tmp/demo.pid 2>/tmp/demo.err &
daemon=$!
wait_ready /tmp/demo.pid $daemon || { ok=0; say "the daemon did not start"; }
sed 's/^/@@|      /' /tmp/demo.err

say ""
say "   \$ /usr/bin/true            (listed, with its listed libraries)"
/usr/bin/true && r=allowed || r=refused
expect allowed "$r"
say "   \$ /mnt/ext4/bin/hello      (not listed: it is on the ext4 disk, outside the build)"
/mnt/ext4/bin/hello >/dev/null 2>/tmp/demo.out && r=allowed || r="refused: $(sed 's/.*: //' /tmp/demo.out)"
expect "refused: Operation not permitted" "$r"
cp /usr/bin/true /tmp/renamed-true
say "   \$ /tmp/renamed-true        (a listed program under a new name: judged by content)"
/tmp/renamed-true && r=allowed || r=refused
expect allowed "$r"

say ""
say "4. imaguard status:"
sleep 2
show $IG status --state-dir /tmp/demo-state --pin-dir /sys/fs/bpf/none

kill -TERM $daemon && wait $daemon
say ""
say "5. The audit trail for those three programs (hash-chained JSON lines, shortened):"
grep -e '"path":"/usr/bin/true"' -e '"path":"/mnt/ext4/bin/hello"' -e '"path":"/tmp/renamed-true"' \
	/tmp/audit.log | grep '"hook":"exec"' |
	sed -e 's/"prev":"\(........\)[0-9a-f]*"/"prev":"\1…"/; s/"allowlist_sha256":"[0-9a-f]*",//' \
	    -e 's/"tid":[0-9]*,//; s/"uid.*"comm"/"comm"/; s/,"dev".*"digest"/,"digest"/' \
	    -e 's/,"digest_source".*//; s/^/@@|   /'
say ""
say "   \$ imaguard audit verify audit.log"
show $IG audit verify /tmp/audit.log || ok=0
[ $ok = 1 ] && echo "@@ DEMO-OK"
