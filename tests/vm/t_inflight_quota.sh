# An access being measured holds an in-flight record from stage 1 to stage
# 3. As uid 1000, 4,200 threads map one file executable from a FUSE server
# that never answers a read (trusted with --trust-fs fuse, so stage 2 reads
# it): each waits in stage 2 with its record held. While they wait, a fresh
# copy of a listed program (never measured, so never cached) must still run
# as uid 1001 and as root, and an unlisted copy must still be refused as
# not-allowlisted: one user's records come out of that user's quota, never
# the others'. Past its quota uid 1000's maps are refused with reason
# "quota" (hash_error 122, EDQUOT), one more map of its included. Once the
# connection is aborted every wait ends, and the chain's counts of records
# in flight per user, and the record maps, are back to empty.
. /opt/ig/tests/lib.sh
need_bpf_lsm
grep -qw fuse /proc/filesystems || skip "no FUSE in this kernel"
[ -c /dev/fuse ] || skip "no /dev/fuse"

Q=/tmp/iq
N=${IQ_THREADS:-4200}
rm -rf $Q && mkdir -p $Q/fuse $Q/out
chmod 755 $Q
chown 1000 $Q/out
cp /opt/ig/bin/hello $Q/hello
allow_all_but $Q.allow
for u in 1001 0; do
	cp /opt/ig/bin/hello $Q/fresh.$u
	cp /opt/ig/bin/hello $Q/unlisted.$u
	printf '\n' >>$Q/unlisted.$u
	chmod 755 $Q/fresh.$u $Q/unlisted.$u
done
# 4,200 threads of one user: room for them past the memory-based default.
echo 16384 >/proc/sys/kernel/threads-max 2>/dev/null || true
echo "threads-max $(cat /proc/sys/kernel/threads-max), memory $(sed -n 's/MemTotal: *//p' /proc/meminfo)"

out=$(fusesrv $Q/fuse $Q/hello $Q/hello $Q/never hang) || fail "fusesrv: $out"

# release: abort the FUSE connection, so that every read waiting on it fails.
release() {
	umount -f $Q/fuse 2>/dev/null || true
	grep -qw fusectl /proc/filesystems &&
		mount -t fusectl none /sys/fs/fuse/connections 2>/dev/null || true
	for a in /sys/fs/fuse/connections/*/abort; do
		[ -e "$a" ] && echo 1 >"$a" 2>/dev/null
	done
	return 0
}

# The chain stays attached while threads wait inside it: the waits end,
# and the threads leave it, before it is detached.
IGT_WATCHDOG=290
hold=
igtest_start --mode enforce --allow $Q.allow --trust-fs fuse
trap 'release; [ -z "$hold" ] || wait $hold || true; igtest_cleanup' EXIT

inflight 1000 hold $N $Q/fuse/f $Q/out/ready >$Q/hold.out 2>&1 &
hold=$!
# holding: how far uid 1000's threads got: their states, where they wait.
holding() {
	echo "$(grep Threads /proc/$hold/status 2>/dev/null)," \
		"states: $(cat /proc/$hold/task/*/stat 2>/dev/null | awk '{ print $3 }' | sort | uniq -c | tr '\n' ' ')" \
		"waiting in: $(for w in /proc/$hold/task/*/wchan; do cat $w; echo; done 2>/dev/null |
			sort | uniq -c | tr '\n' ' ')"
}
n=0
until [ -e $Q/out/ready ]; do
	n=$((n + 1))
	[ $((n % 25)) -eq 0 ] && echo "after $((n / 5)) s: $(holding)"
	if [ $n -gt 600 ] || ! kill -0 $hold 2>/dev/null; then
		cat $Q/hold.out
		cat /proc/$hold/stack 2>/dev/null
		for t in $(ls /proc/$hold/task | head -n 3); do cat /proc/$hold/task/$t/stack; done
		fail "uid 1000's $N maps never settled"
	fi
	bsleep 0.2
done
read -r _ stuck _ refused _ mapped _ other <$Q/out/ready
echo "uid 1000, $N threads: stuck $stuck refused $refused mapped $mapped other $other"
[ "$stuck" -gt 0 ] || fail "no map of uid 1000 waits in stage 2"
assert_eq "uid 1000's maps neither allowed nor failed otherwise" "0 0" "$mapped $other"

# Other users, while uid 1000's records are held.
for u in 1001 0; do
	out=$(inflight $u exec $Q/fresh.$u || true)
	assert_eq "uid $u: a fresh copy of a listed program runs" hello "$out"
	out=$(inflight $u exec $Q/unlisted.$u || true)
	assert_eq "uid $u: an unlisted copy is refused" "err EPERM execve" "$out"
done
# uid 1000 itself, once more.
out=$(inflight 1000 map $Q/fuse/f || true)
assert_eq "uid 1000: one more map" "err EPERM mmap" "$out"

release
wait $hold || fail "inflight hold: status $?"
hold=
cat $Q/hold.out
umount -l $Q/fuse 2>/dev/null || true

# The counts of records in flight per user, and the record maps: empty.
live=$(bpftool -j map dump name inflight) || fail "bpftool: no map 'inflight'"
echo "in flight per user: $live"
live=$(echo "$live" | grep -o '"formatted":{[^}]*}' || true)
echo "$live" | grep -q '"key":1000,' || fail "uid 1000's records were never counted: $live"
echo "$live" | grep -q '"value":[-1-9]' && fail "records still counted in flight: $live"
for m in records records_long; do
	assert_eq "$m after the waits ended" "[]" "$(bpftool -j map dump name $m | tr -d ' \n')"
done
igtest_stop

for u in 1001 0; do
	assert_eq "uid $u: the fresh listed copy's exec allowlisted" 1 \
		"$(ev '"hook":"exec"' "$(ev_path $Q/fresh.$u)" "\"uid\":$u," '"decision":"allow"' \
			'"reason":"allowlisted"' | grep -c .)"
	assert_eq "uid $u: the unlisted copy's exec not allowlisted" 1 \
		"$(ev '"hook":"exec"' "$(ev_path $Q/unlisted.$u)" "\"uid\":$u," '"decision":"deny"' \
			'"reason":"not-allowlisted"' | grep -c .)"
done
assert_eq "uid 1000's refusals, each for its quota" $((refused + 1)) \
	"$(ev "$(ev_path $Q/fuse/f)" '"uid":1000,' '"decision":"deny"' '"reason":"quota"' \
		'"hash_error":122,' | grep -c .)"
# The waits ended in a read error: each a hash error.
assert_eq "uid 1000's maps that waited, refused as hash errors" $stuck \
	"$(ev "$(ev_path $Q/fuse/f)" '"uid":1000,' '"decision":"deny"' '"reason":"hash-error"' |
		grep -c .)"
echo "inflight_quota ok"
