#!/usr/bin/env bash
# The systemd unit: systemd reads every line of it, its sandbox scores "OK"
# or better in `systemd-analyze security`, and it leaves open what the
# daemon needs (the directories of the shipped config, bpf(2), exec of the
# canary). That the daemon starts under it is proven in a guest with
# systemd as PID 1 (tests/vm/t_systemd_unit.sh).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*"; cat err 2>/dev/null || true; exit 1; }
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze here"; exit 77; }
systemd-analyze security --help | grep -q -- '--offline' ||
	{ echo "this systemd-analyze has no 'security --offline'"; exit 77; }

# verify wants the command to exist: the unit as installed, on a stand-in
sed 's|^ExecStart=/usr/local/sbin/imaguard |ExecStart=/bin/true |' \
	"$top/contrib/imaguard.service" >imaguard.service
grep -q '^ExecStart=/bin/true run --config ' imaguard.service || fail "ExecStart changed form"
systemd-analyze verify --man=no ./imaguard.service 2>err || fail "systemd-analyze verify"
[ ! -s err ] || fail "systemd-analyze verify complained"

systemd-analyze security --offline=yes ./imaguard.service >out 2>err || fail "security"
[ ! -s err ] || fail "systemd-analyze security complained"
score=$(sed -n 's/^→ Overall exposure level for imaguard.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' out)
echo "exposure: $score"
case ${score#* } in
PERFECT | SAFE | OK) ;;
*) fail "exposure '$score', want OK or better" ;;
esac

# what the daemon needs stays open
unit=$top/contrib/imaguard.service
for d in $(sed -n 's/^\(state-dir\|audit-log\) //p' "$top/contrib/imaguard.conf"); do
	[ "${d##*/}" = audit.log ] && d=${d%/*}
	grep -q "^ReadWritePaths=.*$d\( \|$\)" "$unit" || fail "the config's $d is not writable"
done
grep -q '^ReadWritePaths=.* /sys/fs/bpf\( \|$\)' "$unit" || fail "the pins' bpffs is not writable"
# ProtectKernelTunables= makes bpffs read-only whatever ReadWritePaths= says
# (systemd 252): the tunables are read-only by path instead.
! grep -q '^ProtectKernelTunables=yes' "$unit" || fail "ProtectKernelTunables= leaves no pinning"
grep -q '^ReadOnlyPaths=.*/proc/sys .*/sys$' "$unit" || fail "the kernel tunables are writable"
grep -q '^SystemCallFilter=@system-service .*\bbpf\b' "$unit" || fail "bpf(2) is not allowed"
! grep -Eq '^(NoExecPaths|InaccessiblePaths)=.*/var/lib/imaguard' "$unit" ||
	fail "the canary in the state directory cannot be run"
grep -q '^UMask=0077$' "$unit" || fail "no UMask"
echo ok
