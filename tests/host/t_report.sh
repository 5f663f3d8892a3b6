#!/usr/bin/env bash
# `imaguard report` on the fixture scenario (three hosts, monitor and
# enforce, denials, lost events, a reload): the JSON checked field by field
# against what the generator wrote, the same data as Markdown and HTML,
# gzip input, a broken chain reported and never skipped, hostile strings
# escaped, a verified allowlist required, output that is reproducible.
set -euo pipefail
command -v openssl >/dev/null || { echo "openssl not installed"; exit 77; }
top=$(cd "$(dirname "$IMAGUARD")/.." && pwd)
gen=${MKAUDITLOG:-$top/build/tools/mkauditlog}
[ -x "$gen" ] || make -C "$top" -s build/tools/mkauditlog

fail() { echo "FAIL: $*"; exit 1; }
has() { grep -qF -- "$2" "$1" || fail "'$1' lacks '$2'"; }
lacks() { ! grep -qF -- "$2" "$1" || fail "'$1' holds '$2'"; }

"$gen" gen .
logs=(web1.log web2.log db1.log)

# the fixtures are what the daemon writes: namespace inode numbers are
# unsigned, never the negative numbers of an int that overflowed
for l in *.log; do
	acc=$(grep -c '"type":"access"' "$l" || true)
	ok=$(grep -cE '"mnt_ns":[0-9]+,"pid_ns":[0-9]+,' "$l" || true)
	[ "$acc" -gt 0 ] && [ "$ok" -eq "$acc" ] ||
		fail "'$l': $((acc - ok)) of $acc access records with a bad mnt_ns or pid_ns"
done

# JSON, field by field, without and with the allowlist
"$IMAGUARD" report -o r.json "${logs[@]}"
"$gen" check . r.json
openssl genpkey -algorithm ed25519 -out k.key 2>/dev/null
openssl pkey -in k.key -pubout -out k.pub
"$IMAGUARD" allowlist sign --key k.key allowlist.json
"$IMAGUARD" report --allowlist allowlist.json --trust k.pub -o ra.json "${logs[@]}"
"$gen" check . ra.json --with-allowlist

# an allowlist that does not verify is refused, not half-used
openssl genpkey -algorithm ed25519 -out other.key 2>/dev/null
openssl pkey -in other.key -pubout -out other.pub
rc=0
"$IMAGUARD" report --allowlist allowlist.json --trust other.pub "${logs[@]}" >out 2>err || rc=$?
[ "$rc" -eq 1 ] || fail "report with a wrongly signed allowlist exited $rc, want 1"
rc=0
"$IMAGUARD" report --allowlist allowlist.json "${logs[@]}" >out 2>err || rc=$?
[ "$rc" -eq 2 ] || fail "--allowlist without --trust exited $rc, want 2"

# gzip reads like plain text; the chain is checked on the decompressed bytes
gzip -k db1.log
"$IMAGUARD" report -o rz.json web1.log web2.log db1.log.gz
"$gen" check . rz.json
grep -q '"compressed": true' rz.json || fail "db1.log.gz not marked compressed"

# the same document as Markdown and HTML (format from the suffix or -f)
"$IMAGUARD" report --allowlist allowlist.json --trust k.pub -o r.md "${logs[@]}"
"$IMAGUARD" report --allowlist allowlist.json --trust k.pub -f html "${logs[@]}" >r.html
for s in "# imaguard report" "## Summary" "| Hosts | 3: db1, web1, web2 |" \
	"## Denials" "/tmp/evil" "## Executed but not allowlisted" "/opt/app/server" \
	"## Allowlisted but never executed" "/usr/bin/never" "## Coverage by source" \
	"coreutils 9.1-1" "## Drift: the same path with different digests" "/usr/bin/python3" \
	"| Lost events | 8 |" "all intact"; do
	has r.md "$s"
done
for s in "<!DOCTYPE html>" "Content-Security-Policy" 'id="chain-status"' "all 3 audit logs verified" \
	'<table class="sortable" id="t-denials">' "/tmp/evil" "/usr/bin/never" "<svg" \
	"Events over time" "Denials by reason" "Coverage by source" "coreutils 9.1-1"; do
	has r.html "$s"
