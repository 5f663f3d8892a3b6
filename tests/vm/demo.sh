# The scripted demo, run in the guest by `make demo`. Lines for the person
# watching are prefixed "@@| "; the host prints them.
. /opt/ig/tests/lib.sh
say() { echo "@@| $*"; }
ok=1
expect() { # WHAT EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then say "   -> $3, as expected"; else say "   -> UNEXPECTED: $3 (wanted $2)"; ok=0; fi
}

say "kernel $(uname -r); active LSMs: $(cat /sys/kernel/security/lsm)"
say ""
say "1. The kernel's IMA digest of a program, through the three-stage chain"
say "   (filter, sleepable measure, decide+emit), next to sha256sum:"
$IG probe -v $EXT4/bin/hello 2>&1 | sed 's/^/@@|      /'
sha256sum $EXT4/bin/hello | sed 's/^/@@|      /'

say ""
say "2. Enforce mode with an allowlist of every file the guest ships except"
say "   one program, /mnt/ext4/bin/hello, which is left off the list:"
unlisted=$(host_sha256 $EXT4/bin/hello)
cut -d' ' -f1 /opt/ig/SHA256SUMS | grep -v "$unlisted" >/tmp/demo.allow
igtest --mode enforce --allow /tmp/demo.allow --events /tmp/demo.events \
	--pidfile /tmp/demo.pid 2>/tmp/demo.err &
i=0
while [ ! -e /tmp/demo.pid ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
sed 's/^/@@|      /' /tmp/demo.err
[ -e /tmp/demo.pid ] || { say "the enforcer did not start"; ok=0; }

say ""
say "   \$ /usr/bin/true            (listed, with its listed libraries)"
/usr/bin/true && r=allowed || r=refused
expect "listed" allowed "$r"
say "   \$ /mnt/ext4/bin/hello      (not listed)"
/mnt/ext4/bin/hello >/dev/null 2>/tmp/demo.out && r=allowed || r="refused: $(sed 's/.*: //' /tmp/demo.out)"
expect "unlisted" "refused: Operation not permitted" "$r"
cp /usr/bin/true /tmp/renamed-true
say "   \$ /tmp/renamed-true        (a listed program under a new name: judged by content)"
/tmp/renamed-true && r=allowed || r=refused
expect "renamed" allowed "$r"

kill -TERM "$(cat /tmp/demo.pid)" && wait
say ""
say "3. The events for those three programs (exec and their executable maps):"
grep -e '"path":"/usr/bin/true"' -e '"path":"/mnt/ext4/bin/hello"' -e '"path":"/tmp/renamed-true"' \
	/tmp/demo.events | grep '"hook":"exec"' |
	sed -e 's/"tid":[0-9]*,//; s/"uid.*"comm"/"comm"/; s/,"dev".*"digest"/,"digest"/' \
	    -e 's/,"digest_source".*//; s/^/@@|   /'
[ $ok = 1 ] && echo "@@ DEMO-OK"
