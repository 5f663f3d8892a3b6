# boot: ig.systemd=1
# contrib/imaguard.service as `make install` installs it, run by systemd as
# PID 1 (scripts/vm/mksystemd.sh): its sandbox leaves the daemon what it
# needs. The daemon starts at boot with the shipped config (monitor, pinned);
# this test, itself a service (ig-test.service), checks readiness through
# sd_notify under PrivateNetwork, the pins under ProtectKernelTunables, the
# score, reload and an adopting restart; then, in enforce mode with every
# filtered system call killing the daemon instead of failing with EPERM, the
# canary, the refusal of an unlisted program, an allow rule on a path of the
# host's mount namespace, reload and restart again.
. /opt/ig/tests/lib.sh
[ "$(cat /proc/1/comm)" = systemd ] ||
	fail "PID 1 is '$(cat /proc/1/comm)': this test needs the boot its '# boot:' line asks for"
need_bpf_lsm
need_ext4
U=imaguard.service
IGI=/usr/local/sbin/imaguard CONF=/etc/imaguard/imaguard.conf
S=/var/lib/imaguard LOG=/var/log/imaguard/audit.log P=/sys/fs/bpf/imaguard
hello=$EXT4/bin/hello

show() { systemctl show -p "$1" --value $U; }
journal() { journalctl -b -u $U --no-pager -o cat; }
diag() {
	echo "--- systemctl status"; systemctl status --no-pager -l $U 2>&1 || true
	echo "--- journal of $U"; journal | tail -n 40
	echo "--- journal"; journalctl -b --no-pager -o short-monotonic | tail -n 25
}
die() { diag; fail "$*"; }
# running: the service is active after READY=1 (Type=notify) and has a pid
running() {
	[ "$(show ActiveState)/$(show SubState)" = active/running ] ||
		die "$U is $(show ActiveState)/$(show SubState), not active/running"
	pid=$(show MainPID)
	[ "$pid" -gt 0 ] || die "no MainPID"
}
# last_start: the last start record of the audit trail
last_start() { grep '"type":"start"' $LOG | tail -n 1; }
# reload_ok: systemctl reload, and a new reload record that says ok
reloads() { grep -c '"type":"reload"' $LOG || true; }
reload_ok() {
	r0=$(reloads)
	systemctl reload $U || die "systemctl reload failed"
	n=0
	until [ "$(reloads)" -gt "$r0" ]; do
		n=$((n + 1))
		[ $n -lt 150 ] || die "no reload record"
		sleep 0.2
	done
	grep '"type":"reload"' $LOG | tail -n 1 | grep -q '"ok":true' ||
		die "the reload failed: $(grep '"type":"reload"' $LOG | tail -n 1)"
	echo "ok: systemctl reload: $(grep '"type":"reload"' $LOG | tail -n 1 | cut -c1-160)"
}
# wait_rec A B: until a record of the trail holds both strings (30 s)
wait_rec() {
	n=0
	until grep -F -e "$1" $LOG | grep -q -F -e "$2"; do
		n=$((n + 1))
		[ $n -lt 150 ] || return 1
		sleep 0.2
	done
}

# ---- the unit as installed, started at boot --------------------------------
assert_eq "unit file" /usr/local/lib/systemd/system/imaguard.service "$(show FragmentPath)"
assert_eq "enabled" enabled "$(systemctl is-enabled $U)"
assert_eq "ExecStart" /usr/local/sbin/imaguard "$(show ExecStart | sed -n 's/.*path=\([^ ;]*\).*/\1/p')"
running
grep -q '^mode monitor$' $CONF || fail "the config is not the shipped one"
journal | grep -q 'Started imaguard' || die "no 'Started' in the journal"
journal | grep -q 'chain attached in order' || die "the daemon did not attach its chain"
assert_eq "NRestarts at boot" 0 "$(show NRestarts)"
echo "ok: READY=1 reached systemd (active/running, pid $pid)"
journal | sed 's/^/  journal: /'

# PrivateNetwork: a network namespace of its own, AF_UNIX only; the
# readiness datagram went to systemd's socket all the same.
[ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/1/ns/net)" ] ||
	fail "the daemon shares PID 1's network namespace"
assert_eq "RestrictAddressFamilies" AF_UNIX "$(show RestrictAddressFamilies)"
assert_eq "PrivateNetwork" yes "$(show PrivateNetwork)"

