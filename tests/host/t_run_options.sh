#!/usr/bin/env bash
# `imaguard run` options and its config file, as far as they go without a
# kernel: --unpin names the directory that --pin, --pin-dir or the config
# chose, and exits before anything is loaded. Never the default directory:
# a chain pinned there on this machine stays.
set -euo pipefail

expect() {
	local want=$1 rc=0
	shift
	"$@" >out 2>err || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: '$*' exited $rc, want $want"; cat out err; exit 1
	fi
}
unpinned() {
	[ "$(cat out)" = "imaguard: removed 0 pins under '$1'" ] ||
		{ echo "FAIL: want pins under '$1', got: $(cat out)"; exit 1; }
}

# --pin[=DIR]: the directory only after '='
expect 0 "$IMAGUARD" run --help
grep -q -- '--pin\[=DIR\] ' out
expect 0 "$IMAGUARD" run --unpin --pin-dir "$PWD/pins" --pin
unpinned "$PWD/pins"
expect 0 "$IMAGUARD" run --unpin --pin="$PWD/pins"
unpinned "$PWD/pins"
expect 2 "$IMAGUARD" run --unpin --pin "$PWD/pins"
grep -q "^imaguard: unexpected argument '$PWD/pins'$" err
expect 2 "$IMAGUARD" run --unpin --pin=
grep -q "^imaguard: empty pin directory$" err
expect 0 "$IMAGUARD" run --unpin --pin-dir "$PWD/pins"
unpinned "$PWD/pins"
expect 0 "$IMAGUARD" status --help
grep -q -- '--pin-dir DIR ' out
expect 0 "$IMAGUARD" stop --help
grep -q -- '--pin-dir DIR ' out

# the config file: "pin" alone, "pin DIR", "pin=DIR"
printf 'pin\n' > c
expect 0 "$IMAGUARD" run --config c --unpin --pin-dir "$PWD/pins"
unpinned "$PWD/pins"
printf 'pin %s/pins\n' "$PWD" > c
expect 0 "$IMAGUARD" run --config c --unpin
unpinned "$PWD/pins"
printf 'pin=%s/pins\n' "$PWD" > c
expect 0 "$IMAGUARD" run --config c --unpin
unpinned "$PWD/pins"
# the command line overrides the file
expect 0 "$IMAGUARD" run --config c --unpin --pin="$PWD/other"
unpinned "$PWD/other"
echo ok
