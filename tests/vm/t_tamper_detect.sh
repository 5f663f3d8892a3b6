# What the guard cannot refuse is found: igtest, guarding its chain as the
# daemon does, changes it once behind its own bookkeeping (--tamper-fault):
# the policy slot in force flipped in .bss, one link released, one link's fd
# made to name a link that runs another program. The check every poll must
# report each as one `tamper` record with action `found` and its kind (once,
# not at every poll, while the change stays), and count it (tamper_found).
. /opt/ig/tests/lib.sh
need_bpf_lsm
bad=0
for fault in policy:policy-changed link:link-gone prog:prog-changed; do
	what=${fault#*:}
	fault=${fault%%:*}
	igtest_start --mode monitor --tamper-fault $fault
	wait_grep "igtest: tamper fault $fault:" $IGT_ERR 30 || fail "igtest applied no $fault fault"
	grep "igtest: tamper fault $fault: applied" $IGT_ERR || { cat $IGT_ERR; fail "the $fault fault failed"; }
	wait_grep '"type":"tamper"' $IGT_EVENTS 10 || true
	# Four checks or more while the change stays: still one record.
	bsleep 4
	igtest_stop
	grep '"type":"tamper"' $IGT_EVENTS
	n=$(grep -c '"type":"tamper"' $IGT_EVENTS || true)
	nk=$(grep '"type":"tamper"' $IGT_EVENTS | grep '"action":"found"' | grep -c "\"what\":\"$what\"" || true)
	found=$(ctr "$(cat $IGT_COUNTERS)" tamper_found)
	echo "$fault: $n tamper record(s), $nk of $what, tamper_found ${found:-none}"
	if [ "$n" -ne 1 ] || [ "$nk" -ne 1 ] || [ "${found:-0}" -ne 1 ]; then
		echo "NOT FOUND ONCE: the $fault fault"
		cat $IGT_ERR
		bad=$((bad + 1))
	fi
done
[ $bad -eq 0 ] || fail "$bad fault(s) not found exactly once"
echo "tamper_detect ok"
