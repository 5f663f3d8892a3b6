# IMA keeps a file's digest until its last writer closes, and tells the
# last one by the count of writers at the close: two writers closing at the
# same moment can each see the other, and then IMA never forgets the digest
# of the bytes before them; bpf_ima_file_hash hands that digest back. As uid
# 1000, in a file of its own: a listed script runs (IMA measures it), two
# threads rewrite it with a payload of the same length and close at once,
# and the payload is run. It must be refused every time.
. /opt/ig/tests/lib.sh
need_bpf_lsm

need_ext4
R=$EXT4/lastwriter
rm -rf $R && mkdir -p $R && chown 1000:1000 $R
printf '#!/bin/sh\necho LISTED-LW\n' >$R/listed.sh
printf '#!/bin/sh\necho LW-MARKER\n' >$R/payload.sh
allow_all_but /tmp/allow.lw
sha256sum <$R/listed.sh | cut -d' ' -f1 >>/tmp/allow.lw
igtest_start --mode enforce --allow /tmp/allow.lw
# stale: the refusals that are the chain's (hash error 116, ESTALE: a close
# IMA may have missed), not IMA's fresh digest of the payload
stale() { grep '"hook":"exec"' $IGT_EVENTS | grep -e "\"path\":\"$R/f\"" | grep '"decision":"deny"' |
	grep -c '"hash_error":116,' || true; }
# rounds until the race was run into and refused at least once: a run that
# never met it would show nothing
round=0
while [ $round -lt ${LW_ROUNDS:-6} ]; do
	round=$((round + 1))
	set +e
	out=$(lastwriter $R/f $R/listed.sh $R/payload.sh ${LW_TRIES:-1000} 1000)
	rc=$?
	set -e
	echo "round $round: $out"
	case $rc in
	0) fail "the payload ran with IMA's digest of the listed bytes: $out" ;;
	1) ;;
	*) fail "lastwriter: $out" ;;
	esac
	sleep 1
	[ "$(stale)" -eq 0 ] || break
done
igtest_stop
n=$(stale)
echo "closes IMA may have missed, refused: $n"
[ "$n" -gt 0 ] || fail "in $round rounds the writers never closed together: the race was not run into"
echo "ima_lastwriter ok"
