# Code written by ptrace: a listed program forks a child that asks to be
# traced (PTRACE_TRACEME, allowed under Yama's default scope 1) and pokes
# bytes into the child's read-only text with PTRACE_POKETEXT; the child
# runs them. No exec, map or open is judged: the chain does not see this
# (a known limit, docs/design.md), whatever its mode. Yama's scope 2 (or 3)
# closes it: a process without CAP_SYS_PTRACE may not ask to be traced.
. /opt/ig/tests/lib.sh
need_bpf_lsm

D=/tmp/ptpoke
rm -rf $D && mkdir -p $D
text_payload $D/payload
allow_all_but $D/allow
poke() { textpoke --uid 1000 poke $D/payload 2>&1 | tr '\n' ' ' || true; }

SCOPE=/proc/sys/kernel/yama/ptrace_scope
lsm=$(cat /sys/kernel/security/lsm)
echo "lsm: $lsm"
yama=
case ",$lsm," in *,yama,*) [ -w $SCOPE ] && yama=1 ;; esac
scope0=
[ -z "$yama" ] || scope0=$(cat $SCOPE)

igtest_start --mode enforce --allow $D/allow
[ -z "$yama" ] || trap 'echo $scope0 >$SCOPE; igtest_cleanup' EXIT
assert_eq "enforce: listed program" "ret 42" "$(textpoke --uid 1000 run | sed -n 2p)"

# The limit: under Yama's scope 1 (or without Yama) the poked bytes run.
[ -z "$yama" ] || echo 1 >$SCOPE
out=$(poke)
echo "enforce, scope $([ -n "$yama" ] && echo 1 || echo 'none, no Yama'): $out"
case $out in
*"PAYLOAD-RAN ret 12 "*) echo "ok: the poked payload runs under enforcement (a known limit)" ;;
*) fail "the poked payload did not run: $out" ;;
esac

if [ -n "$yama" ]; then
	echo 2 >$SCOPE
	out=$(poke)
	echo "enforce, scope 2: $out"
	case $out in
	*PAYLOAD-RAN*) fail "scope 2: the poked payload ran: $out" ;;
	*"err EPERM traceme "*) echo "ok: scope 2 refuses PTRACE_TRACEME" ;;
	*) fail "scope 2: unexpected: $out" ;;
	esac
	echo "$scope0" >$SCOPE
else
	echo "skipped: Yama's scope 2: Yama not active (lsm: $lsm)"
fi
igtest_stop
echo "ptrace_poke ok"
