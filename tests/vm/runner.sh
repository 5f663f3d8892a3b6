#!/bin/sh
# Guest test runner: runs t_<name>.sh (all, or those named), one line each,
# then "N passed, N failed, N skipped". A test exits 0 to pass, 77 to skip
# (its last line says why); anything else fails and its output is shown.
cd /opt/ig/tests || exit 1
timeout_s=${IG_TEST_TIMEOUT:-300}
if [ $# -eq 0 ]; then
	set -- $(ls t_*.sh | sed 's/^t_//; s/\.sh$//')
fi
passed=0 failed=0 skipped=0
for name in "$@"; do
	t=./t_$name.sh
	if [ ! -f "$t" ]; then
		echo "@@ FAIL $name: no such test"
		failed=$((failed + 1))
		continue
	fi
	out=/tmp/out.$name
	timeout -s KILL "$timeout_s" sh -c "cd /tmp && exec sh -eu /opt/ig/tests/t_$name.sh" >"$out" 2>&1
	rc=$?
	case $rc in
	0)
		echo "@@ PASS $name"
		[ -n "${IG_VERBOSE:-}" ] && sed 's/^/@@| /' "$out"
		passed=$((passed + 1))
		;;
	77) echo "@@ SKIP $name: $(tail -n 1 "$out")"; skipped=$((skipped + 1)) ;;
	*)
		[ $rc -eq 137 ] && echo "timed out after ${timeout_s}s" >>"$out"
		echo "@@ FAIL $name (exit $rc)"
		sed 's/^/@@| /' "$out"
		failed=$((failed + 1))
		;;
	esac
done
echo "@@ SUMMARY $passed $failed $skipped"
