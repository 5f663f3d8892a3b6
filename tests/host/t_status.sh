#!/usr/bin/env bash
# status and stop from the operator's side: a user who may not read the
# state directory is told so (exit 1), never that no daemon runs; and
# `status --prometheus` is text a Prometheus parser accepts, every metric
# with its HELP and TYPE, with imaguard_up 0 when no daemon runs.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
fail() { echo "FAIL: $*"; cat out err; exit 1; }

# The text format's own parser, from Debian's python3-prometheus-client
# (scripts/deps.sh installs it), run by Debian's python.
py=/usr/bin/python3
"$py" -c 'import prometheus_client.parser' 2>/dev/null ||
	fail "python3-prometheus-client is missing: run scripts/deps.sh"

# as_nobody CMD...: CMD run as an unprivileged user
if command -v setpriv >/dev/null; then
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
elif command -v runuser >/dev/null; then
	as_nobody() { runuser -u nobody -- "$@"; }
else
	echo "neither setpriv nor runuser to run a command as an unprivileged user"; exit 77
fi
[ "$(id -u)" -eq 0 ] || { echo "not root: cannot switch to an unprivileged user"; exit 77; }

chmod 0755 "$PWD"	# the user below must reach the directories in here
lockholders=()
trap 'for p in "${lockholders[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# A daemon's state directory as `imaguard run` leaves it: 0700, root's,
# with run.lock holding the pid. First with no lock held, then held by a
# process as the daemon holds it (flock LOCK_EX for its whole life).
mkdir -m 0700 state
echo 4242 >state/run.lock
for held in no yes; do
	if [ $held = yes ]; then
		flock -x state/run.lock sleep 600 &
		lockholders+=($!)
		for _ in $(seq 50); do flock -n -s state/run.lock true || break; sleep 0.1; done
		! flock -n -s state/run.lock true || fail "the lock was never taken"
	fi
	expect 1 as_nobody "$IMAGUARD" stop --state-dir "$PWD/state" --pin-dir "$PWD/pins"
	grep -qxF "imaguard: cannot open the lock '$PWD/state/run.lock': Permission denied" err ||
		fail "stop as nobody (lock held: $held)"
	[ ! -s out ] || fail "stop as nobody printed '$(cat out)' (lock held: $held)"
	for fmt in "" --json --prometheus; do
		expect 1 as_nobody "$IMAGUARD" status $fmt --state-dir "$PWD/state" \
			--pin-dir "$PWD/pins"
		grep -qxF "imaguard: cannot open the lock '$PWD/state/run.lock': Permission denied" \
			err || fail "status $fmt as nobody (lock held: $held)"
		[ ! -s out ] || fail "status $fmt as nobody printed something"
	done
done

# check_prom FILE: the parser accepts FILE, and, stricter than the parser,
# every sample's family has exactly one HELP and one TYPE line before its
# first sample, and a family's samples are not split by another's.
check_prom() {
	"$py" - "$1" <<'EOF'
import re, sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
assert text.endswith("\n"), "no newline at the end"
fams = list(text_string_to_metric_families(text))
assert fams, "no metric at all"
for f in fams:
    assert f.type in ("counter", "gauge"), f"{f.name}: type {f.type}"
    assert f.documentation, f"{f.name}: no HELP"
help, type_, done, cur = {}, {}, set(), None
for line in text.splitlines():
    m = re.fullmatch(r"# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)", line)
    if m:
        seen = help if m[1] == "HELP" else type_
        assert m[2] not in seen, f"second {m[1]} for {m[2]}"
        assert m[2] not in done, f"{m[1]} for {m[2]} after its samples"
        seen[m[2]] = m[3]
        if cur and cur != m[2]:
            done.add(cur)
        cur = m[2]
        continue
    m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-z_]+="[^"\\\n]*"\})? (-?[0-9]+)', line)
    assert m, f"not a sample: {line!r}"
    assert m[1] == cur, f"sample of {m[1]} outside its family"
    assert m[1] in help and m[1] in type_, f"{m[1]} without HELP or TYPE"
for f in fams:
    for s in f.samples:
        labels = "".join(f'{{{k}="{v}"}}' for k, v in s.labels.items())
        print(f"{s.name}{labels} {int(s.value)}")
EOF
}

# No daemon, nothing pinned: a value for the scraper, not an error.
mkdir -m 0700 empty
expect 0 "$IMAGUARD" status --prometheus --state-dir "$PWD/empty" --pin-dir "$PWD/pins"
check_prom out >samples || fail "the parser refused the output with no daemon"
[ "$(cat samples)" = "imaguard_up 0" ] || fail "with no daemon: '$(cat samples)'"
[ ! -s err ] || fail "status --prometheus with no daemon wrote to stderr"
# the other formats still fail there
expect 1 "$IMAGUARD" status --state-dir "$PWD/empty" --pin-dir "$PWD/pins"
grep -qF "imaguard: no running or pinned enforcer" err || fail "status with no daemon"

# A running daemon: the lock held, and status.json as the daemon's
# write_status() writes it (daemon/daemon.c; counters by
# event_counters_to_json(), only the reasons and hooks with a count).
printf '%s\n' "${lockholders[0]}" >state/run.lock
cat >state/status.json <<'EOF'
{"pid": 4242, "mode": "enforce", "allowlist_serial": 7, "allowlist_sha256": "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", "entries": 1234, "rules_sha256": null, "started": 1790000000, "updated": 1790000100, "pin_dir": "/sys/fs/bpf/imaguard", "counters": {"runs": {"exec": 10, "mmap": 200, "open": 0}, "denies": {"not-allowlisted": 3, "hash-error": 1}, "events": 180, "lost": 2, "hash_errors": 1, "order_violations": 0, "record_full": 0, "hashes": 50, "cache_hits": 120, "wakeups": 9, "open_skips": 0, "name_hits": 4, "folds": 30}, "names_missed": 0}
EOF
expect 0 "$IMAGUARD" status --prometheus --state-dir "$PWD/state" --pin-dir "$PWD/pins"
check_prom out >samples || fail "the parser refused the output of a running daemon"
for want in "imaguard_up 1" "imaguard_enforce_mode 1" "imaguard_allowlist_serial 7" \
	"imaguard_allowlist_entries 1234" "imaguard_events_total 180" \
	"imaguard_lost_events_total 2" "imaguard_folded_maps_total 30" \
	"imaguard_hash_errors_total 1" "imaguard_order_violations_total 0" \
	"imaguard_names_missed_total 0" \
	'imaguard_denies_total{reason="not-allowlisted"} 3' \
	'imaguard_denies_total{reason="hash-error"} 1' \
	'imaguard_hook_runs_total{hook="exec"} 10' 'imaguard_hook_runs_total{hook="mmap"} 200'; do
	grep -qxF "$want" samples || fail "no sample '$want' in: $(cat samples)"
done
expect 0 "$IMAGUARD" status --state-dir "$PWD/state" --pin-dir "$PWD/pins"
grep -qxF "state:      running" out || fail "status of a running daemon"
grep -qxF "pid:        ${lockholders[0]}" out || fail "status of a running daemon: pid"

# The stricter checks above catch what they claim: a sample before its
# TYPE, and a family without HELP.
printf '# HELP a x\na 1\n# TYPE a gauge\n' >bad1
printf '# TYPE a gauge\na 1\n' >bad2
for f in bad1 bad2; do
	! check_prom $f >/dev/null 2>&1 || fail "check_prom accepted $f"
done
echo "ok"
