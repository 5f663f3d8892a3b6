# An upgrade of a Debian package under the enforcer: igdemo 1.0 and 2.0
# (built on the host with dpkg-deb, the program changed between them) are
# "installed" at /usr/bin/igdemo in turn as dpkg does (new file, rename).
# A list built with `allowlist build --deb` from both versions lets each
# version run in enforce mode; a list built from 1.0 alone refuses 2.0, and
# `allowlist check --deb` on the 2.0 package predicted exactly that
# refusal: the same path and the same digest as the daemon's deny record.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4
D=$EXT4/debs
old=$D/igdemo_1.0_amd64.deb new=$D/igdemo_2.0_amd64.deb
v1=$(host_sha256 $EXT4/pkg/1.0/usr/bin/igdemo) v2=$(host_sha256 $EXT4/pkg/2.0/usr/bin/igdemo)
[ -n "$v1" ] && [ -n "$v2" ] && [ "$v1" != "$v2" ] || fail "the two versions are not in the image"

# pkg_list OUT SERIAL DEB...: a signed list of every file the guest ships
# except igdemo's programs (host digests, as make_allowlist), plus what
# `allowlist build --deb` lists for the packages given.
pkg_list() {
	out=$1 serial=$2
	shift 2
	$IG allowlist build --deb --serial "$serial" -o /tmp/pkg.json "$@" || fail "build --deb $*"
	grep -o '{"digest": "[0-9a-f]*", "path": "[^"]*", "source": "[^"]*"}' /tmp/pkg.json >/tmp/pkg.entries
	cut -d' ' -f1 /opt/ig/SHA256SUMS | sort -u | grep -v -e "^$v1\$" -e "^$v2\$" >/tmp/pkg.base
	{
		printf '{"format":"imaguard-allowlist/1","serial":%s,"created":"2026-01-01T00:00:00Z","hash_algo":"sha256","entries":[' "$serial"
		awk '{ printf "{\"digest\":\"%s\",\"source\":\"test\"},", $1 }' /tmp/pkg.base
		awk 'NR > 1 { printf "," } { printf "%s", $0 }' /tmp/pkg.entries
		printf ']}\n'
	} >"$out"
	$IG allowlist sign --key $KEY "$out" >/dev/null || fail "sign $out"
}

# install VERSION: igdemo's program of that version at /usr/bin/igdemo, as
# dpkg puts it: a new file, renamed over the old one.
install_igdemo() {
	cp "$EXT4/pkg/$1/usr/bin/igdemo" /usr/bin/igdemo.dpkg-new
	mv /usr/bin/igdemo.dpkg-new /usr/bin/igdemo
}

# daemon LIST STATE LOG: the enforcer in enforce mode with LIST.
daemon() {
	$IG run --mode enforce --allowlist "$1" --trust $PUB --state-dir "$2" --audit-log "$3" \
		--pidfile "$2.pid" 2>"$2.err" &
	dpid=$!
	wait_ready "$2.pid" $dpid || { daemon_diag "$2.err" "$2"; fail "daemon not ready"; }
}
stop_daemon() { kill $dpid; wait $dpid; dpid=; }
dpid=
trap '[ -z "$dpid" ] || { kill $dpid; wait $dpid; }' EXIT

# ---- a list of both versions: the upgrade runs through -----------------------
pkg_list /tmp/both.json 1 "$old" "$new"
assert_eq "igdemo entries in the list of both" 2 "$(grep -c '"source": "deb:igdemo=' /tmp/pkg.json)"
grep -q "\"digest\": \"$v2\", \"path\": \"/usr/bin/igdemo\", \"source\": \"deb:igdemo=2.0\"" /tmp/pkg.json ||
	fail "build --deb did not list 2.0's program with its digest"
$IG allowlist check --allowlist /tmp/both.json --trust $PUB --deb "$old" "$new" >/tmp/check.both ||
	fail "check found something missing from the list of both: $(cat /tmp/check.both)"
daemon /tmp/both.json /tmp/ig-deb1 /tmp/deb1.log
install_igdemo 1.0
assert_eq "igdemo 1.0 under the list of both" hello "$(/usr/bin/igdemo)"
install_igdemo 2.0
assert_eq "igdemo 2.0 under the list of both" hello "$(/usr/bin/igdemo)"
wait_grep "\"path\":\"/usr/bin/igdemo\".*\"digest\":\"sha256:$v2\"" /tmp/deb1.log ||
	fail "no record of 2.0 running"
! grep '"path":"/usr/bin/igdemo"' /tmp/deb1.log | grep -q '"decision":"deny"' || fail "igdemo refused under the list of both"

# ---- a list of 1.0 only: check predicts the refusal, the daemon makes it ------
pkg_list /tmp/old.json 2 "$old"
rc=0
$IG allowlist check --allowlist /tmp/old.json --trust $PUB --deb "$new" >/tmp/check.out 2>/tmp/check.err || rc=$?
assert_eq "check's exit status on 2.0 against the list of 1.0" 1 "$rc"
assert_eq "lines check printed" 1 "$(grep -c . /tmp/check.out)"
read -r pdigest pkgver ppath </tmp/check.out
assert_eq "the package check names" igdemo=2.0 "$pkgver"
$IG allowlist check --allowlist /tmp/old.json --trust $PUB --deb "$old" >/dev/null ||
	fail "check says the list of 1.0 lacks something of 1.0"

# The same daemon reloads to the list of 1.0 (a higher serial), as an
# operator would after signing it.
cp /tmp/old.json /tmp/both.json
cp /tmp/old.json.sig /tmp/both.json.sig
kill -HUP $dpid
wait_grep '"allowlist_serial":2,' /tmp/deb1.log || fail "the reload to the list of 1.0 never took effect"
grep '"type":"reload"' /tmp/deb1.log | grep -q '"ok":true' || fail "the reload failed: $(grep reload /tmp/deb1.log)"
install_igdemo 1.0
assert_eq "igdemo 1.0 under the list of 1.0" hello "$(/usr/bin/igdemo)"
install_igdemo 2.0
if /usr/bin/igdemo >/dev/null 2>&1; then fail "igdemo 2.0 ran under the list of 1.0"; fi
echo "ok: igdemo 2.0 refused"
install_igdemo 1.0
assert_eq "igdemo 1.0 again (rolled back)" hello "$(/usr/bin/igdemo)"
stop_daemon
grep '"type":"access"' /tmp/deb1.log | grep '"decision":"deny"' | grep '"path":"/usr/bin/igdemo"' >/tmp/denies
assert_eq "deny records" 1 "$(grep -c . /tmp/denies)"
dpath=$(sed -n 's/.*"path":"\([^"]*\)".*/\1/p' /tmp/denies)
ddigest=$(sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' /tmp/denies)
assert_eq "the refused path, as check predicted" "$ppath" "$dpath"
assert_eq "the refused digest, as check predicted" "$pdigest" "$ddigest"
assert_eq "the refused digest is 2.0's" "$v2" "$ddigest"
grep -q '"reason":"not-allowlisted"' /tmp/denies || fail "refused for another reason: $(cat /tmp/denies)"
