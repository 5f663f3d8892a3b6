# Long paths: rules match full paths far beyond 256 bytes. An exact deny rule
# on a file deep in a directory chain refuses it; a sibling whose path differs
# only in the last character is judged by its digest instead.
. /opt/ig/tests/lib.sh
need_bpf_lsm
need_ext4

P=/tmp/longpath2
cut -d' ' -f1 /opt/ig/SHA256SUMS >$P.allow
seg=abcdefghijklmnopqrstuvwxyz0123
D1=$EXT4/lp2; i=0; while [ $i -lt 9 ]; do D1=$D1/$seg; i=$((i + 1)); done
D2=$EXT4/lp2; i=0; while [ $i -lt 40 ]; do D2=$D2/$seg; i=$((i + 1)); done
for D in $D1 $D2; do
	mkdir -p $D
	cp $EXT4/bin/hello $D/target        # listed, but denied by name
	cp $EXT4/bin/hello $D/targeu        # listed sibling
	cp $EXT4/bin/hello $D/targev; printf x >>$D/targev   # unlisted sibling
done
echo "path lengths: $((${#D1} + 7)) $((${#D2} + 7))"
[ $((${#D1} + 7)) -gt 256 ] || fail "test path is not longer than 256 bytes"
cleanup() { [ -e $P.pid ] && kill -TERM "$(cat $P.pid)" 2>/dev/null; wait; rm -rf $EXT4/lp2; }
trap cleanup EXIT

igtest --mode enforce --allow $P.allow --events $P.ev --pidfile $P.pid \
	--rule deny:$D1/target --rule deny:$D2/target 2>$P.err &
wait_file $P.pid || fail "igtest did not start: $(cat $P.err)"
for D in $D1 $D2; do
	if $D/target 2>/dev/null; then fail "denied file ran (${#D}-byte directory)"; fi
	$D/targeu >/dev/null || fail "listed sibling refused (${#D}-byte directory)"
	if $D/targev 2>/dev/null; then fail "unlisted sibling ran (${#D}-byte directory)"; fi
done
kill -TERM "$(cat $P.pid)"; wait

fields() { sed 's/.*"decision":"\([a-z]*\)".*"reason":"\([a-z-]*\)".*"rule":\(-*[0-9]*\)}$/\1 \2 \3/'; }
n=0
for D in $D1 $D2; do
	for f in target targeu targev; do
		grep "\"path\":\"$D/$f\"" $P.ev | grep -q '"hook":"exec"' || fail "no event with the full path $D/$f"
	done
	assert_eq "target (${#D})" "deny rule-deny $n" "$(grep "\"path\":\"$D/target\"" $P.ev | grep '"hook":"exec"' | fields)"
	assert_eq "targeu (${#D})" "allow allowlisted -1" "$(grep "\"path\":\"$D/targeu\"" $P.ev | grep '"hook":"exec"' | fields)"
	assert_eq "targev (${#D})" "deny not-allowlisted -1" "$(grep "\"path\":\"$D/targev\"" $P.ev | grep '"hook":"exec"' | fields)"
	n=$((n + 1))
done
echo "long_path ok"
