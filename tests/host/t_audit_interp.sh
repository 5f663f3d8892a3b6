#!/usr/bin/env bash
# A script's access record names its interpreter by index and by digest
# (interp, interp_sha256): the readers of the trail take it as the daemon
# writes it. audit verify finds the log intact, audit ecs maps it, and
# allowlist propose proposes the script that ran (and not the interpreter's
# digest, which is no file that was read as code).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_command audit verify

fail() { echo "FAIL: $*"; exit 1; }
zeros=0000000000000000000000000000000000000000000000000000000000000000
script=1111111111111111111111111111111111111111111111111111111111111111
perl=2222222222222222222222222222222222222222222222222222222222222222
al=3333333333333333333333333333333333333333333333333333333333333333

# chain FILE LINE...: the lines, each with its seq and the prev of the one before
chain() {
	local f=$1 prev=$zeros seq=1 body line
	shift
	: >"$f"
	for body in "$@"; do
		line=$(printf '{"type":%s,"seq":%d,"prev":"%s",%s' "${body%%,*}" "$seq" "$prev" "${body#*,}")
		printf '%s\n' "$line" >>"$f"
		prev=$(printf '%s' "$line" | sha256sum | cut -d' ' -f1)
		seq=$((seq + 1))
	done
}

acc='"time":"2026-03-01T10:00:01.000000000Z","allowlist_serial":1,"allowlist_sha256":"'$al'"'
ctx='"mode":"monitor","pid":7,"tid":7,"ppid":1,"uid":0,"gid":0,"comm":"perl","dev":1,"ino":2'
tail_='"digest_source":"ima","hash_error":0,"hash_algo":4,"cgroup_id":1,"mnt_ns":1,"pid_ns":1,"rule":-1'
chain script.log \
	'"start","time":"2026-03-01T10:00:00.000000000Z","allowlist_serial":1,"allowlist_sha256":"'$al'","format":2,"version":"0.1.0","host":"h","kernel":"6.12","mode":"monitor","rules_sha256":null,"pid":1,"adopted":false}' \
	'"access",'"$acc"',"hook":"script","decision":"allow","would_deny":true,"reason":"not-allowlisted",'"$ctx"',"path":"/opt/app/Mod.pm","digest":"sha256:'$script'",'"$tail_"',"interp":2,"interp_sha256":"sha256:'$perl'"}' \
	'"access",'"$acc"',"hook":"script","decision":"allow","would_deny":true,"reason":"not-allowlisted",'"$ctx"',"path":"/opt/app/Old.pm","digest":"sha256:'$script'",'"$tail_"',"interp":0,"interp_sha256":null}'

expect 0 "$IMAGUARD" audit verify script.log
grep -qx "script.log: intact, 3 records" out || { cat out err; fail "not intact"; }
expect 0 "$IMAGUARD" audit ecs -o script.ecs script.log
grep -q '/opt/app/Mod.pm' script.ecs || fail "the ECS output lacks the script"
expect 0 "$IMAGUARD" allowlist propose --created 2026-03-02T00:00:00Z -o new.json script.log
grep -q "$script" new.json || { cat out err new.json; fail "the script that ran is not proposed"; }
! grep -q "$perl" new.json || fail "the interpreter's digest was proposed as a file that ran"
echo "audit interp ok"
