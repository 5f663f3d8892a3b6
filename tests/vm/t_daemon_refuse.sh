# The daemon refuses to start, with the right message and nothing loaded,
# on a tampered allowlist, a bad signature, a rolled-back serial and an
# expired allowlist.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4
S=/tmp/ig-state-refuse
hello=$EXT4/bin/hello
unlisted=$(host_sha256 $hello)

# refuse WHAT MESSAGE: the daemon must exit 1 saying MESSAGE, leaving nothing
# enforced (the unlisted program still runs) and no pidfile.
refuse() {
	rm -f /tmp/refuse.pid
	if $IG run --mode enforce --allowlist /tmp/al.json --trust $PUB --state-dir $S \
		--audit-log /tmp/refuse.log --pidfile /tmp/refuse.pid 2>/tmp/refuse.err; then
		fail "$1: the daemon started"
	fi
	cat /tmp/refuse.err
	grep -q -- "$2" /tmp/refuse.err || fail "$1: message lacks '$2'"
	[ ! -e /tmp/refuse.pid ] || fail "$1: pidfile written"
	$hello >/dev/null || fail "$1: something stayed loaded"
	echo "ok: $1 refused"
}

# Accept serial 5 once, so that a lower serial is a rollback.
make_allowlist /tmp/al.json 5 "$unlisted"
$IG allowlist verify --trust $PUB --state-dir $S --commit /tmp/al.json

make_allowlist /tmp/al.json 6 "$unlisted"
sed -i 's/"serial":6/"serial":7/' /tmp/al.json
refuse "tampered allowlist" "does not verify"

make_allowlist /tmp/al.json 6 "$unlisted"
printf 'AAAA\n' >/tmp/al.json.sig
refuse "bad signature" "does not verify"

make_allowlist /tmp/al.json 4 "$unlisted"
refuse "rolled-back serial" "rollback"

make_allowlist /tmp/al.json 8 "$unlisted"
sed -i 's/"created":"2026-01-01T00:00:00Z",/&"expires":"2026-01-02T00:00:00Z",/' /tmp/al.json
$IG allowlist sign --key $KEY /tmp/al.json >/dev/null
refuse "expired allowlist" "expired"
echo "refusals ok"
