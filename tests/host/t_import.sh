#!/usr/bin/env bash
# allowlist import end to end, one format after the other: real sha256sum
# output (escaped names included), the fixtures of each other format, strict
# failures that name the line and write nothing, --skip-bad, stdin.
set -euo pipefail
data=$TESTDATA/import

. "$(dirname "$0")/lib.sh"
need_command allowlist import

entries() { grep -c '"digest"' "$1" || true; }

# sha256sum, as coreutils writes it: plain, binary mode, --tag, and the
# backslash-escaped form for names with a backslash or a newline.
printf 'one\n' > one
printf 'two\n' > 'two words'
printf 'three\n' > 'back\slash'
printf 'four\n' > "$(printf 'new\nline')"
sha256sum one 'two words' > sums
sha256sum -b 'back\slash' "$(printf 'new\nline')" >> sums
sha256sum --tag one >> sums
grep -q '^\\' sums		# coreutils did escape
expect 0 "$IMAGUARD" allowlist import --from sha256sum --serial 9 -o list.json sums
[ "$(entries list.json)" -eq 4 ]	# the --tag line repeats "one"
grep -q '"serial": 9' list.json
grep -q '"source": "sha256sum"' list.json
grep -qF "\"digest\": \"$(sha256sum < one | cut -c1-64)\", \"path\": \"one\"" list.json
grep -qF "\"digest\": \"$(sha256sum < 'back\slash' | cut -c1-64)\", \"path\": \"back\\\\slash\"" list.json
grep -qF "\"digest\": \"$(printf 'four\n' | sha256sum | cut -c1-64)\", \"path\": \"new\\nline\"" list.json
# the summary counts what was written, and says how many lines merged
grep -qxF 'imaguard: imported 4 entries from 1 file (1 duplicate record merged), skipped 0' err

# The same list saved with CRLF line ends: no path keeps the CR.
sha256sum one 'two words' | sed 's/$/\r/' > sums.crlf
sha256sum --tag one | sed 's/$/\r/' >> sums.crlf
expect 0 "$IMAGUARD" allowlist import --from sha256sum -o crlf.json sums.crlf
[ "$(entries crlf.json)" -eq 2 ]
grep -qF "\"digest\": \"$(sha256sum < one | cut -c1-64)\", \"path\": \"one\"," crlf.json
grep -qF '"path": "two words",' crlf.json
if grep -qF '\r' crlf.json; then echo "FAIL: a CR kept in a path"; cat crlf.json; exit 1; fi

expect 2 "$IMAGUARD" allowlist import --from sha256sum --serial 9223372036854775808 -o big.json sums
grep -q "^imaguard: invalid --serial '9223372036854775808': must be between 0 and 9223372036854775807$" err
[ ! -e big.json ]

# An expiry already past is warned about; the list is still written.
expect 0 "$IMAGUARD" allowlist import --from sha256sum --expires 2000-01-01T00:00:00Z \
	-o expired.json sums
grep -q "^imaguard: warning: the allowlist expires at 2000-01-01T00:00:00Z, which is past" err
grep -q '"expires": "2000-01-01T00:00:00Z"' expired.json

# Same from stdin, and --source.
expect 0 "$IMAGUARD" allowlist import --from sha256sum --serial 9 --source golden - < sums
[ "$(entries out)" -eq 4 ]
grep -q '"source": "golden"' out

# Strict: a malformed line names file and line, exits 1, writes nothing.
expect 1 "$IMAGUARD" allowlist import --from sha256sum -o bad.json "$data/sha256sum-bad.txt"
grep -q "sha256sum-bad.txt': line 3: digest has 40 hex digits" err
[ ! -e bad.json ]
expect 0 "$IMAGUARD" allowlist import --from sha256sum --skip-bad -o bad.json \
	"$data/sha256sum-bad.txt"
[ "$(entries bad.json)" -eq 3 ]
grep -q "line 3: .*(skipped)" err
grep -q "skipped 1: malformed line" err
# Input that is not the format at all: --skip-bad would not help, so the
# message does not send the operator there.
echo 'not json' > notjson
expect 1 "$IMAGUARD" allowlist import --from santa -o bad2.json notjson
grep -qxF "imaguard: 'notjson': line 1: '[' or '{' expected near 'not'" err
if grep -q -- --skip-bad err; then echo "FAIL: --skip-bad suggested"; cat err; exit 1; fi
[ ! -e bad2.json ]
# A Keylime exclude list given by mistake: named as such, and --skip-bad
# (which would skip every line) is not suggested.
expect 1 "$IMAGUARD" allowlist import --from keylime -o excl.json "$data/keylime-excludelist.txt"
grep -q "looks like a Keylime exclude list" err
if grep -q -- --skip-bad err; then echo "FAIL: --skip-bad suggested"; cat err; exit 1; fi
[ ! -e excl.json ]

# --skip-bad over a file with no good line (sha1sum output): exit 1,
# nothing written, not an empty allowlist.
expect 1 "$IMAGUARD" allowlist import --from sha256sum --skip-bad -o none.json \
	"$data/sha256sum-sha1only.txt"
grep -qxF "imaguard: '$data/sha256sum-sha1only.txt': no well-formed line among 2 (is it sha256sum?)" err
[ ! -e none.json ]

