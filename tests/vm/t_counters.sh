# The counters add up: every exec and executable-map hook run sends one
# event or counts one lost; N execs of a listed program count N exec runs
# and N allowed events, K execs of an unlisted one K not-allowlisted
# denials; nothing is an order violation or a hash error.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

N=50 K=5
hello=$EXT4/bin/hello
d=$EXT4/cnt
rm -rf $d && mkdir -p $d
cp $hello $d/listed
ext4_unlisted $hello $d/unlisted
allow_all_but /tmp/allow.cnt
igtest_start --mode enforce --allow /tmp/allow.cnt

c0=$(counters)
execflood $d/listed $N >/tmp/cnt.out || { cat /tmp/cnt.out; fail "execflood of the listed copy failed"; }
c1=$(counters)
execflood $d/unlisted $K >/tmp/cnt.out2 && fail "execflood of the unlisted copy succeeded" || true
c2=$(counters)
echo "before:     $c0"
echo "$(cat /tmp/cnt.out)"
echo "after $N:    $c1"
echo "$(cat /tmp/cnt.out2)"
echo "after $K:     $c2"
assert_eq "listed flood" "execs $N of $N" "$(cat /tmp/cnt.out)"
assert_eq "unlisted flood" "execs 0 of $K (first error EPERM)" "$(cat /tmp/cnt.out2)"

# delta A B KEY
for pair in "c0 c1" "c1 c2"; do
	set -- $pair
	eval a=\$$1 b=\$$2
	runs=$(($(delta "$a" "$b" runs.exec) + $(delta "$a" "$b" runs.mmap)))
	sent=$(($(delta "$a" "$b" events) + $(delta "$a" "$b" lost)))
	assert_eq "$1->$2: events + lost = exec + mmap runs" $runs $sent
	assert_eq "$1->$2: lost" 0 "$(delta "$a" "$b" lost)"
	assert_eq "$1->$2: open runs" 0 "$(delta "$a" "$b" runs.open)"
	assert_eq "$1->$2: hash errors" 0 "$(delta "$a" "$b" hash_errors)"
done
# The runs between two snapshots: execflood, its children, and the
# igcounters that took the second snapshot (nothing else execs meanwhile).
assert_eq "c0->c1: exec runs" $((N + 2)) "$(delta "$c0" "$c1" runs.exec)"
assert_eq "c1->c2: exec runs" $((K + 2)) "$(delta "$c1" "$c2" runs.exec)"
assert_eq "c0->c1: not-allowlisted denials" 0 "$(delta "$c0" "$c1" denies.not-allowlisted)"
assert_eq "c1->c2: not-allowlisted denials" $K "$(delta "$c1" "$c2" denies.not-allowlisted)"
assert_eq "c1->c2: rule denials" 0 "$(delta "$c1" "$c2" denies.rule-deny)"
assert_eq "order violations" 0 "$(ctr "$c2" order_violations)"
assert_eq "record map full" 0 "$(ctr "$c2" record_full)"

# What the counters say was sent is what the consumer wrote.
wait_ev 30 '"hook":"exec"' "$(ev_path $d/unlisted)" || fail "no events for $d/unlisted"
ev_sync
assert_eq "exec events of the listed copy" $N "$(ev '"hook":"exec"' "$(ev_path $d/listed)" | grep -c '"reason":"allowlisted"')"
assert_eq "exec events of the unlisted copy" $K "$(ev '"hook":"exec"' "$(ev_path $d/unlisted)" | grep -c '"decision":"deny"')"

igtest_stop
rm -rf $d
echo "counters ok"