done
! grep -Eq '(src|href)="(https?:)?//' r.html || fail "r.html refers to something outside itself"

# a broken chain: still a report (exit 0), flagged in the summary, the
# per-log table, the Markdown warning and the HTML banner
"$IMAGUARD" report -o rb.json web1.log web2-broken.log db1.log 2>err
has err "chain broken"
grep -q '"chains_ok": false' rb.json || fail "broken chain not flagged in the summary"
grep -q '"broken_logs": 1' rb.json || fail "broken_logs is not 1"
grep -q '"chain": "broken"' rb.json || fail "the broken log is not marked broken"
"$IMAGUARD" report -o rb.md web1.log web2-broken.log db1.log 2>/dev/null
has rb.md "WARNING: the hash chain of 1 of 3 audit logs does not verify"
has rb.md "web2-broken.log"
"$IMAGUARD" report -o rb.html web1.log web2-broken.log db1.log 2>/dev/null
has rb.html "CHAIN BROKEN"
# an unreadable log is listed and fails the run
rc=0
"$IMAGUARD" report -o ru.json web1.log nonexistent.log 2>/dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "an unreadable log exited $rc, want 1"
grep -q '"chain": "unreadable"' ru.json || fail "the missing log is not listed as unreadable"
# a directory given for a log is named as one, here and in propose (which
# reads logs the same way and writes nothing when one cannot be read)
mkdir adir
rc=0
"$IMAGUARD" report -o rd.json adir 2>err || rc=$?
[ "$rc" -eq 1 ] || fail "a directory for a log exited $rc, want 1"
grep -qxF "imaguard: cannot read audit log 'adir': Is a directory" err ||
	fail "a directory for a log: $(cat err)"
rc=0
"$IMAGUARD" allowlist propose -o p.json adir 2>err || rc=$?
[ "$rc" -eq 1 ] || fail "propose from a directory exited $rc, want 1"
grep -qxF "imaguard: cannot read audit log 'adir': Is a directory" err ||
	fail "propose from a directory: $(cat err)"
[ ! -e p.json ] || fail "propose wrote a list although a log could not be read"

# hostile strings from a log never reach the page as markup
"$IMAGUARD" report -o x.html xss.log
"$IMAGUARD" report -o x.md xss.log
lacks x.html "<script>alert"
lacks x.html "<img src=x"
lacks x.html "<svg onload"
lacks x.html "<iframe"
lacks x.html "<b>evil-host"
has x.html "/tmp/&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;|\`*_.sh"
has x.html "&lt;b&gt;evil-host&lt;/b&gt;"
[ "$(grep -o '<script>' x.html | wc -l)" -eq 1 ] || fail "x.html has more than its own script"
lacks x.md "<script>"
lacks x.md "<img"
has x.md "&lt;script&gt;alert(1)&lt;/script&gt;"

# the same logs and --now give the same bytes
"$IMAGUARD" report --now 2026-03-02T00:00:00Z -o d1.json "${logs[@]}"
"$IMAGUARD" report --now 2026-03-02T00:00:00Z -o d2.json "${logs[@]}"
cmp -s d1.json d2.json || fail "two runs over the same logs differ"

# ---- logs the daemon itself wrote in the guest (tests/data/auditlog/) ----
# The numbers are what t_auditlog_capture.sh did (scenario.env): a listed
# library, mapped from a path only that test uses, is one row counted once
# per run (its access record plus the summaries' repeats), allowlisted, and
# never among what ran unlisted.
real=$TESTDATA/auditlog
# shellcheck disable=SC1091
. "$real/scenario.env"
cp "$real/allowlist-1.json" real-al.json
"$IMAGUARD" allowlist sign --key k.key real-al.json
"$IMAGUARD" report --allowlist real-al.json --trust k.pub -o real-mon.json "$real/monitor.log"
"$IMAGUARD" report --allowlist real-al.json --trust k.pub -o real-enf.json "$real/enforce.log"
python3 - real-mon.json real-enf.json <<PY || fail "the report misreads the daemon's own logs"
import json, sys
mon, enf = (json.load(open(p)) for p in sys.argv[1:3])
bad = []
def check(what, want, got):
    if want != got:
        bad.append(f"{what}: want {want!r}, got {got!r}")
