# boot: preempt=full
# Stage 1 builds its record in per-CPU scratch. With the kernel preemptible
# everywhere, a task preempted inside stage 1 may have another task run
# stage 1 on the same CPU meanwhile: the two must never share a slot, or one
# resumes with the other's record (its file, flags, digest) and is judged
# by it. Here processes pinned to one CPU map a listed and an unlisted file
# in a tight loop in enforce mode: the listed one must never be refused,
# the unlisted one never allowed, and no event may mix the two.
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
igtest_start --mode enforce --allow /tmp/allow.sr

out=$(scratchrace $D/listed $D/unlisted ${SR_SECONDS:-8} 3) && rc=0 || rc=$?
echo "scratchrace: $out"
[ $rc -ne 2 ] || fail "scratchrace could not run: $out"
ev_sync
igtest_stop
c=$(cat $IGT_COUNTERS)
echo "counters: $c"

# Every event of either file names it whole: its own inode, path and
# digest, and the verdict its digest earns.
maps=$(grep -F '"hook":"mmap"' $IGT_EVENTS | grep -F "\"path\":\"$D/") || true
echo "map events: $(echo "$maps" | grep -c . || true)"
bad=$(echo "$maps" | grep -F "\"path\":\"$D/unlisted\"" |
	grep -v -F -e "\"ino\":$u_ino," | head -n 3)
[ -z "$bad" ] || fail "an event of the unlisted file carries another inode: $bad"
bad=$(echo "$maps" | grep -F "\"path\":\"$D/listed\"" |
	grep -v -F -e "\"ino\":$l_ino," | head -n 3)
[ -z "$bad" ] || fail "an event of the listed file carries another inode: $bad"
bad=$(echo "$maps" | grep -F "\"ino\":$u_ino," | grep -v -F '"decision":"deny"' | head -n 3)
[ -z "$bad" ] || fail "the unlisted file was allowed: $bad"
bad=$(echo "$maps" | grep -F "\"ino\":$l_ino," | grep -v -F '"decision":"allow"' | head -n 3)
[ -z "$bad" ] || fail "the listed file was refused: $bad"
bad=$(echo "$maps" | grep -F "sha256:$l_sha" | grep -v -F "\"ino\":$l_ino," | head -n 3)
[ -z "$bad" ] || fail "the listed digest on another file: $bad"
bad=$(echo "$maps" | grep -F "sha256:$u_sha" | grep -v -F "\"ino\":$u_ino," | head -n 3)
[ -z "$bad" ] || fail "the unlisted digest on another file: $bad"
# A slot pool that was full refuses, with its own error, never mixes.
busy=$(echo "$maps" | grep -c -F '"hash_error":16,' || true)
echo "maps refused for want of a free scratch slot: $busy"
[ $rc -eq 0 ] || fail "a map went the wrong way: $out"
echo "ok: no map judged by another task's record"
rm -rf $D
