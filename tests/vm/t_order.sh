# The chain order is proven at start on this kernel and holds: after
# execs, executable maps and audited opens on all three hooks the counters
# show no order violation, and every hook's chain ran to its emit stage.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

d=$EXT4/order
rm -rf $d && mkdir -p $d
cp $EXT4/bin/hello $d/hello
printf 'order\n' >$d/data.txt
allow_all_but /tmp/allow.order
igtest_start --mode enforce --allow /tmp/allow.order --rule "audit:$d/:hooks=exec,mmap,open"
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
igtest_stop
assert_eq "order violations at exit" 0 "$(ctr "$(cat $IGT_COUNTERS)" order_violations)"
rm -rf $d
echo "order ok"
