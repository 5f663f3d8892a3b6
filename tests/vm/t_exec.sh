# Exec allowlisting: in enforce mode a listed binary runs and an unlisted one
# is refused with EPERM, its event carrying the digest the host computed; in
# monitor mode the unlisted binary runs and is reported as would-deny.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

H=$EXT4/bin/hello
want=$(host_sha256 $H)
[ -n "$want" ] || fail "no host digest for $H"
cut -d' ' -f1 /opt/ig/SHA256SUMS | grep -v "$want" >/tmp/allow

start() { # MODE
	rm -f /tmp/ev /tmp/pid /tmp/cnt
	igtest --mode "$1" --allow /tmp/allow --events /tmp/ev --pidfile /tmp/pid \
		--counters /tmp/cnt 2>/tmp/igerr &
	wait_file /tmp/pid || fail "igtest did not start: $(cat /tmp/igerr)"
}
stop() {
	kill -TERM "$(cat /tmp/pid)"
	wait
}
exec_event() { # PATH
	grep "\"path\":\"$1\"" /tmp/ev | grep '"hook":"exec"' | head -n 1
}

# ---- enforce
start enforce
/usr/bin/true || fail "listed /usr/bin/true refused"
if $H 2>/tmp/err; then fail "unlisted $H ran in enforce mode"; fi
cat /tmp/err
grep -q 'Operation not permitted' /tmp/err || fail "refusal was not EPERM: $(cat /tmp/err)"
wait_grep "\"path\":\"$H\"" /tmp/ev || fail "no event for $H"
stop
line=$(exec_event $H)
echo "$line"
echo "$line" | grep -q '"decision":"deny"' || fail "event is not a deny"
echo "$line" | grep -q '"reason":"not-allowlisted"' || fail "reason is not not-allowlisted"
echo "$line" | grep -q '"mode":"enforce"' || fail "mode is not enforce"
got=$(echo "$line" | sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p')
assert_eq "event digest of $H" "$want" "$got"
line=$(exec_event /usr/bin/true)
echo "$line"
echo "$line" | grep -q '"decision":"allow"' || fail "listed exec not reported allowed"
assert_eq "true's event digest" "$(host_sha256 /usr/bin/true)" \
	"$(echo "$line" | sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p')"

# ---- monitor
start monitor
out=$($H) || fail "unlisted $H refused in monitor mode"
assert_eq "output of $H in monitor mode" hello "$out"
wait_grep "\"path\":\"$H\"" /tmp/ev || fail "no monitor event for $H"
stop
line=$(exec_event $H)
echo "$line"
echo "$line" | grep -q '"would_deny":true' || fail "not flagged would_deny"
echo "$line" | grep -q '"reason":"not-allowlisted"' || fail "reason is not not-allowlisted"
echo "$line" | grep -q '"mode":"monitor"' || fail "mode is not monitor"
echo "$line" | grep -q '"decision":"allow"' || fail "monitor mode decision is not allow"
assert_eq "monitor event digest" "$want" \
	"$(echo "$line" | sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p')"
echo "exec ok"
