# The benchmark's floor, made from the chain itself:
#
#   awk -f tests/bench/noop-progs.awk bpf/enforcer.bpf.c bpf/*.bpf.h > noop-progs.h
#
# For every program of the enforcer (a line `SEC("...")` then `int
# BPF_PROG(ig_NAME, ...)`), an empty program noop_NAME in the same section
# with the same arguments: an LSM program passes on the verdict it was
# given (its last argument `int ret`), every other one returns 0, as fentry
# and fexit programs must. tests/bench/noop.bpf.c includes the result, so a
# program added to the chain is in the floor at the next build; a SEC() line
# not followed by a BPF_PROG that can be read stops the build.
BEGIN { sec = ""; sig = ""; n = 0 }

function fail(msg) {
	printf "noop-progs.awk: %s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	bad = 1
	exit 1
}

function emit(    name, args, ret, i, last) {
	# sig: "int BPF_PROG(ig_x, a, b, int ret)" on one line
	if (sig !~ /^int BPF_PROG\(ig_[a-z0-9_]+[,)]/)
		fail("cannot read the program after SEC(\"" sec "\")")
	args = sig
	sub(/^int BPF_PROG\(ig_/, "", args)
	sub(/\)[ \t]*$/, "", args)
	i = index(args, ",")
	if (i) {
		name = substr(args, 1, i - 1)
		args = substr(args, i)
	} else {
		name = args
		args = ""
	}
	last = args
	sub(/^.*,[ \t]*/, "", last)
	ret = (sec ~ /^lsm/ && last == "int ret") ? "ret" : "0"
	printf "SEC(\"%s\")\nint BPF_PROG(noop_%s%s)\n{\n\treturn %s;\n}\n\n", sec, name, args, ret
	n++
}

sig != "" {
	line = $0
	gsub(/^[ \t]+/, "", line)
	sig = sig " " line
	if (sig ~ /\)[ \t]*$/) {
		emit()
		sig = ""
		sec = ""
	}
	next
}

sec != "" {
	if ($0 !~ /^int BPF_PROG\(/)
		fail("SEC(\"" sec "\") not followed by int BPF_PROG(")
	sig = $0
	if (sig ~ /\)[ \t]*$/) {
		emit()
		sig = ""
		sec = ""
	}
	next
}

/^SEC\("/ {
	sec = $0
	sub(/^SEC\("/, "", sec)
	sub(/"\).*$/, "", sec)
	next
}

END {
	if (bad)
		exit 1
	if (sec != "" || sig != "")
		fail("a program left unfinished at the end")
	if (!n)
		fail("no program found")
	printf "/* %d programs */\n", n
}
