# boot: preempt=full
# Stage 1 builds its record in per-CPU scratch. With the kernel preemptible
# everywhere, a task preempted inside stage 1 may have another task run
# stage 1 on the same CPU meanwhile: the two must never share a slot, or one
# resumes with the other's record (its file, flags, digest) and is judged
# by it. Here processes pinned to one CPU map a listed and an unlisted file
# in a tight loop in enforce mode: the listed one must never be refused,
# the unlisted one never allowed, and no event may mix the two. With more
# tasks than a CPU has slots, stage 1 builds in a slot of the pool all CPUs
# share, which these tasks cannot fill: no map is refused for want of a
# slot (hash_error 16), on 6.1 either, where the task's own record, the
# last resort, is often not to be had under this load.
. /opt/ig/tests/lib.sh
need_bpf_lsm

[ -r /sys/kernel/debug/sched/preempt ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
echo "preemption: $(cat /sys/kernel/debug/sched/preempt 2>/dev/null || echo unknown)"

D=/tmp/sr
rm -rf $D && mkdir -p $D
cp /opt/ig/bin/hello $D/unlisted
cp /opt/ig/bin/execit $D/listed
u_sha=$(host_sha256 /opt/ig/bin/hello)
l_sha=$(host_sha256 /opt/ig/bin/execit)
[ -n "$u_sha" ] && [ -n "$l_sha" ] || fail "no host digest for hello or execit"
[ "$u_sha" != "$l_sha" ] || fail "hello and execit have the same content"
u_ino=$(stat -c %i $D/unlisted)
l_ino=$(stat -c %i $D/listed)
echo "listed: $D/listed ino $l_ino; unlisted: $D/unlisted ino $u_ino"

allow_all_but /tmp/allow.sr $u_sha

# race PAIRS: 2 * PAIRS processes on CPU 0 for SR_SECONDS; leaves the
# helper's line in $out, its status in $rc, the map events in $maps.
race() {
	igtest_start --mode enforce --allow /tmp/allow.sr
	out=$(scratchrace $D/listed $D/unlisted ${SR_SECONDS:-8} $1) && rc=0 || rc=$?
	echo "scratchrace, $((2 * $1)) processes: $out"
	[ $rc -ne 2 ] || fail "scratchrace could not run: $out"
	# The driver drains the ring on its way out: every event sent is in.
	igtest_stop
	c=$(cat $IGT_COUNTERS)
	echo "counters: $c"
	maps=$(grep -F '"hook":"mmap"' $IGT_EVENTS | grep -F '"comm":"scratchrace"') || true
	echo "map events: $(echo "$maps" | grep -c . || true)"
	busy=$(echo "$maps" | grep -c -F '"hash_error":16,' || true)
	echo "maps refused for want of a free scratch slot: $busy"

	# Every event names one file whole: its own inode, path and digest,
	# and the verdict its digest earns. A refusal for want of a slot
	# (hash_error 16) names no path and no digest.
	bad=$(echo "$maps" | grep -F "\"path\":\"$D/unlisted\"" |
		grep -v -F -e "\"ino\":$u_ino," | head -n 3)
	[ -z "$bad" ] || fail "an event of the unlisted file carries another inode: $bad"
	bad=$(echo "$maps" | grep -F "\"path\":\"$D/listed\"" |
		grep -v -F -e "\"ino\":$l_ino," | head -n 3)
	[ -z "$bad" ] || fail "an event of the listed file carries another inode: $bad"
	bad=$(echo "$maps" | grep -F "\"ino\":$u_ino," | grep -v -F '"decision":"deny"' | head -n 3)
	[ -z "$bad" ] || fail "the unlisted file was allowed: $bad"
	bad=$(echo "$maps" | grep -F "\"ino\":$l_ino," | grep -v -F '"decision":"allow"' |
		grep -v -F '"hash_error":16,' | head -n 3)
	[ -z "$bad" ] || fail "the listed file was refused: $bad"
	bad=$(echo "$maps" | grep -F "sha256:$l_sha" | grep -v -F "\"ino\":$l_ino," | head -n 3)
	[ -z "$bad" ] || fail "the listed digest on another file: $bad"
	bad=$(echo "$maps" | grep -F "sha256:$u_sha" | grep -v -F "\"ino\":$u_ino," | head -n 3)
	[ -z "$bad" ] || fail "the unlisted digest on another file: $bad"
}

# Six processes never hold all 8 slots of a CPU: no map may go the wrong
# way, nor be refused for want of a slot.
race 3
[ $rc -eq 0 ] || fail "a map went the wrong way: $out"
assert_eq "maps refused for want of a slot, 6 processes" 0 "$busy"
echo "ok: no map judged by another task's record"

# Twenty may hold all 8 slots of the CPU: then stage 1 builds in the pool
# (256 slots), which twenty tasks cannot fill, so no map is refused for want
# of a slot, and none allowed unlisted. A refusal of the listed file would
# be one of another kind, which nothing here calls for.
race 10
echo "$out" | grep -q 'other errors 0$' || fail "maps failed otherwise: $out"
n=$(echo "$out" | sed -n 's/.* unlisted ok \([0-9]*\) .*/\1/p')
assert_eq "unlisted maps allowed, 20 processes" 0 "$n"
n=$(echo "$out" | sed -n 's/^listed ok [0-9]* refused \([0-9]*\);.*/\1/p')
assert_eq "listed maps refused, 20 processes" 0 "$n"
assert_eq "maps refused for want of a slot, 20 processes" 0 "$busy"
# Events may be lost to a full ring; the counter misses none.
assert_eq "hash errors, 20 processes" 0 "$(ctr "$c" denies.hash-error)"
echo "ok: with 20 processes, no map refused for want of a slot, none allowed unlisted"
rm -rf $D
