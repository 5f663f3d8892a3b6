#!/usr/bin/env bash
# `imaguard audit ecs` on the logs the daemon itself wrote in the guest
# (tests/data/auditlog/): every line is one JSON object with the fields
# every document has, every access document also the process, user and
# file fields, and the values are the trail's own, record by record; a
# summary gives one document per repeat. The same log in format 1 (bare
# hex summaries) gives the same documents. A log that does not verify is
# refused and nothing is written.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
need_command audit ecs
real=$TESTDATA/auditlog

fail() { echo "FAIL: $*"; exit 1; }

for l in monitor enforce; do
	"$IMAGUARD" audit ecs -o $l.ecs "$real/$l.log"
	python3 - "$real/$l.log" $l.ecs <<'PY' || fail "$l.ecs does not hold the trail's values"
import json, sys
trail = [json.loads(l) for l in open(sys.argv[1])]
docs = [json.loads(l) for l in open(sys.argv[2])]
bad = []
def get(d, path):
    for k in path.split("."):
        if not isinstance(d, dict) or k not in d:
            return KeyError
        d = d[k]
    return d
def check(no, what, want, got):
    if want != got:
        bad.append(f"record {no}: {what}: want {want!r}, got {got!r}")
want_docs = []
host = None
for r in trail:
    if r["type"] == "start":
        host = r["host"]
    if r["type"] == "summary":
        want_docs += [(r, rep) for rep in r["repeats"]]
    else:
        want_docs.append((r, None))
check(0, "documents", len(want_docs), len(docs))
EVERY = ["@timestamp", "event.kind", "event.action", "event.outcome", "host.name", "imaguard.seq",
         "imaguard.type", "ecs.version"]
ACCESS = ["process.pid", "process.parent.pid", "process.name", "user.id", "file.path",
          "file.hash.sha256"]
for (r, rep), d in zip(want_docs, docs):
    no = r["seq"]
    for f in EVERY + (ACCESS if r["type"] == "access" else []):
        if get(d, f) is KeyError:
            bad.append(f"record {no} ({r['type']}): no {f}")
    check(no, "@timestamp", r["time"], d["@timestamp"])
    check(no, "imaguard.seq", r["seq"], get(d, "imaguard.seq"))
    check(no, "imaguard.prev", r["prev"], get(d, "imaguard.prev"))
    check(no, "imaguard.allowlist_serial", r["allowlist_serial"], get(d, "imaguard.allowlist_serial"))
    check(no, "host.name", host, get(d, "host.name"))
    if r["type"] == "access":
        check(no, "event.action", r["hook"], get(d, "event.action"))
        check(no, "imaguard.hook", r["hook"], get(d, "imaguard.hook"))
        check(no, "event.outcome", "failure" if r["decision"] == "deny" else "success",
              get(d, "event.outcome"))
        check(no, "event.kind", "event", get(d, "event.kind"))
        check(no, "imaguard.reason", r["reason"], get(d, "imaguard.reason"))
        check(no, "process.pid", r["pid"], get(d, "process.pid"))
        check(no, "process.parent.pid", r["ppid"], get(d, "process.parent.pid"))
        check(no, "process.name", r["comm"], get(d, "process.name"))
        if r["hook"] == "exec":
            check(no, "process.executable", r["path"], get(d, "process.executable"))
        check(no, "user.id", str(r["uid"]), get(d, "user.id"))
        check(no, "file.path", r["path"], get(d, "file.path"))
        check(no, "file.hash.sha256", r["digest"][7:], get(d, "file.hash.sha256"))
    elif r["type"] == "summary":
        check(no, "event.kind", "metric", get(d, "event.kind"))
        check(no, "event.action", rep["hook"], get(d, "event.action"))
        check(no, "file.path", rep["path"], get(d, "file.path"))
        check(no, "file.hash.sha256", rep["digest"].removeprefix("sha256:"), get(d, "file.hash.sha256"))
        check(no, "imaguard.count", rep["count"], get(d, "imaguard.count"))
    else:
        check(no, "event.action", r["type"], get(d, "event.action"))
        if r["type"] == "reload":
            check(no, "event.outcome", "success" if r["ok"] else "failure", get(d, "event.outcome"))
        if r["type"] == "start":
            check(no, "process.pid", r["pid"], get(d, "process.pid"))
            check(no, "host.os.kernel", r["kernel"], get(d, "host.os.kernel"))
for b in bad[:20]:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
	echo "$l: $(wc -l <$l.ecs) documents"
done

# the same log in format 1: no "format" in the start record, summaries in
# bare hex, chained afresh; the documents differ only in imaguard.format
# and in the chain's own values
audit_format1 "$real/monitor.log" v1.log
"$IMAGUARD" audit verify v1.log
"$IMAGUARD" audit ecs v1.log >v1.ecs
strip() { sed -e 's/"prev":"[0-9a-f]*",//' -e 's/"format":2,//' "$1"; }
diff <(strip monitor.ecs) <(strip v1.ecs) >/dev/null || fail "format 1 and format 2 of one log convert differently"

# both logs in one go, to standard output
"$IMAGUARD" audit ecs "$real/monitor.log" "$real/enforce.log" >both.ecs
[ "$(wc -l <both.ecs)" -eq $(($(wc -l <monitor.ecs) + $(wc -l <enforce.ecs))) ] ||
	fail "two logs do not give the documents of each"

# a broken chain is refused, and nothing is written
sed '5s/"pid":\([0-9]\)/"pid":9\1/' "$real/monitor.log" >broken.log
expect 1 "$IMAGUARD" audit ecs -o broken.ecs broken.log
grep -qxF "imaguard: cannot convert 'broken.log': line 6: edited or reordered: prev does not match line 5" err ||
	fail "broken chain: $(cat err)"
[ ! -e broken.ecs ] || fail "a refused conversion wrote its output"
[ -z "$(ls broken.ecs.* 2>/dev/null)" ] || fail "a refused conversion left a temporary file"
expect 2 "$IMAGUARD" audit ecs
expect 1 "$IMAGUARD" audit ecs missing.log
grep -q "imaguard: cannot read 'missing.log': No such file or directory" err || fail "missing: $(cat err)"
echo "audit ecs ok"
