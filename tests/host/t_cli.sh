#!/usr/bin/env bash
# The command line itself: version and --version, and commands that take no
# arguments refusing a stray one as a usage error (exit 2) before they do
# anything.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
fail() { echo "FAIL: $*"; cat out err; exit 1; }

expect 0 "$IMAGUARD" version
grep -qx 'imaguard [0-9][0-9.]*' out || fail "version printed '$(cat out)'"
expect 0 "$IMAGUARD" --version
grep -qx 'imaguard [0-9][0-9.]*' out || fail "--version printed '$(cat out)'"

# --help describes every option the top level takes
expect 0 "$IMAGUARD" --help
grep -q -- '^  *--version  ' out || fail "--help does not describe --version"
grep -q -- '^  *-h, --help  ' out || fail "--help does not describe itself"

for args in "version extra" "--version extra" "version -- extra"; do
	expect 2 "$IMAGUARD" $args
	grep -qxF "imaguard: unexpected argument 'extra'" err || fail "'$args'"
	grep -qxF "usage: imaguard version (see 'imaguard version --help')" err || fail "'$args'"
	[ ! -s out ] || fail "'$args' printed the version"
done

# an option that a command group does not know is named as an option
expect 2 "$IMAGUARD" --bogus
grep -qxF "imaguard: unknown option '--bogus'" err || fail "--bogus"
expect 2 "$IMAGUARD" allowlist -x build
grep -qxF "imaguard: unknown option '-x'" err || fail "allowlist -x"
grep -qxF "usage: imaguard allowlist COMMAND [ARG]... (see 'imaguard allowlist --help')" err ||
	fail "allowlist -x"
expect 2 "$IMAGUARD" bogus
grep -qxF "imaguard: unknown command 'bogus'" err || fail "bogus"

# stop: a stray word is refused before the daemon is signalled or a pin is
# removed (the directories here are the test's own, never the defaults)
mkdir state pins
expect 2 "$IMAGUARD" stop --state-dir "$PWD/state" --pin-dir "$PWD/pins" now
grep -qxF "imaguard: unexpected argument 'now'" err || fail "stop now"
[ ! -s out ] || fail "stop with a stray argument did something"
expect 0 "$IMAGUARD" stop --state-dir "$PWD/state" --pin-dir "$PWD/pins"
grep -qxF "imaguard: no daemon was running" out || fail "stop"
expect 2 "$IMAGUARD" status --state-dir "$PWD/state" --pin-dir "$PWD/pins" extra
grep -qxF "imaguard: unexpected argument 'extra'" err || fail "status extra"
# one output format: neither silently wins over the other
expect 2 "$IMAGUARD" status --state-dir "$PWD/state" --pin-dir "$PWD/pins" --json --prometheus
grep -qxF "imaguard: --json and --prometheus cannot be combined" err || fail "status --json --prometheus"

# output that could not be written is a failure, whichever command printed it
if [ -c /dev/full ]; then
	printf '{"format": "imaguard-rules/1", "rules": []}\n' > rules.json
	for args in "version" "--help" "rules match rules.json /x" "rules check rules.json"; do
		rc=0
		"$IMAGUARD" $args >/dev/full 2>err || rc=$?
		[ "$rc" -eq 1 ] || fail "'$args' to a full disk exited $rc"
		grep -qxF "imaguard: cannot write to standard output: No space left on device" err ||
			fail "'$args' to a full disk"
	done
fi
echo "cli: ok"