# ProtectKernelTunables makes /sys read-only in the daemon's mount namespace;
# ReadWritePaths leaves bpffs writable, and the pins are there for all to see.
mi=/proc/$pid/mountinfo
awk '$5 == "/sys" { print $6 }' $mi | grep -q '^ro' || fail "/sys is writable in the service: $(grep ' /sys ' $mi)"
awk '$5 == "/sys/fs/bpf" { print $6 }' $mi | grep -q '^rw' || fail "/sys/fs/bpf is read-only in the service"
awk '$5 == "/sys/kernel/security" { print $6 }' $mi | grep -q . || fail "no securityfs in the service"
awk '$5 == "/proc/sys" { print $6 }' $mi | grep -q '^ro' || fail "/proc/sys is writable in the service"
ls $P | grep -q '^link-' || fail "no links pinned at $P: $(ls $P 2>&1)"
echo "ok: pinned, /sys and /proc/sys read-only, /sys/fs/bpf writable: $(ls $P | tr '\n' ' ')"
$IGI status --state-dir $S --pin-dir $P >/tmp/su.status || fail "status: $(cat /tmp/su.status)"
grep -q pinned /tmp/su.status || fail "status does not say pinned: $(cat /tmp/su.status)"
# securityfs (lsm) and BTF, as the daemon's mount namespace shows them: it
# checked BPF-LSM in the one and loaded its programs CO-RE against the other
# before it attached.
grep -qw bpf /proc/$pid/root/sys/kernel/security/lsm || fail "no securityfs lsm in the service"
[ -s /proc/$pid/root/sys/kernel/btf/vmlinux ] || fail "no BTF in the service"
echo "ok: securityfs and BTF there in the sandbox: lsm=$(cat /proc/$pid/root/sys/kernel/security/lsm)"

# The host's mount namespace: init's, read through /proc/1/ns/mnt with
# CAP_SYS_PTRACE, although the daemon runs in one of its own.
[ "$(readlink /proc/$pid/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] ||
	fail "the daemon runs in PID 1's mount namespace: nothing to prove"
journal | grep -q "cannot read init's mount namespace" && die "the daemon cannot read init's mount namespace"
echo "ok: init's mount namespace read from a namespace of the daemon's own"

# The score, as systemd itself computes it for the loaded unit.
systemd-analyze security --no-pager $U >/tmp/su.sec 2>&1 || { cat /tmp/su.sec; fail "systemd-analyze security"; }
score=$(sed -n 's/.*Overall exposure level for imaguard.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' /tmp/su.sec)
echo "systemd-analyze security: $score"
case ${score#* } in
PERFECT | SAFE | OK) ;;
*) cat /tmp/su.sec; fail "exposure '$score', want OK or better" ;;
esac

# systemctl reload: ExecReload's SIGHUP, a reload record, the same process.
reload_ok
assert_eq "MainPID after reload" "$pid" "$(show MainPID)"

# systemctl restart: the new process adopts the pinned chain.
old=$pid
systemctl restart $U || die "systemctl restart failed"
running
[ "$pid" != "$old" ] || die "restart kept pid $pid"
last_start | grep -q "\"pid\":$pid[,}]" || die "no start record of pid $pid"
last_start | grep -q '"adopted":true' || die "the restart did not adopt: $(last_start)"
journal | grep -q "adopted the chain pinned at '$P'" || die "no adoption in the journal"
echo "ok: restart adopted the pinned chain (pid $old -> $pid)"

# ---- enforce, every filtered call fatal ------------------------------------
systemctl stop $U || die "systemctl stop failed"
$IGI stop --state-dir $S --pin-dir $P || die "cannot remove the monitor chain's pins"
[ ! -e $P ] || fail "pins left: $(ls $P)"

# The allowlist: everything the guest ships, systemd's overlay included (it
# runs systemctl and journalctl, systemd runs kill), but hello.
cat /opt/ig/SHA256SUMS /opt/ig/systemd/SHA256SUMS | cut -d' ' -f1 | sort -u |
	grep -v "^$(host_sha256 $hello)\$" >/tmp/su.digests
{
	printf '{"format":"imaguard-allowlist/1","serial":1,"created":"2026-01-01T00:00:00Z","hash_algo":"sha256","entries":['
	awk 'NR > 1 { printf "," } { printf "{\"digest\":\"%s\",\"source\":\"test\"}", $1 }' /tmp/su.digests
	printf ']}\n'
} >/etc/imaguard/allowlist.json
$IGI allowlist sign --key $KEY /etc/imaguard/allowlist.json >/dev/null
cp $PUB /etc/imaguard/allowlist-signing.pub.pem
# An allow rule on a path of the host's: it holds for this test's processes
# (init's mount namespace) only if the daemon found that namespace.
mkdir -p $EXT4/ruled && cp $hello $EXT4/ruled/hello
printf '{"format":"imaguard-rules/1","rules":[{"action":"allow","path":"%s/ruled/"}]}\n' $EXT4 \
	>/etc/imaguard/rules.json
