# Kernel modules are code too: a module whose digest is not in the allowlist
# is refused, whether the kernel reads its file (finit_module) or is handed
# a buffer (init_module, which has no file to measure, unless the operator
# allows modules from a buffer); a listed one loads.
# Each is recorded with hook "module". crc7.ko is not loaded at boot.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4
M=/lib/modules/crc7.ko
[ -e $M ] || skip "no $M in this guest"
grep -q '^crc7 ' /proc/modules && fail "crc7 is loaded before the test"
S=/tmp/ig-state-kmod LOG=/tmp/kmod.log
hello=$EXT4/bin/hello
mod=$(sha256sum <$M | cut -d' ' -f1)

# kmod_allowlist OUT SERIAL [EXTRA-DIGEST...]: every file the guest ships but
# hello, plus the extra digests (the modules are not in SHA256SUMS).
kmod_allowlist() {
	out=$1 serial=$2
	shift 2
	{ cut -d' ' -f1 /opt/ig/SHA256SUMS; for d in "$@"; do echo "$d"; done; } |
		grep -v "^$(host_sha256 $hello)\$" | sort -u >/tmp/km.digests
	{
		printf '{"format":"imaguard-allowlist/1","serial":%s,"created":"2026-01-01T00:00:00Z","hash_algo":"sha256","entries":[' "$serial"
		awk 'NR > 1 { printf "," } { printf "{\"digest\":\"%s\",\"source\":\"test\"}", $1 }' /tmp/km.digests
		printf ']}\n'
	} >"$out"
	$IG allowlist sign --key $KEY "$out" >/dev/null
}

kmod_allowlist /tmp/km.json 1
$IG run --mode enforce --allowlist /tmp/km.json --trust $PUB --state-dir $S \
	--audit-log $LOG --pidfile /tmp/kmod.pid 2>/tmp/kmod.err &
daemon=$!
trap 'kill $daemon 2>/dev/null || true; wait $daemon 2>/dev/null || true; rmmod crc7 2>/dev/null || true' EXIT
wait_ready /tmp/kmod.pid $daemon || { daemon_diag /tmp/kmod.err $S; fail "not ready"; }

# Unlisted: refused both ways, and not loaded.
if kload finit $M; then fail "an unlisted module was loaded with finit_module"; fi
grep -q '^crc7 ' /proc/modules && fail "an unlisted module is loaded"
if kload init $M; then fail "a module was loaded from a buffer in enforce mode"; fi
grep -q '^crc7 ' /proc/modules && fail "a module from a buffer is loaded"
wait_grep "\"hook\":\"module\".*\"decision\":\"deny\".*\"reason\":\"not-allowlisted\".*\"path\":\"$M\".*\"digest\":\"sha256:$mod\"" $LOG ||
	{ grep '"module"' $LOG; fail "no record of the unlisted module refused"; }
wait_grep '"hook":"module","decision":"deny","would_deny":false,"reason":"hash-error".*"path":""' $LOG ||
	{ grep '"module"' $LOG; fail "no record of the module from a buffer refused"; }
echo "ok: unlisted module refused (finit_module and init_module), recorded"

# Listed after a reload: loads from its file; a buffer is still refused.
kmod_allowlist /tmp/km.json 2 "$mod"
kill -HUP $daemon
wait_grep '"type":"reload".*"allowlist_serial":2,.*"ok":true' $LOG || fail "reload to serial 2 not recorded"
if kload init $M; then fail "a listed module was loaded from a buffer: no file, no digest"; fi
kload finit $M || fail "a listed module was refused"
grep -q '^crc7 ' /proc/modules || fail "the listed module is not loaded"
wait_grep "\"hook\":\"module\",\"decision\":\"allow\".*\"reason\":\"allowlisted\".*\"path\":\"$M\"" $LOG ||
	{ grep '"module"' $LOG; fail "no record of the listed module"; }
rmmod crc7
echo "ok: listed module loaded, recorded"

# Enforcement of programs is unchanged.
if $hello 2>/dev/null; then fail "hello ran"; fi
/usr/bin/true || fail "a listed program was refused"

# The operator may let modules come from a buffer: then init_module loads,
# recorded as allowed by rule.
kill -TERM $daemon
wait $daemon 2>/dev/null || true
rm -f /tmp/kmod.pid
$IG run --mode enforce --allowlist /tmp/km.json --trust $PUB --state-dir $S \
	--audit-log $LOG --pidfile /tmp/kmod.pid --allow-kernel-buffer module 2>>/tmp/kmod.err &
daemon=$!
wait_ready /tmp/kmod.pid $daemon || { daemon_diag /tmp/kmod.err $S; fail "not ready with --allow-kernel-buffer"; }
kload init $M || fail "a module from a buffer was refused under --allow-kernel-buffer module"
grep -q '^crc7 ' /proc/modules || fail "the module from a buffer is not loaded"
rmmod crc7
wait_grep '"hook":"module","decision":"allow","would_deny":false,"reason":"rule-allow".*"path":""' $LOG ||
	{ grep '"module"' $LOG; fail "no record of the module from a buffer allowed"; }
echo "ok: --allow-kernel-buffer module lets init_module load, recorded"

# allowlist build takes a module tree (the modules are ELF files).
$IG allowlist build -q -o /tmp/mods.json /lib/modules
grep -q "\"$mod\"" /tmp/mods.json || fail "allowlist build left crc7.ko out"
echo "kmod ok"
