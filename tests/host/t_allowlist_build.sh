#!/usr/bin/env bash
# allowlist build over a temporary tree: the digests are sha256sum's, only ELF
# and #! files are listed, symlinks are not followed, excludes hold, and the
# output is the same bytes whatever --jobs is.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
need_command allowlist build

# The allowlist writes one entry per line; turn those into sha256sum lines.
# (Test paths hold no quote or backslash, so no JSON unescaping is needed.)
as_sums() {
	sed -n 's/^ *{"digest": "\([0-9a-f]\{64\}\)", "path": "\([^"]*\)".*/\1  \2/p' "$1"
}

top=$PWD
mkdir -p tree/bin tree/lib/deep tree/lib64 "tree/with space" tree/skip outside
cp /bin/true tree/bin/true
cp /bin/ls tree/bin/ls
cp /bin/ls tree/lib64/ls-copy		# same digest, other path
printf '#!/bin/sh\necho hi\n' > tree/bin/hello.sh
printf '#!/usr/bin/env python3\nprint(1)\n' > "tree/with space/tool é.py"
printf 'plain text\n' > tree/bin/README
printf '' > tree/bin/empty
printf '\177ELF but tiny' > tree/lib/deep/fake.so
cp /bin/true tree/skip/excluded
cp /bin/true outside/escaped
ln -s true tree/bin/link-to-true
ln -s "$top/outside" tree/bin/escape
mkfifo tree/bin/fifo

expect 0 "$IMAGUARD" allowlist build --jobs 1 --serial 5 --created 2026-01-01T00:00:00Z \
	--exclude "$top/tree/skip" tree
mv out j1.json
grep -q '"serial": 5' j1.json
grep -q '"created": "2026-01-01T00:00:00Z"' j1.json
[ "$(grep -c '"digest"' j1.json)" -eq 6 ]
grep -q '"source": "file"' j1.json

# Every digest is sha256sum's, and the listed paths are exactly these.
as_sums j1.json > sums
(cd / && sha256sum --quiet -c "$top/sums")
cut -c67- sums | sort > got
sort > want <<EOF
$top/tree/bin/hello.sh
$top/tree/bin/ls
$top/tree/bin/true
$top/tree/lib/deep/fake.so
$top/tree/lib64/ls-copy
$top/tree/with space/tool é.py
EOF
diff -u want got

# Any number of threads gives the same bytes.
for j in 4 2 8; do
	expect 0 "$IMAGUARD" allowlist build --jobs "$j" --serial 5 \
		--created 2026-01-01T00:00:00Z --exclude "$top/tree/skip" tree
	cmp j1.json out
done

# SOURCE_DATE_EPOCH fixes created and (by default) serial: reproducible.
SOURCE_DATE_EPOCH=1767225600 "$IMAGUARD" allowlist build -o r1.json tree
SOURCE_DATE_EPOCH=1767225600 "$IMAGUARD" allowlist build -j 3 -o r2.json tree
cmp r1.json r2.json
grep -q '"serial": 1767225600' r1.json
[ "$(grep -c '"digest"' r1.json)" -eq 7 ]	# tree/skip is back

# --expires +Nd, --source, a single file as PATH.
expect 0 "$IMAGUARD" allowlist build --created 2026-01-01T00:00:00Z --expires +30d \
	--source "golden 1.0" tree/bin/ls
grep -q '"expires": "2026-01-31T00:00:00Z"' out
grep -q "\"path\": \"$top/tree/bin/ls\", \"source\": \"golden 1.0\"" out
[ "$(grep -c '"digest"' out)" -eq 1 ]

# An expiry already past, or before the created time: a warning, and the
# list is still written (an expired list is a valid file that the daemon
# refuses; writing one may be meant, to test that); a future one: silence.
past="the allowlist expires at 2000-01-01T00:00:00Z, which is past"
expect 0 "$IMAGUARD" allowlist build --created 2001-01-01T00:00:00Z \
	--expires 2000-01-01T00:00:00Z -o old.json tree/bin/ls
