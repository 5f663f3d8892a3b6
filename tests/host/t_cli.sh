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

# a bad option value is a usage error like any other: its reason, then the
# command's usage line
bad_value() {
	local path=$1 reason=$2
	shift 2
	expect 2 "$IMAGUARD" $path "$@"
	grep -qxF "imaguard: $reason" err || fail "'$path $*': no reason"
	grep -qxF "usage: imaguard $path $(usage_args "$path") (see 'imaguard $path --help')" err ||
		fail "'$path $*': no usage line"
	[ ! -s out ] || fail "'$path $*' printed something"
}
# the usage line's arguments, as --help has them
usage_args() { "$IMAGUARD" $1 --help | sed -n "1s/^usage: imaguard $1 //p"; }
rfc3339="not an RFC 3339 time (2027-01-31T00:00:00Z)"
mkdir empty
printf '%s  x\n' "$(printf 'a%.0s' {1..64})" > sums
bad_value stop "invalid --timeout '0': must be between 1 and 3600" \
	--state-dir "$PWD/state" --pin-dir "$PWD/pins" --timeout 0
bad_value report "invalid --now 'bad': $rfc3339" --now bad missing.log
bad_value "allowlist propose" "invalid --created 'bad': $rfc3339" --created bad -o new.json \
	missing.log
bad_value "allowlist build" "invalid --jobs '0': must be between 1 and 256" --jobs 0 empty
bad_value "allowlist build" "invalid --serial 'x': not a non-negative decimal number" \
	--serial x -o list.json empty
bad_value "allowlist build" "invalid --created 'bad': $rfc3339" --created bad -o list.json empty
bad_value "allowlist import" "invalid --expires 'tomorrow': $rfc3339 or +<days>d" \
	--from sha256sum --expires tomorrow -o list.json sums
bad_value "allowlist import" "invalid --expires days '0': must be between 1 and 36500" \
	--from sha256sum --expires +0d -o list.json sums
SOURCE_DATE_EPOCH=soon bad_value "allowlist import" \
	"invalid SOURCE_DATE_EPOCH 'soon': not a non-negative decimal number" \
	--from sha256sum -o list.json sums
[ ! -e list.json ] || fail "a list was written after a usage error"

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
