# Shared by the host tests (sourced, not run).

# expect STATUS CMD...: run CMD with its output in ./out and ./err, and fail
# the test, showing both, unless it exits with STATUS.
expect() {
	local want=$1 rc=0
	shift
	"$@" >out 2>err || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: '$*' exited $rc, want $want"; cat out err; exit 1
	fi
}

# need_command WORD...: fail the test unless `imaguard WORD... --help` exits 0.
# The command under test is part of this tree, so a binary that cannot even
# describe it is broken: a failure, never a skip.
need_command() {
	local rc=0
	"$IMAGUARD" "$@" --help >/dev/null 2>err || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: 'imaguard $* --help' exited $rc; the binary under test is broken"
		cat err; exit 1
	fi
}