# One space between digest and name, as sha256sum -c reads it.
sha256sum one | sed 's/  / /' > onesp
expect 0 "$IMAGUARD" allowlist import --from sha256sum -o onesp.json onesp
grep -qF "\"digest\": \"$(sha256sum < one | cut -c1-64)\", \"path\": \"one\"" onesp.json

# A trust file header of another version is a comment, as fapolicyd reads it.
expect 0 "$IMAGUARD" allowlist import --from fapolicyd -o v4.json "$data/fapolicyd-v4.trust"
grep -q '"path": "/opt/four spaces"' v4.json

# Santa's sync servers' files: a message naming the format and the way out.
expect 1 "$IMAGUARD" allowlist import --from santa -o moroz.json "$data/santa-moroz.toml"
grep -q "a Moroz TOML config, not a Santa rules file: convert it to JSON first" err
[ ! -e moroz.json ]
# and that conversion works, where python3 has tomllib
if python3 -c 'import tomllib' 2>/dev/null; then
	python3 -c 'import json, sys, tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], "rb"))))' \
		"$data/santa-moroz.toml" > moroz.json
	expect 0 "$IMAGUARD" allowlist import --from santa -o moroz-list.json moroz.json
	[ "$(entries moroz-list.json)" -eq 1 ]
fi
expect 1 "$IMAGUARD" allowlist import --from santa "$data/santa-array.json"
grep -q "jq '{rules: .}'" err
if command -v jq >/dev/null; then
	jq '{rules: .}' "$data/santa-array.json" > wrapped.json
	expect 0 "$IMAGUARD" allowlist import --from santa -o wrapped-list.json wrapped.json
	[ "$(entries wrapped-list.json)" -eq 1 ]
fi
expect 1 "$IMAGUARD" allowlist import --from santa "$data/santa-rules.csv"
grep -q "comma-separated text" err

# Keylime runtime policy, legacy JSON and flat lists.
expect 0 "$IMAGUARD" allowlist import --from keylime "$data/keylime-policy.json"
[ "$(entries out)" -eq 4 ]
grep -q '"source": "keylime"' out
grep -q 'skipped 1: digest of 40 hex digits (not SHA-256)' err
grep -q 'skipped 2: exclude regex' err
expect 0 "$IMAGUARD" allowlist import --from keylime "$data/keylime-legacy.json" \
	"$data/keylime-flat.txt"
[ "$(entries out)" -eq 4 ]
grep -q 'from 2 files' err
expect 1 "$IMAGUARD" allowlist import --from keylime "$data/keylime-bad.json"
grep -q "digests\['/usr/bin/y'\]\[0\]: not a hex digest" err

# fapolicyd, both trust file versions; a malformed line.
expect 0 "$IMAGUARD" allowlist import --from fapolicyd "$data/fapolicyd-v2.trust"
grep -q '"path": "/opt/my app/run me"' out
expect 0 "$IMAGUARD" allowlist import --from fapolicyd "$data/fapolicyd-v3.trust"
grep -q '"path": "/opt/my app/run me"' out
grep -q '"path": "/opt/not%20escaped"' out
expect 1 "$IMAGUARD" allowlist import --from fapolicyd "$data/fapolicyd-bad.trust"
grep -q "fapolicyd-bad.trust': line 4: " err

# Santa: BINARY ALLOWLIST rules only, the rest counted.
expect 0 "$IMAGUARD" allowlist import --from santa "$data/santa.json"
[ "$(entries out)" -eq 3 ]
grep -q '"comment": "approved build tool"' out
grep -q 'skipped 2: santa CERTIFICATE rule' err
grep -q 'skipped 1: santa BINARY rule with policy BLOCKLIST' err
grep -qxF 'imaguard: imported 3 entries from 1 file, skipped 5' err
# two rules for one digest are one entry, and the summary says so
printf '{"rules": [%s, %s]}\n' \
	'{"rule_type": "BINARY", "policy": "ALLOWLIST", "identifier": "'"$(printf 'a%.0s' {1..64})"'"}' \
	'{"rule_type": "BINARY", "policy": "ALLOWLIST", "sha256": "'"$(printf 'a%.0s' {1..64})"'"}' \
	> santa-twice.json
expect 0 "$IMAGUARD" allowlist import --from santa santa-twice.json santa-twice.json
[ "$(entries out)" -eq 1 ]
grep -qxF 'imaguard: imported 1 entry from 2 files (3 duplicate records merged), skipped 0' err

# IMA measurement list.
expect 0 "$IMAGUARD" allowlist import --from ima-log "$data/ima.log"
[ "$(entries out)" -eq 6 ]
grep -q '"path": "/usr/bin/a path with spaces"' out
grep -q 'skipped 2: sha1 digest (not SHA-256) (first at .*ima.log.: line 1)' err
grep -q 'skipped 1: violation record' err
expect 1 "$IMAGUARD" allowlist import --from ima-log "$data/ima-bad.log"
grep -q "ima-bad.log': line 2: " err

# What import writes, the allowlist parser reads.
expect 0 "$IMAGUARD" allowlist show list.json

# Usage errors and unreadable input.
expect 2 "$IMAGUARD" allowlist import sums
expect 2 "$IMAGUARD" allowlist import --from rpm sums
expect 2 "$IMAGUARD" allowlist import --from sha256sum
expect 1 "$IMAGUARD" allowlist import --from sha256sum missing
grep -q "cannot open 'missing': No such file or directory" err
echo ok
