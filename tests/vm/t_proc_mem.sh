# Code written through /proc/PID/mem: a listed program opens its own mem
# file (or a task's, or a child's) for writing and the kernel forces the
# write into its read-only text (FOLL_FORCE, as `dd of=/proc/self/mem
# seek=ADDR conv=notrunc` does in the DDexec technique). No exec and no
# executable map is judged, yet bytes never judged run. With the chain, a
# write open of a procfs mem file is refused with EPERM in enforce mode
# (reason proc-mem) and recorded as would-deny in monitor mode. Reading mem
# (debuggers, ps-like tools) and the listed program itself still work.
. /opt/ig/tests/lib.sh
need_bpf_lsm

D=/tmp/procmem
rm -rf $D && mkdir -p $D
text_payload $D/payload
allow_all_but $D/allow

# poke WHICH: the payload written through textpoke's own mem file, as uid 1000.
poke() { textpoke --uid 1000 mem "$1" $D/payload 2>&1 | tr '\n' ' ' || true; }
pid_of() { printf '%s\n' "$1" | sed -n 's/^pid \([0-9]*\) .*/\1/p'; }

for which in self task; do
	out=$(poke $which)
	echo "no chain, $which: $out"
	case $out in
	*"PAYLOAD-RAN ret 12 "*) ;;
	*) fail "without enforcement the payload did not run through $which mem: $out" ;;
	esac
done

igtest_start --mode enforce --allow $D/allow
echo "enforce: the unchanged listed program runs and reads its own memory"
assert_eq "enforce: listed program" "ret 42" "$(textpoke --uid 1000 run | sed -n 2p)"
assert_eq "enforce: mem read (self)" "read ok" "$(textpoke --uid 1000 read self | sed -n 2p)"
assert_eq "enforce: mem read (task)" "read ok" "$(textpoke --uid 1000 read task | sed -n 2p)"
out=$(poke self)
echo "enforce, self: $out"
pself=$(pid_of "$out")
assert_eq "enforce: write open of /proc/self/mem" "pid $pself err EPERM open " "$out"
out=$(poke task)
echo "enforce, task: $out"
ptask=$(pid_of "$out")
assert_eq "enforce: write open of /proc/self/task/TID/mem" "pid $ptask err EPERM open " "$out"
# DDexec's first step: dd opens its own mem file for writing.
dd if=/dev/null of=/proc/self/mem conv=notrunc 2>$D/dd.err &&
	fail "enforce: dd opened /proc/self/mem for writing"
echo "enforce, dd: $(cat $D/dd.err)"
c=$(counters)
assert_eq "enforce: refusals counted" 3 "$(ctr "$c" denies.proc-mem)"
ev_sync
igtest_stop
denied=$(ev '"reason":"proc-mem"' '"decision":"deny"' '"hook":"open"')
echo "$denied"
assert_eq "enforce: refused write opens recorded" 3 "$(echo "$denied" | grep -c .)"
assert_eq "enforce: the self write is recorded with its path and uid" 1 \
	"$(echo "$denied" | grep -F "$(ev_path /proc/$pself/mem)" | grep -c '"uid":1000,')"
assert_eq "enforce: the task write is recorded with its path" 1 \
	"$(echo "$denied" | grep -c "\"path\":\"/proc/$ptask/task/$ptask/mem\",")"

# Monitor mode: the write goes through, recorded as would-deny.
igtest_start --mode monitor --allow $D/allow
out=$(poke self)
echo "monitor, self: $out"
pmon=$(pid_of "$out")
case $out in
*"PAYLOAD-RAN ret 12 "*) ;;
*) fail "monitor: the write was refused: $out" ;;
esac
ev_sync
igtest_stop
assert_eq "monitor: recorded as would-deny" 1 \
	"$(ev '"reason":"proc-mem"' '"would_deny":true' '"decision":"allow"' \
		"$(ev_path /proc/$pmon/mem)" | grep -c .)"
echo "proc_mem ok"
