# Root against the enforcer's own objects, with bpftool: entries added to
# and deleted from the allowlist in force, the policy slots swapped for a
# map of the attacker's, the globals (.bss) rewritten, the links detached,
# the pins removed or their bpffs unmounted, the event ring buffer drained
# by another reader. Each is refused, with a `tamper` record naming it, the
# unlisted payload never runs, and enforcement is live after: a listed
# program runs, an unlisted one is refused, and `imaguard stop` still ends
# it.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4
S=/tmp/ig-state-tamper P=/sys/fs/bpf/igtamper LOG=/tmp/tamper.log
hello=$EXT4/bin/hello
payload=$EXT4/tamper/payload
ext4_unlisted /opt/ig/bin/hello $payload
make_allowlist /tmp/tm.json 1
rm -f /tmp/tm.pid
$IG run --mode enforce --allowlist /tmp/tm.json --trust $PUB --state-dir $S \
	--audit-log $LOG --pidfile /tmp/tm.pid --pin-dir $P 2>/tmp/tm.err &
daemon=$!
trap 'kill $daemon 2>/dev/null || true; wait $daemon 2>/dev/null || true; $IG stop --state-dir $S --pin-dir $P >/dev/null 2>&1 || true' EXIT
wait_ready /tmp/tm.pid $daemon || { daemon_diag /tmp/tm.err $S; fail "the daemon never became ready"; }
if $payload 2>/dev/null; then fail "the unlisted payload ran before any attack"; fi
$hello >/dev/null || fail "a listed program is refused before any attack"

