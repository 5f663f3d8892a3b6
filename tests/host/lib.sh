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
