#!/usr/bin/env bash
# The fixture generator (tests/tools/mkauditlog) against the logs the daemon
# itself wrote in the guest (tests/data/auditlog/): for every record type
# both hold, the same keys, and each key's values in a form the daemon
# writes (or one docs/audit-format.md gives beside it: null for no rules or
# no allowlist). Nested objects are compared a level down (a summary's
# repeats, a stop's counters). A generator that drifts from the daemon fails
# here, not in the tests that read its logs. audit verify names a log made
# newer than the build, or with mixed forms, and reads format 1.
set -euo pipefail
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
top=$(cd "$(dirname "$IMAGUARD")/.." && pwd)
gen=${MKAUDITLOG:-$top/build/tools/mkauditlog}
[ -x "$gen" ] || make -C "$top" -s build/tools/mkauditlog
real="$top/tests/data/auditlog"

fail() { echo "FAIL: $*"; exit 1; }

"$gen" gen .
"$IMAGUARD" audit verify "$real/monitor.log" "$real/enforce.log" web1.log web2.log db1.log

python3 - "$real/monitor.log" "$real/enforce.log" -- web1.log web2.log db1.log <<'PY'
import json, re, sys

args = sys.argv[1:]
cut = args.index("--")
real_logs, gen_logs = args[:cut], args[cut + 1:]
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
HEX = re.compile(r"^[0-9a-f]{64}$")

def form(v):
    if v is None: return "null"
    if isinstance(v, bool): return "bool"
    if isinstance(v, int): return "int"
    if isinstance(v, float): return "real"
    if isinstance(v, list): return "list"
    if isinstance(v, dict): return "object"
    if v.startswith("sha256:") and HEX.match(v[7:]): return "sha256:hex"
    if HEX.match(v): return "hex"
    if TIME.match(v): return "time"
    if v == "": return "empty"
    return "string"

# what the documentation allows beside what the guest's runs happened to write
ALSO = {"rules_sha256": {"hex", "null"}, "allowlist_serial": {"int", "null"},
        "allowlist_sha256": {"hex", "null"}, "digest": {"sha256:hex", "null"}}

def shapes(logs):
    out = {}
    for path in logs:
        for line in open(path):
            rec = json.loads(line)
            parts = [(rec["type"], rec)]
            for r in rec.get("repeats", []):
                parts.append((rec["type"] + ".repeats[]", r))
            if isinstance(rec.get("counters"), dict):
                parts.append((rec["type"] + ".counters", rec["counters"]))
                for k, v in rec["counters"].items():
                    if isinstance(v, dict):
                        parts.append((rec["type"] + ".counters." + k, v))
            for name, obj in parts:
                keys = out.setdefault(name, {})
                for k, v in obj.items():
                    keys.setdefault(k, set()).add(form(v))
    return out

real, gen = shapes(real_logs), shapes(gen_logs)
bad = []
for name in sorted(gen):
    if name not in real:
        # lost: none in the guest's runs; its keys are checked by the docs' list
        if name == "lost":
            continue
        bad.append(f"{name}: the generator writes a record the daemon's logs lack")
        continue
    g, r = gen[name], real[name]
    for k in sorted(set(g) - set(r)):
        bad.append(f"{name}: key '{k}' is the generator's only")
    for k in sorted(set(r) - set(g)):
        # optional keys the daemon writes only when true or when it failed
        if k in ("unlinked", "foreign_path", "identity_unknown", "error", "reason"):
            continue
        bad.append(f"{name}: key '{k}' is missing from the generator's records")
    for k in sorted(set(g) & set(r)):
        extra = g[k] - r[k] - ALSO.get(k, set())
        if extra:
            bad.append(f"{name}.{k}: the generator writes {sorted(extra)}, the daemon {sorted(r[k])}")
checked = sorted(set(gen) & set(real))
missing = [t for t in ("start", "access", "summary", "summary.repeats[]", "reload", "stop",
                       "stop.counters") if t not in checked]
if missing:
    bad.append(f"record types not compared: {missing}")
for b in bad:
    print("FAIL:", b)
if bad:
    sys.exit(1)
print("same keys and value forms in:", ", ".join(checked))
PY

# the lost record, which the guest's runs had no cause to write, against
# the documented keys
lost=$(grep -h '"type":"lost"' db1.log | head -n 1)
for k in type time seq prev allowlist_serial allowlist_sha256 count cause gap_s; do
	grep -q "\"$k\":" <<<"$lost" || fail "the generator's lost record lacks '$k': $lost"
done
# audit verify on the daemon's log made newer than this build, or mixed:
# the first line that is not in its format's form is named, exit 1
. "$(dirname "$0")/lib.sh"
rechain() {
	python3 - "$1" <<'PY'
import hashlib, re, sys
prev = "0" * 64
lines = open(sys.argv[1]).read().splitlines()
with open(sys.argv[1], "w") as out:
    for line in lines:
        line = re.sub(r'"prev":"[0-9a-f]{64}"', f'"prev":"{prev}"', line, count=1)
        out.write(line + "\n")
        prev = hashlib.sha256(line.encode()).hexdigest()
PY
}
sed '1s/"format":2,/"format":3,/' "$real/monitor.log" >newer.log
rechain newer.log
expect 1 "$IMAGUARD" audit verify newer.log
grep -qxF "imaguard: 'newer.log': line 1: unknown format 3: this build reads formats 1 to 2" err ||
	fail "a newer format: $(cat err)"
sed '1s/"format":2,//' "$real/monitor.log" >mixed.log
rechain mixed.log
expect 1 "$IMAGUARD" audit verify mixed.log
grep -q "^imaguard: 'mixed.log': line [0-9]*: summary digest 1 is sha256:<hex> where format 1 writes bare hex: mixed digest forms\$" err ||
	fail "mixed forms: $(cat err)"
audit_format1 "$real/monitor.log" v1.log
expect 0 "$IMAGUARD" audit verify v1.log
echo "auditlog forms ok"