# say LINE: to the test's output and to the console, which shows it even when
# the runner can no longer exec anything to print the output.
say() {
	echo "$*"
	echo "@@| $*" >/dev/console 2>/dev/null || true
}
hexkey() { # DIGEST: an ig_allow_key, path-free
	echo "hex $(echo $1 | sed 's/../& /g') 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
}
pkey=$(hexkey "$(sha256sum <$payload | cut -c1-64)")
hkey=$(hexkey "$(host_sha256 $hello)")
bpfmaps >/tmp/tm.maps
cat /tmp/tm.maps
outer=$(awk '$3 == "allowlist" { print $1 }' /tmp/tm.maps)
inner=$(awk '$3 == "allowlist" { for (i = 5; i <= 6; i++) { split($i, a, "="); if (a[2] != 0) print a[2] } }' /tmp/tm.maps)
bss=$(awk '$3 ~ /\.bss$/ { print $1; exit }' /tmp/tm.maps)
bss_size=$(awk '$3 ~ /\.bss$/ { print $4; exit }' /tmp/tm.maps)
# The slot not in force: ig_policy is the .bss's second word.
idle=$(awk '$3 ~ /\.bss$/ { sub("w1=", "", $6); print ($6 + 1) % 2; exit }' /tmp/tm.maps)
# A .bss with ig_policy (its second word: bpf/enforcer.bpf.c) on that slot,
# the attacker's once swapped, and every rule's hook off.
bss_val="ff 00 00 00 0$idle 00 00 00$(i=8; while [ $i -lt $bss_size ]; do printf ' 00'; i=$((i + 1)); done)"
ring=$(awk '$2 == 27 && $3 == "events" { print $1 }' /tmp/tm.maps)
links=$(cat /proc/$daemon/fdinfo/* 2>/dev/null | sed -n 's/^link_id:[[:space:]]*//p' | sort -un)
say "outer $outer inner [$inner] bss $bss ($bss_size B) ring $ring links [$(echo $links)]"
[ -n "$outer" ] && [ -n "$inner" ] && [ -n "$bss" ] && [ -n "$ring" ] && [ -n "$links" ] ||
	fail "cannot find the chain's objects"

bad=0
# attempt NAME COMMAND...: the command must fail; then the payload must not run.
attempt() {
	local name=$1
	shift
	if "$@" >/tmp/tm.out 2>&1; then
		say "TAMPERED: $name: $*"
		bad=$((bad + 1))
	else
		say "refused: $name: $(tail -n 1 /tmp/tm.out)"
	fi
	if $payload >/dev/null 2>&1; then
		say "TAMPERED: the unlisted payload ran after $name"
		bad=$((bad + 1))
	fi
}

attempt "event ring buffer drained" ringsteal $ring
for id in $inner; do
	# The map is sized to the list: an entry out makes room for one in.
	attempt "allowlist entry deleted (map $id)" bpftool map delete id $id key $hkey
	attempt "allowlist entry added (map $id)" bpftool map update id $id key $pkey value hex 00 00 00 00
	attempt "allowlist map frozen (map $id)" bpftool map freeze id $id
done
bpftool map create /sys/fs/bpf/tm-evil type hash key 48 value 4 entries 8 name ig_allow ||
	fail "cannot create a map of one's own"
bpftool map update pinned /sys/fs/bpf/tm-evil key $pkey value hex 00 00 00 00 ||
	fail "cannot fill a map of one's own"
# The slot not in force: swapping in force too would refuse what the test runs.
attempt "policy slot $idle swapped" bpftool map update id $outer key $idle 0 0 0 \
	value pinned /sys/fs/bpf/tm-evil
attempt "policy slot $idle swapped through the pin" bpftool map update pinned $P/map-allowlist \
	key $idle 0 0 0 value pinned /sys/fs/bpf/tm-evil
rm -f /sys/fs/bpf/tm-evil
attempt "pin of a link removed" rm -f $P/link-exec-emit
attempt "pin of a map removed" rm -f $P/map-allowlist
attempt "pin renamed" mv -f $P/link-mmap-filter $P/moved
attempt "pin directory renamed" mv -f $P /sys/fs/bpf/tm-moved
attempt "bpffs of the pins unmounted" umount /sys/fs/bpf
attempt "bpffs of the pins unmounted lazily" umount -l /sys/fs/bpf
attempt "link detached through its pin" bpftool link detach pinned $P/link-exec-filter
for l in $links; do
	attempt "link $l detached" bpftool link detach id $l
done
attempt ".bss rewritten" bpftool map update id $bss key 0 0 0 0 value hex $bss_val
attempt ".bss rewritten through the pin" bpftool map update pinned $P/map-bss key 0 0 0 0 \
	value hex $bss_val
ls $P || true

# A restart: with the daemon gone the chain is vacant, and still no one
# else's; the next daemon (the same executable) adopts it and guards it.
# SIGKILL is refused (the daemon is guarded by the same name as its
# objects); SIGTERM stops it and leaves the pinned chain enforcing.
attempt "daemon killed" kill -KILL $daemon
kill -TERM $daemon 2>/dev/null || true
wait $daemon 2>/dev/null || true
for id in $inner; do
	attempt "vacant: allowlist entry added (map $id)" bpftool map update id $id key $pkey \
		value hex 00 00 00 00
done
attempt "vacant: pin of a link removed" rm -f $P/link-exec-emit
before=$(grep -c '"type":"tamper"' $LOG || true)
rm -f /tmp/tm.pid
$IG run --mode enforce --allowlist /tmp/tm.json --trust $PUB --state-dir $S \
	--audit-log $LOG --pidfile /tmp/tm.pid --pin-dir $P 2>/tmp/tm.err &
daemon=$!
wait_ready /tmp/tm.pid $daemon || { daemon_diag /tmp/tm.err $S; fail "the next daemon never became ready"; }
grep '"type":"start"' $LOG | tail -n 1 | grep -q '"adopted":true' || fail "the next daemon did not adopt"
# What was refused while no daemon read is in the ring buffer: recorded now.
wait_grep "\"what\":\"pin-unlink\".*\"comm\":\"rm\"" $LOG 10 || true
attempt "after adoption: .bss rewritten" bpftool map update id $bss key 0 0 0 0 value hex $bss_val
attempt "after adoption: pin renamed" mv -f $P/link-mmap-filter $P/moved
n=0
while [ "$(grep -c '"type":"tamper"' $LOG || true)" -lt $((before + 4)) ]; do
	n=$((n + 1))
	[ $n -lt 50 ] || { say "the next daemon recorded $(($(grep -c '"type":"tamper"' $LOG) - before)) of 4 refusals"; bad=$((bad + 1)); break; }
	sleep 0.2
done

# Enforcement is live: a listed program runs, the unlisted one is refused.
$hello >/dev/null || { echo "TAMPERED: a listed program is refused after the attacks"; bad=$((bad + 1)); }
if $payload >/dev/null 2>&1; then echo "TAMPERED: the payload runs after the attacks"; bad=$((bad + 1)); fi
wait_grep '"type":"tamper"' $LOG 10 || true
grep '"type":"tamper"' $LOG | head -n 40
ntamper=$(grep -c '"type":"tamper"' $LOG || true)
echo "tamper records: $ntamper"
[ "$ntamper" -gt 0 ] || { echo "TAMPERED: no tamper record"; bad=$((bad + 1)); }
for what in map-write link-fd pin-open pin-unlink pin-rename umount; do
	grep '"type":"tamper"' $LOG | grep -q "\"what\":\"$what\"" ||
		{ echo "no tamper record of $what"; bad=$((bad + 1)); }
done
$IG status --state-dir $S --pin-dir $P | tee /tmp/tm.status
grep -q '^tamper:' /tmp/tm.status || { echo "status shows no tamper count"; bad=$((bad + 1)); }
$IG status --prometheus --state-dir $S --pin-dir $P | grep '^imaguard_tamper_total' ||
	{ echo "no imaguard_tamper_total"; bad=$((bad + 1)); }
[ $bad -eq 0 ] || fail "$bad attack(s) succeeded or went unrecorded"

# imaguard stop, run by root, still ends enforcement.
$IG stop --state-dir $S --pin-dir $P || fail "stop failed"
wait $daemon 2>/dev/null || true
[ ! -e $P ] || fail "pins left behind: $(ls $P)"
n=0
until $payload >/dev/null 2>&1; do
	n=$((n + 1))
	[ $n -lt 100 ] || fail "still enforced 20 s after stop"
	sleep 0.2
done
$IG audit verify $LOG || fail "the audit trail does not verify"
echo "tamper ok"
