#!/usr/bin/env bash
# sign, show, hash and rules check from the command line: outputs, messages
# and exit statuses; no partial output files.
set -euo pipefail
command -v openssl >/dev/null || { echo "openssl not installed"; exit 77; }

. "$(dirname "$0")/lib.sh"

printf 'hello\n' > a
printf 'world\n' > 'b c'
printf 'x\n' > 'back\slash'
openssl genpkey -algorithm ed25519 -out k.pem 2>/dev/null
openssl pkey -in k.pem -pubout -out k.pub

# hash is sha256sum, byte for byte
expect 0 "$IMAGUARD" hash a 'b c' 'back\slash'
sha256sum a 'b c' 'back\slash' > want
cmp out want
sha256sum -c out >/dev/null
expect 0 "$IMAGUARD" hash - < a
[ "$(cat out)" = "$(sha256sum - < a)" ]
expect 0 "$IMAGUARD" hash < a		# no FILE: standard input, as sha256sum
[ "$(cat out)" = "$(sha256sum < a)" ]
[ "$(cat out)" = "$(sha256sum a | cut -c1-64)  -" ]
expect 1 "$IMAGUARD" hash a missing
grep -q "cannot open 'missing': No such file or directory" err
grep -q '  a$' out

# an allowlist with a's digest (path-free) and b's bound to another path
da=$(sha256sum a | cut -d' ' -f1)
db=$(sha256sum 'b c' | cut -d' ' -f1)
cat > list.json <<JSON
{"format": "imaguard-allowlist/1", "serial": 1, "created": "2026-01-01T00:00:00Z",
 "hash_algo": "sha256", "entries": [
  {"digest": "$da", "source": "manual"},
  {"digest": "$db", "path": "/nowhere/b", "bind_path": true, "source": "pkg 1.0"},
  {"digest": "$(echo $db | tr a-f A-F)", "path": "$PWD/b c", "bind_path": true, "source": "pkg 1.0"}
]}
JSON
expect 0 "$IMAGUARD" allowlist sign --key k.pem list.json
[ -s list.json.sig ]
expect 0 "$IMAGUARD" hash --allowlist list.json --trust k.pub a 'b c'
[ "$(head -c8 out)" = "allowed " ]
[ "$(sed -n 2p out)" = "allowed $db  b c" ]
mkdir sub && cp 'b c' sub/
expect 1 "$IMAGUARD" hash --allowlist list.json --trust k.pub sub/'b c' 'back\slash'
grep -q "^denied $db  sub/b c$" out
grep -q '^denied \\' out
expect 2 "$IMAGUARD" hash --allowlist list.json a
expect 2 "$IMAGUARD" hash --trust k.pub a
printf ' ' >> list.json
expect 1 "$IMAGUARD" hash --allowlist list.json --trust k.pub a
grep -q "does not verify" err

# show
expect 0 "$IMAGUARD" allowlist show list.json
grep -q '^serial:    1$' out
grep -q '^entries:   3 (2 bound to their path)$' out
grep -q '^ *2  pkg 1.0$' out
grep -q "^sha256:    $(sha256sum list.json | cut -d' ' -f1)$" out
echo '{"format": "imaguard-allowlist/1"}' > bad.json
expect 1 "$IMAGUARD" allowlist show bad.json
grep -q "imaguard: invalid allowlist 'bad.json': missing 'serial'" err

# sign refuses an invalid list or a bad key and leaves no file behind
expect 1 "$IMAGUARD" allowlist sign --key k.pem bad.json
[ ! -e bad.json.sig ]
head -c 100 /dev/urandom > junk.pem
expect 1 "$IMAGUARD" allowlist sign --key junk.pem -o out.sig list.json
[ ! -e out.sig ]
expect 1 "$IMAGUARD" allowlist sign --key k.pub -o out.sig list.json
grep -q "not a PEM private key" err
# an encrypted key, with no terminal to ask for its passphrase: no prompt
# read from a script's input, one line that says what is wrong
openssl genpkey -algorithm ed25519 -aes256 -pass pass:secret -out enc.pem 2>/dev/null
expect 1 "$IMAGUARD" allowlist sign --key enc.pem -o out.sig list.json < /dev/null
[ "$(cat err)" = "imaguard: cannot use key 'enc.pem': it is encrypted and was not decrypted (wrong passphrase, or no terminal to ask for one)" ]
[ ! -e out.sig ]
expect 1 "$IMAGUARD" allowlist sign --key enc.pem -o out.sig list.json < a
[ "$(wc -l < err)" -eq 1 ]
[ ! -e out.sig ]
expect 2 "$IMAGUARD" allowlist sign list.json
[ -z "$(ls | grep tmp || true)" ]

# rules check
cat > rules.json <<'JSON'
{"format": "imaguard-rules/1", "rules": [
 {"action": "deny", "path": "/tmp/", "recursive": true},
 {"action": "allow", "path": "/", "recursive": true},
 {"action": "audit", "path": "/etc/", "hooks": ["open"]}
]}
JSON
expect 0 "$IMAGUARD" rules check rules.json
grep -q "rules.json: valid: 3 rules, 1 warning" out
grep -q "imaguard: warning: rules.json: line 3: rule 1: allows everything" err
expect 1 "$IMAGUARD" rules check --strict rules.json
expect 0 "$IMAGUARD" rules match --hook exec rules.json /tmp/x/y /usr/bin/ls
[ "$(sed -n 1p out)" = "$(printf 'deny\texec\trule 0\t/tmp/x/y')" ]
[ "$(sed -n 2p out)" = "$(printf 'allow\texec\trule 1\t/usr/bin/ls')" ]
expect 0 "$IMAGUARD" rules match --hook open rules.json /etc/passwd /etc/ssh/x
[ "$(sed -n 2p out)" = "$(printf 'none\topen\t-\t/etc/ssh/x')" ]
echo '{"format": "imaguard-rules/1", "rules": [{"action": "deny", "path": "/a/../b"}]}' > bad.json
expect 1 "$IMAGUARD" rules check bad.json
grep -qxF "imaguard: rules 'bad.json' refused: line 1: rule 0: path '/a/../b' contains a '.' or '..' component" err
# a rule's error names its line, as an allowlist entry's does
cat > bad.json <<'JSON'
{"format": "imaguard-rules/1",
 "rules": [
  {"action": "deny", "path": "/tmp/"},
  {"action": "deny", "path": "/a/", "hooks": ["exec", "read"]}
]}
JSON
expect 1 "$IMAGUARD" rules check bad.json
grep -qxF "imaguard: rules 'bad.json' refused: line 4: rule 1: unknown hook 'read' (want exec, mmap, open or script)" err
expect 2 "$IMAGUARD" rules match --hook read rules.json /x

# options may follow the arguments; "--" ends them
expect 0 "$IMAGUARD" rules match rules.json /etc/passwd --hook open
[ "$(cat out)" = "$(printf 'audit\topen\trule 2\t/etc/passwd')" ]
cp a -- -dash
expect 0 "$IMAGUARD" hash -- -dash
[ "$(cat out)" = "$(sha256sum -- -dash)" ]
mkdir tree && printf '#!/bin/sh\n' > tree/x
expect 0 "$IMAGUARD" allowlist build tree -o t.json --serial 5
expect 0 "$IMAGUARD" allowlist sign t.json --key k.pem
expect 0 "$IMAGUARD" allowlist verify t.json --trust k.pub
expect 0 "$IMAGUARD" hash tree/x --allowlist t.json --trust k.pub
[ "$(cat out)" = "allowed $(sha256sum tree/x)" ]
echo ok
