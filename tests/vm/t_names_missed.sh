# boot: preempt=full
# The programs that forget remembered names after a directory move or a
# mount change run after the kernel function (fexit), and the kernel skips
# a run of one on a CPU where another task was preempted inside it, which
# a kernel preemptible everywhere does. A skipped run owes a bump of the
# name generation; the loader counts the skips the kernel reports and,
# for each new one, forgets every remembered name. Here threads on one CPU
# move directories until the kernel has skipped some runs: the driver must
# report exactly the kernel's count and say what it did.
. /opt/ig/tests/lib.sh
need_bpf_lsm

[ -r /sys/kernel/debug/sched/preempt ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
echo "preemption: $(cat /sys/kernel/debug/sched/preempt 2>/dev/null || echo unknown)"

# The kernel's own count: recursion_misses of the driver's tracing programs
# (prog_type 26), from its descriptors.
kernel_misses() {
	local f n=0 m
	for f in /proc/$IGT_PID/fdinfo/*; do
		grep -q '^prog_type:[[:space:]]*26$' $f 2>/dev/null || continue
		m=$(sed -n 's/^recursion_misses:[[:space:]]*//p' $f)
		n=$((n + ${m:-0}))
	done
	echo $n
}

allow_all_but /tmp/allow.nm
igtest_start --mode monitor --allow /tmp/allow.nm
assert_eq "skipped runs before any move" 0 "$(ctr "$(counters)" names_missed)"

# Whatever the driver does, a skip it has not seen yet cannot leave a name
# stale for long: here the kernel preempts everywhere, so a name is
# trusted only up to 250 ms after the driver's last look at the skips. A
# driver stopped (or busy with a reload, or gone from a pinned chain) lets
# that pass, and every access resolves its path again.
grep -q 'remembered names are trusted for 250 ms after each check' $IGT_ERR ||
	fail "the driver did not say that names need its checks: $(cat $IGT_ERR)"
cp /opt/ig/bin/hello /tmp/nm-hello
h=$(hits_stopped /tmp/nm-hello)
echo "name_hits of five runs while the driver was stopped: +$h"
[ "$h" -le 2 ] || fail "names were recalled with the driver stopped past their freshness: +$h"
a=$(counters)
for i in 1 2 3 4 5; do /tmp/nm-hello >/dev/null || fail "/tmp/nm-hello refused"; done
b=$(counters)
[ "$(delta "$a" "$b" name_hits)" -ge 5 ] ||
	fail "names were not recalled again once the driver ran: +$(delta "$a" "$b" name_hits)"
rm -f /tmp/nm-hello

rm -rf /tmp/nm && mkdir -p /tmp/nm
out=$(renameloop /tmp/nm 4 4) || fail "renameloop: $out"
m=$(kernel_misses)
echo "$out, runs the kernel skipped: $m"
[ "$m" -gt 0 ] || skip "skipped: no run was skipped in $out on one CPU (is the kernel preemptible everywhere?)"

# The driver polls at least every 100 ms; its count follows within a few.
n=0
while [ "$(ctr "$(counters)" names_missed)" != "$m" ]; do
	n=$((n + 1))
	[ $n -gt 50 ] && fail "the driver counts $(ctr "$(counters)" names_missed) skipped runs, the kernel $m"
	bsleep 0.2
done
grep -q 'skipped [0-9]* run(s) of the programs that follow renames and mounts' $IGT_ERR ||
	fail "the driver did not say that it forgot the remembered names: $(cat $IGT_ERR)"
echo "ok: the driver counted the kernel's $m skipped runs and forgot every remembered name"
assert_eq "order violations" 0 "$(ctr "$(counters)" order_violations)"

igtest_stop
rm -rf /tmp/nm