def rows(doc, section, path, hook=None):
    return [r for r in doc[section] if r["path"] == path and (hook is None or r.get("hook") == hook)]
for doc, mode, lib, hello, unl in ((mon, "monitor", $MON_LIB_RUNS, $MON_HELLO_RUNS, $MON_UNLISTED_RUNS),
                                   (enf, "enforce", $ENF_LIB_RUNS, $ENF_HELLO_RUNS, $ENF_UNLISTED_RUNS)):
    s = doc["summary"]
    check(f"{mode}: chains_ok", True, s["chains_ok"])
    check(f"{mode}: modes", [mode], s["modes"])
    check(f"{mode}: reloads", 1, s["reloads"])
    check(f"{mode}: serials", [1, 2], s["allowlist_serials"])
    r = rows(doc, "executed", "$LIBC_PATH")
    check(f"{mode}: rows of the libc copy", 1, len(r))
    if r:
        check(f"{mode}: libc copy's hook", "mmap", r[0]["hook"])
        check(f"{mode}: libc copy's runs", lib, r[0]["count"])
        check(f"{mode}: libc copy's digest", "$LIBC_DIGEST", r[0]["digest"])
        check(f"{mode}: libc copy allowlisted", True, r[0]["allowlisted"])
    check(f"{mode}: libc copy among the unlisted", [], rows(doc, "not_allowlisted", "$LIBC_PATH"))
    # hello: unlisted until the reload, listed after it
    ex = rows(doc, "executed", "$HELLO_PATH", "exec")
    check(f"{mode}: hello's execs", [hello + $HELLO_AFTER_RELOAD], [x["count"] for x in ex])
    ex = rows(doc, "executed", "$UNLISTED_PATH", "exec")
    check(f"{mode}: unlisted true's execs", [unl], [x["count"] for x in ex])
    # every repeat of every summary is counted
    n = 0
    for line in open("$real/%s.log" % mode):
        rec = json.loads(line)
        n += sum(x["count"] for x in rec.get("repeats", []))
    check(f"{mode}: repeats", n, s["repeats"])
check("monitor: would_deny of hello", $MON_HELLO_RUNS,
      rows(mon, "executed", "$HELLO_PATH", "exec")[0]["would_deny"])
check("monitor: denials", 0, mon["summary"]["denials"])
d = {x["path"]: x["count"] for x in enf["denials"] if x["hook"] == "exec"}
check("enforce: hello denied", $ENF_HELLO_RUNS, d.get("$HELLO_PATH"))
check("enforce: unlisted true denied", $ENF_UNLISTED_RUNS, d.get("$UNLISTED_PATH"))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY

# the same log as format 1 wrote it reads the same
. "$(dirname "$0")/lib.sh"
audit_format1 "$real/monitor.log" real-v1.log
"$IMAGUARD" report --allowlist real-al.json --trust k.pub -o real-v1.json real-v1.log
python3 - real-mon.json real-v1.json <<'PY' || fail "format 1 and format 2 of one log report differently"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k in ("executed", "not_allowlisted", "denials", "coverage", "drift"):
    if a.get(k) != b.get(k):
        sys.exit(f"section {k} differs")
sa, sb = a["summary"], b["summary"]
for k in ("events", "repeats", "executables", "not_allowlisted", "would_deny"):
    if sa[k] != sb[k]:
        sys.exit(f"summary.{k}: {sa[k]} != {sb[k]}")
PY

# a log of the daemon's with its summaries turned back into format 1's bare
# hex under format 2's start record mixes the forms: refused, exit 1
sed 's/"digest":"sha256:\([0-9a-f]\{64\}\)","count"/"digest":"\1","count"/' \
	"$real/monitor.log" >mixed.log
rc=0
"$IMAGUARD" report -o mixed.json mixed.log 2>err || rc=$?
[ "$rc" -eq 1 ] || fail "a log of mixed digest forms exited $rc, want 1"
# (the edited line is named before the next one's prev shows the edit)
grep -q "cannot read audit log 'mixed.log': line [0-9]*: summary digest 1 is bare hex where format 2 writes sha256:<hex>: mixed digest forms" err ||
	fail "mixed forms: $(cat err)"

echo "report: all checks passed"
