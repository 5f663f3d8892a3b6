# Hash cache: in steady state a file is measured once per content version,
# on tmpfs (where IMA keeps no digest) as on ext4; every way of changing it —
# a write, a write through a shared map, truncate(2) by name, a rename over
# it — makes the next exec or executable map measure it again and judge the
# new content. A memfd that can be rewritten in place (unsealed) is never
# judged by a digest at all. A file with a writer, or truncated by name, is
# a hash error until a writer closes it (IMA's digest could be the old one).
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

P=/tmp/cache
cut -d' ' -f1 /opt/ig/SHA256SUMS >$P.allow
H=$EXT4/bin/hello
IGT_WATCHDOG=900
igtest_start --mode enforce --allow $P.allow

# delta A B KEY: KEY's growth between two counters lines

# measured WHAT CMD...: CMD runs between two counter reads; prints how many
# digests stage 2 computed meanwhile.
measured() {
	local a b
	a=$(counters)
	shift
	"$@" >&2
	b=$(counters)
	delta "$a" "$b" hashes
}

# last_exec: the newest exec event for F (diagnostics)
last_exec() { bsleep 0.3; ev '"hook":"exec"' "$(ev_path $F)" | tail -n 1; }
runs_ok() {
	out=$($F 2>&1) || fail "$F refused: $out; event: $(last_exec)"
	[ "$out" = hello ] || fail "$F said '$out'"
}
maps_ok() { out=$(mmapx $F) || fail "executable map of $F refused: $out"; }
# refused WHAT: the exec of F is refused with EPERM and the event carries the
# digest of F's content now.
refused() {
	local want got
	if out=$($F 2>&1); then fail "$1: the changed file ran: $out"; fi
	echo "$out" | grep -q 'Operation not permitted' || fail "$1: not refused with EPERM: $out"
	want=$(sha256sum $F | cut -d' ' -f1)
	wait_ev 30 '"hook":"exec"' "$(ev_path $F)" "$want" >/dev/null ||
		fail "$1: no exec event for $F with the new digest $want: $(last_exec)"
	echo "$1: refused, new digest $want"
}
twice() { "$@"; "$@"; }

for D in /tmp/cachedir $EXT4/cachedir; do
	mkdir -p $D
	F=$D/prog
	cp $H $F

	# Steady state: after one measurement, execs and maps of the same
	# content are served from the cache; the counter reads themselves are
	# warm too.
	twice runs_ok; twice maps_ok; counters >/dev/null; counters >/dev/null
	a=$(counters)
	for i in 1 2 3 4 5 6 7 8 9 10; do runs_ok; maps_ok; done
	b=$(counters)
	assert_eq "$D: digests computed for 10 execs and 10 maps of unchanged files" 0 \
		"$(delta "$a" "$b" hashes)"
	[ "$(delta "$a" "$b" cache_hits)" -ge 20 ] ||
		fail "$D: only $(delta "$a" "$b" cache_hits) cache hits for 20 measured accesses"

	# write(2) through an open for writing
	printf x >>$F
	assert_eq "$D: digests for the exec after an append" 1 "$(measured append refused "$D append")"
	cp $H $F
	assert_eq "$D: digests for the exec after a rewrite" 1 "$(measured rewrite runs_ok)"
	assert_eq "$D: digests for the next exec" 0 "$(measured again runs_ok)"

	# truncate(2) by name: write access without any open, and IMA, which
	# looks again only when a writer closes, could keep an old digest: the
	# file is a hash error until a writer opens it.
	cachetool truncate $F 4096 || fail "truncate failed"
	if out=$($F 2>&1); then fail "$D: ran after truncate(2): $out"; fi
	wait_ev 30 '"hook":"exec"' "$(ev_path $F)" '"reason":"hash-error"' '"hash_error":116' \
		>/dev/null || fail "$D: the exec after truncate(2) is not a hash error ESTALE: $(last_exec)"
	cp $H $F
	assert_eq "$D: digests for the exec after a rewrite" 1 "$(measured rewrite runs_ok)"

	# A shared writable map: for as long as it exists an executable map is
	# a hash error (IMA's digest could be from before the writer); the write
	# through it is seen after.
	rm -f $P.in $P.out; mkfifo $P.in
	cachetool mapwrite $F 100 <$P.in >$P.out &
	mw=$!
	exec 3>$P.in
	wait_file $P.out || fail "mapwrite did not start"
	n=0; until grep -q mapped $P.out; do n=$((n + 1)); [ $n -gt 100 ] && fail "mapwrite: $(cat $P.out)"; bsleep 0.1; done
	out=$(mmapx $F) && fail "$D: executable map allowed while a writer holds the file"
	assert_eq "$D: map with a writer" "err EPERM mmap" "$out"
	echo go >&3
	exec 3>&-
	wait $mw || fail "mapwrite failed: $(cat $P.out)"
	assert_eq "$D: digests for the exec after the write through the map" 1 \
		"$(measured mapwrite refused "$D shared-map write")"

	# rename over: another file takes the name; its own content is judged
	cp $H $F; runs_ok; runs_ok
	cp $H $D/other; printf y >>$D/other
	mv $D/other $F
	refused "$D rename-over"
	cp $H $D/other
	mv $D/other $F
	runs_ok
	rm -rf $D
done

# memfd: rewritten in place by a writer that holds no write access, so an
# unsealed one is a hash error whatever it holds (a sealed one is judged by
# its digest: t_memfd_exec).
U=/tmp/cache-unlisted
cp $H $U; printf z >>$U
assert_eq "memfd: listed content, then rewritten to unlisted" "err EPERM err EPERM" \
	"$(cachetool memfd $H $U)"

c=$(counters)
assert_eq "order violations" 0 "$(ctr "$c" order_violations)"
echo "cache ok"
