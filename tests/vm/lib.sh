# Shared helpers for guest tests: source /opt/ig/tests/lib.sh
IG=/usr/sbin/imaguard
EXT4=/mnt/ext4

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
	echo "ok: $1 = '$3'"
}

# Host-computed digests of the test data: "<hex>  <path>" lines.
host_sha256() {
	awk -v p="$1" '$2 == p { print $1 }' /opt/ig/SHA256SUMS
}

need_bpf_lsm() {
	grep -qw bpf /sys/kernel/security/lsm || skip "BPF-LSM not active: $(cat /sys/kernel/security/lsm)"
}

need_ext4() {
	grep -q " $EXT4 ext4 " /proc/mounts || skip "ext4 test file system not mounted"
}

# ---- the daemon ----------------------------------------------------------
KEY=/opt/ig/keys/test-key.pem
PUB=/opt/ig/keys/test-pub.pem

# make_allowlist OUT SERIAL [DIGEST-TO-LEAVE-OUT...]: a signed allowlist of
# every file the guest ships (host digests), minus the given digests.
make_allowlist() {
	out=$1 serial=$2
	shift 2
	cut -d' ' -f1 /opt/ig/SHA256SUMS | sort -u >/tmp/ml.digests
	for d in "$@"; do grep -v "^$d\$" /tmp/ml.digests >/tmp/ml.tmp; mv /tmp/ml.tmp /tmp/ml.digests; done
	{
		printf '{"format":"imaguard-allowlist/1","serial":%s,"created":"2026-01-01T00:00:00Z","hash_algo":"sha256","entries":[' "$serial"
		awk 'NR > 1 { printf "," } { printf "{\"digest\":\"%s\",\"source\":\"test\"}", $1 }' /tmp/ml.digests
		printf ']}\n'
	} >"$out"
	$IG allowlist sign --key $KEY "$out" >/dev/null
}

# wait_file FILE [SECONDS]: until FILE exists (TCG is slow: default 120 s).
wait_file() {
	n=0
	while [ ! -e "$1" ]; do
		n=$((n + 1))
		[ $n -gt $((${2:-120} * 5)) ] && return 1
		sleep 0.2
	done
}

# wait_grep PATTERN FILE [SECONDS]: until a line of FILE matches.
wait_grep() {
	n=0
	while ! grep -q -e "$1" "$2" 2>/dev/null; do
		n=$((n + 1))
		[ $n -gt $((${3:-30} * 5)) ] && return 1
		sleep 0.2
	done
}

# What to show when a daemon did not come up: its stderr, processes, state.
daemon_diag() {
	echo "--- daemon stderr:"; cat "$1" 2>/dev/null
	echo "--- processes:"; ps | grep -v ' \[' || true
	echo "--- state dir:"; ls -la "${2:-/tmp/ig-state}" 2>/dev/null || true
	echo "--- kernel:"; dmesg | tail -n 8; date
}

# ---- the test driver (igtest) ----------------------------------------------
# igtest_start [IGTEST OPTIONS...] runs /opt/ig/bin/igtest in the background
# with its events, counters, pidfile and stderr under $IGT (see below), waits
# for the pidfile (the chain attached, its order proven, the maps filled) and
# arranges for the driver to be stopped when the test exits, whatever the
# outcome. A watchdog stops it after IGT_WATCHDOG seconds (default 240) so
# that a test killed by the runner cannot leave an enforcer behind.
IGT=/tmp/igt
IGT_EVENTS=$IGT/events.jsonl
IGT_COUNTERS=$IGT/counters.json
IGT_PIDFILE=$IGT/igtest.pid
IGT_ERR=$IGT/igtest.err
IGT_PID=
IGT_WD=

# bsleep SECONDS: sleep without exec'ing anything (a read that times out on a
# FIFO nobody writes), for waits while an enforcer may refuse every exec.
bsleep() {
	[ -p $IGT/.tick ] || { mkdir -p $IGT; mkfifo $IGT/.tick; }
	exec 9<>$IGT/.tick
	read -t "$1" _ <&9 || true
}

