#!/usr/bin/env bash
# The bash completion (contrib/completion/imaguard.bash), sourced into bash
# and run as readline would run it: file names with blanks stay whole,
# directories end in "/", and an option that takes a value from a list
# (--from, --format, --mode, --hook) completes that list, not file names.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*"; exit 1; }

# the completion runs `imaguard`: the binary under test
mkdir bin
ln -s "$IMAGUARD" bin/imaguard
PATH=$PWD/bin:$PATH
. "$top/contrib/completion/imaguard.bash"
complete -p imaguard | grep -qx 'complete -F _imaguard imaguard' || fail "not registered"

# compopt only works inside readline's completion: record what is asked
compopt() { opts+=" $*"; }

# comp WANT WORD...: complete the last WORD of the command line WORD...
# and fail unless COMPREPLY, sorted, one entry a line, is WANT
comp() {
	local want=$1 got
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*" COMP_POINT=${#COMP_LINE}
	COMPREPLY=() opts=
	_imaguard
	got=$(if [ ${#COMPREPLY[@]} -gt 0 ]; then printf '%s\n' "${COMPREPLY[@]}" | sort; fi)
	[ "$got" = "$want" ] || fail "'$*': got [$(echo $got)] (${#COMPREPLY[@]}), want [$(echo $want)]"
}
nl=$'\n'

mkdir "sub dir" plain
touch "my file.log" "my other.log" plain/x "sub dir/in side.log"
# names with blanks are single entries, directories end in "/", and the
# names are completed as file names (readline quotes them)
comp "my file.log${nl}my other.log" imaguard report my
[ "$opts" = " -o filenames" ] || fail "file names not completed as file names: '$opts'"
comp "my file.log" imaguard report 'my\ f'
comp "my file.log" imaguard report '"my f'
comp "sub dir/" imaguard report su
comp "sub dir/in side.log" imaguard report 'sub\ dir/'
comp "plain/" imaguard audit verify pl
comp "bin/${nl}plain/${nl}sub dir/" imaguard run --state-dir ""
comp "bin/${nl}my file.log${nl}my other.log${nl}plain/${nl}sub dir/" imaguard allowlist sign -k ""

# values, not files
comp "fapolicyd${nl}ima-log${nl}keylime${nl}santa${nl}sha256sum" imaguard allowlist import --from ""
comp "keylime" imaguard allowlist import --from k
comp "keylime" imaguard allowlist import --from = k
comp "html${nl}json${nl}markdown" imaguard report --format ""
comp "markdown" imaguard report -f m
comp "enforce${nl}monitor" imaguard run --mode ""
comp "exec${nl}mmap${nl}open" imaguard rules match -k ""
# a number or a time: nothing to offer
comp "" imaguard allowlist build --serial ""
comp "" imaguard report --now ""
# options, from --help; subcommands
comp "--format" imaguard report --fo
comp "--from" imaguard allowlist import --fr
comp "import" imaguard allowlist imp
# after a flag, a file again
comp "my file.log${nl}my other.log" imaguard allowlist import --skip-bad my
echo ok
