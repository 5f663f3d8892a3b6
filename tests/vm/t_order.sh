# The chain order is proven at start on this kernel and holds: after
# execs, executable maps, audited opens and scripts read by an interpreter
# the counters show no order violation, and every hook's chain ran to its
# emit stage. Each hook also meets a file it never saw (a new inode, no
# cached digest, no remembered name), so that stage 1 cannot decide alone
# and stage 2 hashes: the exec and the map each cost a kernel hash.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

d=$EXT4/order
rm -rf $d && mkdir -p $d
cp $EXT4/bin/hello $d/hello
printf 'order\n' >$d/data.txt
printf 'echo ORDER-SCRIPT-RAN\n' >$d/s.sh
allow_all_but /tmp/allow.order
sha256sum <$d/s.sh | cut -d' ' -f1 >>/tmp/allow.order
igtest_start --mode enforce --allow /tmp/allow.order --interp /bin/busybox \
	--rule "audit:$d/:hooks=exec,mmap,open"
cat $IGT_ERR
line=$(grep 'chain attached in order' $IGT_ERR || true)
[ -n "$line" ] || fail "the driver did not say in which order it attached the chain"
order=$(echo "$line" | sed -n 's/.*in order \([0-9],[0-9],[0-9]\).*/\1/p')
case $order in
3,2,1 | 1,2,3) echo "ok: chain attached and proven in order $order" ;;
*) fail "unexpected attach order '$order'" ;;
esac

c0=$(counters)
execflood $d/hello 20 >/tmp/order.out || { cat /tmp/order.out; fail "execflood failed"; }
mmapx $d/hello exec >/tmp/order.out || { cat /tmp/order.out; fail "mmapx failed"; }
openit $d/data.txt $d/hello >/tmp/order.out || { cat /tmp/order.out; fail "openit failed"; }
c1=$(counters)
echo "before: $c0"
echo "after:  $c1"
assert_eq "order violations" 0 "$(ctr "$c1" order_violations)"
for h in exec mmap open; do
	n=$(($(ctr "$c1" runs.$h) - $(ctr "$c0" runs.$h)))
	[ $n -gt 0 ] || fail "no $h hook runs"
	wait_ev 30 "\"hook\":\"$h\"" "$(ev_path $d/hello)" || wait_ev 1 "\"hook\":\"$h\"" "$(ev_path $d/data.txt)" ||
		fail "no $h event from the audited directory"
	echo "ok: $h: $n runs, events emitted"
done

# never seen: each a new inode of listed content, so only a kernel hash in
# stage 2 can decide it (the hello above was cached by its first exec
# before mmapx mapped it)
hashed() { # HOOK FILE CMD...: CMD's access of FILE on HOOK took a kernel hash, in order
	h=$1 f=$2
	shift 2
	a=$(counters)
	"$@" >/tmp/order.out 2>&1 || { cat /tmp/order.out; fail "$h of a new file: $*"; }
	b=$(counters)
	[ $(($(ctr "$b" runs.$h) - $(ctr "$a" runs.$h))) -gt 0 ] || fail "$h of a new file: no $h hook runs"
	[ $(($(ctr "$b" hashes) - $(ctr "$a" hashes))) -gt 0 ] ||
		fail "$h of a new file: no kernel hash (stage 2 never measured)"
	assert_eq "order violations after the $h of a new file" 0 "$(ctr "$b" order_violations)"
	wait_ev 30 "\"hook\":\"$h\"" "$(ev_path $f)" '"decision":"allow"' '"reason":"allowlisted"' ||
		fail "no allowlisted $h event for the new file $f"
	echo "ok: $h of a new file: measured in the kernel, in order"
}
cp $EXT4/bin/hello $d/fresh-exec
hashed exec $d/fresh-exec $d/fresh-exec
cp $EXT4/bin/hello $d/fresh-map
hashed mmap $d/fresh-map mmapx $d/fresh-map exec
# an audited open is judged by name, never hashed in the kernel: a new
# file's open still runs all three stages to its event
printf 'order 2\n' >$d/fresh.txt
a=$(counters)
openit $d/fresh.txt >/tmp/order.out || { cat /tmp/order.out; fail "open of a new file"; }
wait_ev 30 '"hook":"open"' "$(ev_path $d/fresh.txt)" || fail "no open event for the new file"
assert_eq "order violations after the open of a new file" 0 "$(ctr "$(counters)" order_violations)"
echo "ok: open of a new file: emitted, in order"
# a script read by a named interpreter (busybox sh): the script hook
out=$(sh $d/s.sh 2>&1) || true
wait_ev 30 '"hook":"script"' "$(ev_path $d/s.sh)" || fail "no script event for a new script: $out"
assert_eq "order violations after a new script" 0 "$(ctr "$(counters)" order_violations)"
ev '"hook":"script"' "$(ev_path $d/s.sh)" | head -n 1
echo "ok: script hook: emitted, in order ($out)"
igtest_stop
assert_eq "order violations at exit" 0 "$(ctr "$(cat $IGT_COUNTERS)" order_violations)"
rm -rf $d
echo "order ok"