igtest_start() {
	local n=0 rc
	mkdir -p $IGT
	[ -p $IGT/.tick ] || mkfifo $IGT/.tick
	rm -f $IGT_EVENTS $IGT_COUNTERS $IGT_PIDFILE $IGT_ERR
	: >$IGT_EVENTS
	echo "igtest $*"
	igtest "$@" --events $IGT_EVENTS --pidfile $IGT_PIDFILE --counters $IGT_COUNTERS \
		2>$IGT_ERR &
	IGT_PID=$!
	trap igtest_cleanup EXIT
	( bsleep "${IGT_WATCHDOG:-240}"; kill -TERM $IGT_PID 2>/dev/null ) &
	IGT_WD=$!
	while [ ! -s $IGT_PIDFILE ]; do
		if ! kill -0 $IGT_PID 2>/dev/null; then
			wait $IGT_PID && rc=0 || rc=$?
			IGT_PID=
			echo "--- igtest stderr:"; cat $IGT_ERR
			fail "igtest exited with status $rc before it was ready"
		fi
		n=$((n + 1))
		if [ $n -gt $((${IGT_READY_S:-120} * 5)) ]; then
			echo "--- igtest stderr:"; cat $IGT_ERR
			fail "igtest not ready after ${IGT_READY_S:-120} s"
		fi
		bsleep 0.2
	done
}

# igtest_stop: SIGTERM, wait, and fail unless the driver exits 0. It drains
# the ring buffer and writes the counters once more on its way out.
igtest_stop() {
	local rc
	[ -n "$IGT_PID" ] || return 0
	kill -TERM $IGT_PID 2>/dev/null || true
	wait $IGT_PID && rc=0 || rc=$?
	IGT_PID=
	[ -z "$IGT_WD" ] || kill $IGT_WD 2>/dev/null || true
	IGT_WD=
	if [ $rc -ne 0 ]; then
		echo "--- igtest stderr:"; cat $IGT_ERR
		fail "igtest exited with status $rc"
	fi
}

igtest_cleanup() {
	if [ -n "$IGT_PID" ]; then
		kill -TERM $IGT_PID 2>/dev/null || true
		wait $IGT_PID 2>/dev/null || true
		IGT_PID=
	fi
	[ -z "$IGT_WD" ] || kill $IGT_WD 2>/dev/null || true
	IGT_WD=
}

# text_payload OUT: code that textpoke writes over its own text (x86-64:
# write(1, "PAYLOAD-RAN\n", 12); ret), so a marker shows that it ran.
text_payload() {
	printf '\270\001\000\000\000\277\001\000\000\000\110\215\065\010\000\000\000\272\014\000\000\000\017\005\303PAYLOAD-RAN\n' >"$1"
	chmod 644 "$1"
}

# allow_all_but OUT [DIGEST...]: an --allow file with every digest the guest
# ships (host-computed), minus the ones given.
allow_all_but() {
	local out=$1 d
	shift
	cut -d' ' -f1 /opt/ig/SHA256SUMS | sort -u >$out
	for d in "$@"; do
		grep -v "^$d\$" $out >$out.tmp || true
		mv $out.tmp $out
	done
}

# ev STRING...: the event lines that contain every STRING (fixed strings),
# e.g. ev '"hook":"exec"' "\"path\":\"$f\"".
ev() {
	local ev_f=$IGT_EVENTS s
	for s in "$@"; do
		grep -F -e "$s" $ev_f >$IGT/.ev.$$ || true
		ev_f=$IGT/.ev.$$.b
		mv $IGT/.ev.$$ $ev_f
	done
	cat $ev_f
	[ "$ev_f" = $IGT_EVENTS ] || rm -f $ev_f
}

# ev_path PATH: the '"path":"PATH",' key to pass to ev.
ev_path() { printf '"path":"%s",' "$1"; }
# ino FILE: the fragment of an event naming FILE's inode
ino() { printf '"ino":%s,' "$(stat -c %i "$1")"; }

# run CMD...: runs CMD, keeps its exit status in rc and its output (both
# streams) in out, and prints them
run() {
	"$@" >/tmp/run.out 2>&1 && rc=0 || rc=$?
	out=$(cat /tmp/run.out)
	echo "$*: exit $rc: $out"
}

# wait_ev SECONDS STRING...: until an event line contains every STRING.
wait_ev() {
	local we_s=$1 n=0
	shift
	while [ -z "$(ev "$@")" ]; do
		n=$((n + 1))
		[ $n -gt $((we_s * 5)) ] && return 1
		bsleep 0.2
	done
}

# ev_last HOOK INO PATH: the last event on HOOK of the file whose inode
# fragment (ino) is INO, named PATH; fails when none comes within 30 s.
ev_last() {
	wait_ev 30 "\"hook\":\"$1\"" "$2" "$(ev_path "$3")" ||
		{ ev "$2"; fail "no $1 event for $3"; }
	ev "\"hook\":\"$1\"" "$2" "$(ev_path "$3")" | tail -n 1
}