sed -i -e 's/^mode monitor$/mode enforce/' -e 's|^# \(allowlist\|trust\|rules\) |\1 |' \
	-e 's/^summary-interval .*/summary-interval 1/' $CONF
grep '^[a-z]' $CONF | sed 's/^/  config: /'
mkdir -p /run/systemd/system/$U.d
printf '[Service]\nSystemCallErrorNumber=kill\n' >/run/systemd/system/$U.d/kill.conf
systemctl daemon-reload
show DropInPaths | grep -q kill.conf || fail "the drop-in is not loaded: $(show DropInPaths)"
echo "SystemCallErrorNumber now: $(show SystemCallErrorNumber) (kill; was EPERM)"
systemctl start $U || die "systemctl start (enforce) failed"
running
journal | grep -q 'chain attached in order' || die "not attached"
last_start | grep -q '"mode":"enforce"' || die "not in enforce mode: $(last_start)"
# The canary ran (UMask=0077, MemoryDenyWriteExecute, DevicePolicy=closed)
# and was refused, or the start would have failed.
ls $S | grep -q '^canary' && fail "the canary was left behind"
wait_rec "\"path\":\"$S/canary." '"decision":"deny"' || die "no deny record for the canary"
for p in UMask MemoryDenyWriteExecute DevicePolicy NoNewPrivileges; do echo "  $p=$(show $p)"; done
assert_eq "audit log mode (UMask=0077)" 600 "$(stat -c %a $LOG)"
echo "ok: enforce start, the canary refused in the sandbox"

execit $hello >/tmp/su.out 2>&1 && fail "unlisted $hello ran under the unit: $(cat /tmp/su.out)"
assert_eq "unlisted hello" "err EPERM execve" "$(cat /tmp/su.out)"
wait_rec "\"path\":\"$hello\"" '"decision":"deny"' || die "no deny record for $hello"
/usr/bin/true || fail "listed /usr/bin/true refused"
execit $EXT4/ruled/hello >/tmp/su.out 2>&1 || fail "the host path's allow rule did not hold: $(cat /tmp/su.out)"
wait_rec "\"path\":\"$EXT4/ruled/hello\"" '"reason":"rule-allow"' ||
	die "no rule-allow record for $EXT4/ruled/hello"
echo "ok: unlisted refused (EPERM, recorded), listed runs, host-path rule allows"
# The periodic work (summaries of repeats, status, fsync) under the filter too.
for i in 1 2 3; do /usr/bin/true; done
wait_rec '"type":"summary"' '"path":"/usr/bin/true"' || die "no summary of the repeats"
echo "ok: a summary written: $(grep '"type":"summary"' $LOG | tail -n 1 | cut -c1-120)"

reload_ok
assert_eq "MainPID after reload" "$pid" "$(show MainPID)"
old=$pid
systemctl restart $U || die "systemctl restart (enforce) failed"
running
[ "$pid" != "$old" ] || die "restart kept pid $pid"
last_start | grep -q '"adopted":true' || die "the enforce restart did not adopt: $(last_start)"
execit $hello >/tmp/su.out 2>&1 && fail "unlisted ran after the restart"
assert_eq "unlisted hello after restart" "err EPERM execve" "$(cat /tmp/su.out)"
echo "ok: reload and adopting restart in enforce mode"

# No call outside SystemCallFilter: with the filter fatal, the daemon went
# through start, canary, reload, restart and stop without a SIGSYS.
systemctl stop $U || die "systemctl stop failed"
assert_eq "Result" success "$(show Result)"
assert_eq "NRestarts" 0 "$(show NRestarts)"
journal | grep -q 'status=31/SYS' && die "a system call was filtered"
$IGI stop --state-dir $S --pin-dir $P || fail "cannot remove the pins"
$IGI audit verify $LOG || fail "the audit trail does not verify"
echo "ok: no system call outside the filter, the trail verifies"
