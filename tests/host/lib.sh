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

# audit_format1 IN OUT: the audit log IN as format 1 wrote it (no "format"
# in start records, summary digests as bare hex), chained afresh.
audit_format1() {
	python3 - "$1" "$2" <<'PY'
import hashlib, re, sys
prev = "0" * 64
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        line = line.rstrip("\n").replace('"format":2,', "")
        if '"type":"summary"' in line:
            line = re.sub(r'"digest":"sha256:([0-9a-f]{64})"', r'"digest":"\1"', line)
            line = line.replace('"digest":null', '"digest":""')
        line = re.sub(r'"prev":"[0-9a-f]{64}"', f'"prev":"{prev}"', line, count=1)
        out.write(line + "\n")
        prev = hashlib.sha256(line.encode()).hexdigest()
PY
}