# verdict_is WHAT DECISION REASON RULE: the event in e has that decision,
# reason and rule index.
verdict_is() {
	assert_eq "$1: decision" "$2" "$(echo "$e" | ev_get decision)"
	assert_eq "$1: reason" "$3" "$(echo "$e" | ev_get reason)"
	assert_eq "$1: rule" "$4" "$(echo "$e" | ev_get rule)"
}

# rule_denied WHAT INO PATH RULE: the exec just run (run: $out) was refused
# by deny rule RULE, its event (left in e) saying so.
rule_denied() {
	assert_eq "$1: output" "err EPERM execve" "$out"
	e=$(ev_last exec "$2" "$3")
	echo "$e"
	verdict_is "$1" deny rule-deny "$4"
}

# userns_as: sets as to "--uid 1000" for nsexec where the kernel lets an
# unprivileged user make a user namespace, else to nothing (root in a mount
# namespace of its own), and says which.
userns_as() {
	as=
	run nsexec --uid 1000 chroot / /bin/true
	case $out in
	*unshare-user*) echo "no unprivileged user namespaces here: $out" ;;
	*) as="--uid 1000" ;;
	esac
}

# ev_get FIELD: the value of FIELD in the event line on stdin ("digest" gives
# "sha256:<hex>" or "null").
ev_get() {
	sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}

# ev_sync: exec a fresh marker path and wait for its event. The ring buffer
# is read in order, so every event of what the test did before is in the
# events file by then (for asserting that something did NOT happen).
ev_sync() {
	ev_sync_n=$((${ev_sync_n:-0} + 1))
	cp /opt/ig/bin/hello $IGT/mark.$ev_sync_n
	$IGT/mark.$ev_sync_n >/dev/null 2>&1 || true
	wait_ev 30 '"hook":"exec"' "$(ev_path $IGT/mark.$ev_sync_n)" ||
		fail "no event for the marker exec $IGT/mark.$ev_sync_n within 30 s"
}

# counters: ask the running driver for its counters and print the line.
counters() {
	igcounters $IGT_PIDFILE $IGT_COUNTERS 60 || fail "no counters from igtest"
}

# ctr LINE KEY: a number from a counters line; KEY is events, lost,
# runs.exec, denies.rule-deny, order_violations, ...
ctr() {
	case $2 in
	*.*) printf '%s\n' "$1" | sed -n "s/.*\"${2%%.*}\":{[^}]*\"${2#*.}\":\([0-9]*\).*/\1/p" ;;
	*) printf '%s\n' "$1" | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" ;;
	esac
}

# delta A B KEY: how much KEY grew from counters line A to counters line B
delta() { echo $(($(ctr "$2" $3) - $(ctr "$1" $3))); }

# hits_stopped PROG: the name_hits that five runs of PROG (a listed static
# program; run once here first, so that its name is remembered) gain while
# igtest is stopped for longer than a name is trusted without its check
# (IG_NAMES_FRESH_MS, 250 ms). Where the kernel preempts everywhere the
# names have expired by then: at most the counter read's own exec counts;
# elsewhere the five runs do.
hits_stopped() {
	local a b i
	"$1" >/dev/null || fail "$1 refused"
	a=$(counters)
	kill -STOP $IGT_PID
	bsleep 0.6
	for i in 1 2 3 4 5; do
		"$1" >/dev/null || { kill -CONT $IGT_PID; fail "$1 refused while igtest was stopped"; }
	done
	kill -CONT $IGT_PID
	b=$(counters)
	delta "$a" "$b" name_hits
}

# ext4_unlisted SRC DEST: copy SRC to DEST on ext4 with one byte appended
# (an ELF file still runs), so its digest is in no allowlist.
ext4_unlisted() {
	mkdir -p "$(dirname "$2")"
	cp "$1" "$2"
	printf '\n' >>"$2"
	sync
}

# wait_ready PIDFILE PID: until the daemon PID writes PIDFILE; fails at once
# when it exits first.
wait_ready() {
	n=0
	while [ ! -e "$1" ]; do
		kill -0 "$2" 2>/dev/null || return 1
		n=$((n + 1))
		[ $n -gt 600 ] && return 1
		sleep 0.2
	done
}

# ---- files for the host ------------------------------------------------------
# export_file SRC NAME: hand SRC to the host as NAME. The guest's init prints
# every exported file on the console once the tests are done (base64 between
# "@@ FILE NAME SHA256" and "@@ END NAME"); scripts/vm/run.sh writes it to
# build/vm/logs/run-PID/files/KERNEL/NAME and checks its SHA-256.
IG_EXPORT=/tmp/ig-export
export_file() {
	mkdir -p $IG_EXPORT
	cp "$1" "$IG_EXPORT/$2"
}
