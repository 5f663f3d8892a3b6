#!/usr/bin/env bash
# `imaguard run` options and its config file, as far as they go without a
# kernel: --unpin names the directory that --pin, --pin-dir or the config
# chose, and exits before anything is loaded. Never the default directory:
# a chain pinned there on this machine stays.
set -euo pipefail
command -v openssl >/dev/null || { echo "openssl not installed"; exit 77; }

. "$(dirname "$0")/lib.sh"
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

# a value is the rest of the line, spaces and '=' included; CRLF lines and
# blanks around the value do not count
printf 'pin %s/dir with space/a=b \t\n' "$PWD" > c
expect 0 "$IMAGUARD" run --config c --unpin
unpinned "$PWD/dir with space/a=b"
printf '# comment\r\n\r\nmode enforce\r\npin\r\npin-dir = %s/crlf\r\nlog-all\r\n' "$PWD" > c
expect 0 "$IMAGUARD" run --config c --unpin
unpinned "$PWD/crlf"
openssl genpkey -algorithm ed25519 -out k.pem 2>/dev/null
openssl pkey -in k.pem -pubout -out k.pub
mkdir -p 'w/a=b' 'dir with space'
printf 'allowlist %s/w/a=b/s.json\ntrust=%s/k.pub\nstate-dir %s/state\naudit-log %s/audit.log\n' \
	"$PWD" "$PWD" "$PWD" "$PWD" > c
expect 1 "$IMAGUARD" run --config c
grep -q "^imaguard: cannot open '$PWD/w/a=b/s.json': No such file or directory$" err
sed -i "s|^allowlist .*|allowlist $PWD/dir with space/al.json|" c
expect 1 "$IMAGUARD" run --config c
grep -q "^imaguard: cannot open '$PWD/dir with space/al.json': No such file or directory$" err

# --config read however getopt takes it: abbreviated, with '='
printf 'pin %s/abbr\n' "$PWD" > c
expect 0 "$IMAGUARD" run --conf c --unpin
unpinned "$PWD/abbr"
expect 0 "$IMAGUARD" run --unpin --con=c
unpinned "$PWD/abbr"

# the command line's --trust keys replace the file's, as other options do
printf 'allowlist %s/none.json\ntrust %s/missing.pub\nstate-dir %s/state\n' \
	"$PWD" "$PWD" "$PWD" > c
expect 1 "$IMAGUARD" run --config c
grep -q "^imaguard: cannot open '$PWD/missing.pub': No such file or directory$" err
expect 1 "$IMAGUARD" run --config c --trust k.pub
grep -q "^imaguard: cannot open '$PWD/none.json': No such file or directory$" err

# a signature or a key with no allowlist to check is a mistake, not ignored
expect 2 "$IMAGUARD" run --sig x.sig
grep -q "^imaguard: --sig needs --allowlist$" err
expect 2 "$IMAGUARD" run --trust k.pub
grep -q "^imaguard: --trust needs --allowlist$" err
printf 'trust %s/k.pub\n' "$PWD" > c
expect 2 "$IMAGUARD" run --config c
grep -q "^imaguard: --trust needs --allowlist$" err

# errors name the file and the line, every line counted, without the usage text
bad() {
	local want=$1
	shift
	printf "$@" > c
	expect 2 "$IMAGUARD" run --config c --unpin --pin-dir "$PWD/pins"
	[ "$(cat err)" = "imaguard: config 'c' $want" ] ||
		{ echo "FAIL: want \"config 'c' $want\", got:"; cat err; exit 1; }
}
bad "line 4: unknown option 'bogus'" '\n\nmode monitor\nbogus\n'
bad "line 3: invalid mode 'monitor enforce': monitor or enforce" '# a\n\nmode monitor enforce\n'
bad "line 1: invalid mode 'bogus': monitor or enforce" 'mode bogus\r\n'
bad "line 2: invalid summary-interval '0': 1 to 86400 seconds" '\nsummary-interval=0\n'
bad "line 1: 'log-all' takes no value" 'log-all yes\n'
bad "line 1: 'allowlist' needs a value" 'allowlist \r\n'
bad "line 1: 'config' does not nest" 'config other.conf\n'
bad "line 2: invalid trust-fs 'nfs': fuse, overlay or remote" 'trust-fs remote\ntrust-fs nfs\n'

# trust-fs: every kind, repeated, from the file and the command line
printf 'trust-fs fuse\ntrust-fs=overlay\n' > c
expect 0 "$IMAGUARD" run --config c --trust-fs remote --unpin --pin-dir "$PWD/pins"
unpinned "$PWD/pins"
echo ok