grep -qxF "imaguard: warning: $past: 'imaguard run' and 'allowlist verify' refuse it" err
grep -qxF "imaguard: warning: the allowlist expires at 2000-01-01T00:00:00Z, before its created time 2001-01-01T00:00:00Z" err
grep -q '"expires": "2000-01-01T00:00:00Z"' old.json
expect 0 "$IMAGUARD" allowlist build --created 2999-01-01T00:00:00Z \
	--expires 2998-01-01T00:00:00Z tree/bin/ls
grep -qxF "imaguard: warning: the allowlist expires at 2998-01-01T00:00:00Z, before its created time 2999-01-01T00:00:00Z" err
[ "$(wc -l <err)" -eq 1 ]
expect 0 "$IMAGUARD" allowlist build --expires 2999-01-01T00:00:00Z tree/bin/ls
[ ! -s err ]

# A PATH that cannot be read: reported, exit 1, the old output left alone;
# --keep-going writes the list without it.
echo old > kept.json
expect 1 "$IMAGUARD" allowlist build -o kept.json tree "$top/no-such-dir"
grep -q "cannot resolve '$top/no-such-dir'" err
grep -q "no allowlist written" err
[ "$(cat kept.json)" = old ]
expect 0 "$IMAGUARD" allowlist build -k -o kept.json tree "$top/no-such-dir"
[ "$(grep -c '"digest"' kept.json)" -eq 7 ]
grep -q "1 files could not be hashed" err
if [ "$(id -u)" -ne 0 ]; then
	cp /bin/true tree/bin/locked && chmod 000 tree/bin/locked
	expect 1 "$IMAGUARD" allowlist build tree
	grep -q "cannot open '$top/tree/bin/locked': Permission denied" err
	rm -f tree/bin/locked
fi

# Quiet on a non-terminal: stderr stays empty on success.
expect 0 "$IMAGUARD" allowlist build tree
[ ! -s err ]

# Usage errors.
expect 2 "$IMAGUARD" allowlist build
expect 2 "$IMAGUARD" allowlist build --jobs 0 tree
expect 2 "$IMAGUARD" allowlist build --exclude relative/nonexistent tree
expect 2 "$IMAGUARD" allowlist build --expires tomorrow tree
# A serial above INT64_MAX would write a file that no JSON reader loads.
expect 2 "$IMAGUARD" allowlist build --serial 9223372036854775808 -o big.json tree
grep -q "^imaguard: invalid --serial '9223372036854775808': must be between 0 and 9223372036854775807$" err
[ ! -e big.json ]
expect 0 "$IMAGUARD" allowlist build --serial 9223372036854775807 -o big.json tree
expect 0 "$IMAGUARD" allowlist show big.json
grep -q '^serial: *9223372036854775807$' out

# --scripts: interpreted code by its name too (a module without #!, a
# __pycache__ file), as the kernel judges what an interpreter reads; not
# data, not an extension-less file without #!.
mkdir -p code/pkg/__pycache__
printf 'import os\n' > code/pkg/mod.py
printf 'compiled' > code/pkg/__pycache__/mod.cpython-311.pyc
printf 'x = 1\n' > code/pkg/data.txt
printf 'echo hi\n' > code/pkg/lib.sh
printf 'plain\n' > code/pkg/NOEXT
expect 0 "$IMAGUARD" allowlist build --serial 1 --created 2026-01-01T00:00:00Z code
[ "$(grep -c '"digest"' out)" -eq 0 ]
expect 0 "$IMAGUARD" allowlist build --scripts --serial 1 --created 2026-01-01T00:00:00Z code
[ "$(grep -c '"digest"' out)" -eq 3 ]
grep -q "\"$top/code/pkg/mod.py\"" out
grep -q "\"$top/code/pkg/__pycache__/mod.cpython-311.pyc\"" out
grep -q "\"$top/code/pkg/lib.sh\"" out
! grep -q 'data.txt\|NOEXT' out
expect 2 "$IMAGUARD" allowlist build --scripts --deb code
echo ok
