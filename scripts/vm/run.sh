#!/usr/bin/env bash
# Boot the Debian 12 cloud kernels under QEMU (TCG) and run the guest suite.
#
#   scripts/vm/run.sh test     run tests/vm/t_*.sh on every kernel, report, fail on any failure
#   scripts/vm/run.sh shell    an interactive shell in the guest (first kernel of KERNELS)
#   scripts/vm/run.sh demo     the scripted demo (tests/vm/demo.sh)
#   scripts/vm/run.sh bench    the guest benchmark (igbench) on every kernel, the
#                              guests side by side on a virtual clock (below); its
#                              @@BENCH JSON line goes to build/bench/guest-<kernel>.json
#
# Environment: KERNELS="6.1 6.12" (default both), T="name[ name]" to run some
# tests only, VM_TIMEOUT seconds per boot (default 2400; bench: 900 quick,
# 10800 full), VM_MEM (MiB, 1024; bench: 2048), BENCH=quick|full (quick),
# BENCH_OUT where the bench results go (build/bench), BENCH_CLOCK=icount|host
# (icount), BENCH_ONLY=name[,name] some guest workloads only (igbench --only),
# BENCH_PEERS=1 the peers too (fapolicyd, IMA appraisal: igbench --peers; the
# guest boots with ima_appraise=enforce and scripts/vm/mkpeers.sh's overlay),
# VM_SMP (2; bench on icount: 1), VM_JOBS guests at once (2), VM_VERBOSE=1 shows the output of
# passing tests too, VM_SHARD tests per boot at most (30), VM_FILES_DIR where the files tests export go, one
# directory per kernel (build/vm/logs/run-PID/files), VM_TESTS_DIR another directory of
# t_*.sh files (the harness's own self-tests use tests/vm/selftest).
#
# A test may ask for its own boot with a line "# boot: ARGS" (for example
# "# boot: ima_hash=sha1"); tests with the same ARGS share a boot, at most
# VM_SHARD of them (30), so that no boot nears VM_TIMEOUT as the suite grows
# and the guests of one group run side by side.
# "ig.systemd=1" among ARGS boots the host's systemd as PID 1, which runs
# those tests as a service (scripts/vm/mksystemd.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-test}
kernels=${KERNELS:-6.1 6.12}
timeout_s=${VM_TIMEOUT:-2400}
mem=${VM_MEM:-1024}
if [ "$mode" = bench ]; then
	bench=${BENCH:-quick}
	bench_peers=${BENCH_PEERS:-0}
	# The peers' two arms, and fapolicyd's start at each of its blocks,
	# add more than half again to a run.
	case $bench,$bench_peers in
	quick,1) timeout_s=${VM_TIMEOUT:-2700} ;;
	full,1) timeout_s=${VM_TIMEOUT:-21600} ;;
	quick,*) timeout_s=${VM_TIMEOUT:-900} ;;
	full,*) timeout_s=${VM_TIMEOUT:-10800} ;;
	*) echo "imaguard: bench: BENCH='$bench': use quick or full" >&2; exit 2 ;;
	esac
	# The FULL arm loads an allowlist of some 50k entries next to the
	# initramfs, which already lives in RAM.
	mem=${VM_MEM:-2048}
	bench_out=${BENCH_OUT:-$top/build/bench}
	# icount: the guest's clock counts the instructions it executes (one
	# per ns), not the host's time, so a busy or shared host changes how
	# long a run takes but not what it measures, and guests side by side
	# never disturb each other. Every vCPU's instructions advance the one
	# clock, so one vCPU: what the daemon's consumer does is charged to
	# the FULL arm, as on a machine with no core to spare. host: the
	# host's clock, as the tests boot (for comparison; noisy on a busy host).
	case ${BENCH_CLOCK:=icount} in
	icount) bench_qemu=(-icount shift=0,sleep=off); VM_SMP=${VM_SMP:-1} ;;
	host) bench_qemu=() ;;
	*) echo "imaguard: bench: BENCH_CLOCK='$BENCH_CLOCK': use icount or host" >&2; exit 2 ;;
	esac
fi
smp=${VM_SMP:-2}
jobs=${VM_JOBS:-2}
export VM_TESTS_DIR=${VM_TESTS_DIR:-$top/tests/vm}
# Each run has its own logs and initramfs, so that runs side by side never
# read each other's output.
logdir="$top/build/vm/logs/run-$$"
export VM_INITRAMFS="$top/build/vm/initramfs-$$"
rm -rf "$logdir" && mkdir -p "$logdir"
trap 'rm -rf "$VM_INITRAMFS"' EXIT

command -v qemu-system-x86_64 >/dev/null ||
	{ echo "imaguard: qemu-system-x86_64 not found: run scripts/deps.sh as root" >&2; exit 1; }

declare -A kdir
for k in $kernels; do
	kdir[$k]=$("$top/scripts/vm/kernel.sh" "$k")
done
# shellcheck disable=SC2046
"$top/scripts/vm/mkinitramfs.sh" $(for k in $kernels; do echo "${kdir[$k]}"; done)

# The peers' overlay (fapolicyd), for a bench that runs them.
if [ "$mode" = bench ] && [ "$bench_peers" = 1 ]; then
	# shellcheck disable=SC2046
	"$top/scripts/vm/mkpeers.sh" $(for k in $kernels; do echo "${kdir[$k]}"; done)
fi

panic_msg='Kernel panic - not syncing'

# run_qemu LOG ARGS...: QEMU with its serial console in LOG, stopped at once
# when the guest's kernel panics: a panic in interrupt context can hang the
# guest instead of rebooting it, which would hold the run until the timeout.
run_qemu() {
	local log=$1 q
	shift
	timeout --foreground -k 10 "$timeout_s" qemu-system-x86_64 "$@" \
		-display none -serial stdio -monitor none </dev/null >"$log" 2>&1 &
	q=$!
	while kill -0 $q 2>/dev/null; do
		if grep -aqs "$panic_msg" "$log"; then # -s: QEMU may not have made it yet
			sleep 1 # the rest of the panic message
			kill $q 2>/dev/null
			break
		fi
		sleep 0.5
	done
	wait $q || true
}

panicked() { grep -aq "$panic_msg" "$1" && ! grep -aq '^@@ DONE' "$1"; }

# boot KERNEL APPEND LOG [interactive]
# A guest whose kernel panicked is booted once more, said on stderr and kept
# as LOG.panic: under TCG a kernel patching its own text (a static key
# flipped while another vCPU runs through it) has been seen to die of the
# int3 it patches in, and (6.1, once, while a daemon attached its chain) to
# hang both vCPUs, which softlockup_panic turns into a panic. A panic the
# code under test causes comes back and fails.
boot() {
	local k=$1 append=$2 log=$3 rel
	rel=$(cat "${kdir[$k]}/release")
	local initrd="$VM_INITRAMFS/initrd-$rel.gz"
	# ig.systemd=1: systemd as PID 1 (scripts/vm/mksystemd.sh)
	case " $append " in
	*" ig.systemd=1 "*) initrd="$VM_INITRAMFS/initrd-systemd-$rel.gz" append="$append rdinit=/opt/ig/systemd/init" ;;
	*" ig.bench_peers=1 "*) initrd="$VM_INITRAMFS/initrd-peers-$rel.gz" ;;
	esac
	local args=(-accel tcg -m "$mem" -smp "$smp" -no-reboot -nic none
		-kernel "${kdir[$k]}/vmlinuz" -initrd "$initrd"
		-append "console=ttyS0 panic=-1 softlockup_panic=1 ima_policy=tcb loglevel=4 $append")
	[ "$mode" = bench ] && args+=("${bench_qemu[@]}")
	if [ "${4:-}" = interactive ]; then
		qemu-system-x86_64 "${args[@]}" -nographic
	else
		rm -f "$log.panic"
		run_qemu "$log" "${args[@]}"
		if panicked "$log"; then
			mv "$log" "$log.panic"
			echo "vm: WARNING: the $k guest's kernel panicked (log: $log.panic): booting it once more" >&2
			run_qemu "$log" "${args[@]}"
		fi
		sed -i 's/\r$//' "$log" # the serial console ends lines with CRLF
		[ ! -e "$log.panic" ] || sed -i 's/\r$//' "$log.panic"
	fi
}

case $mode in
shell)
	set -- $kernels
	boot "$1" "ig.mode=shell" /dev/null interactive
	exit 0
	;;
demo)
	set -- $kernels
	log="$logdir/demo-$1.log"
	boot "$1" "ig.mode=demo quiet" "$log"
	grep -a '^@@[ |]' "$log" | sed -e 's/^@@| //' -e 's/^@@ //' | grep -v '^BOOT\|^DONE\|^DEMO-OK' || true
	grep -aq '^@@ DONE' "$log" || { echo "imaguard: demo: the guest did not finish (log: $log)" >&2; exit 1; }
	grep -aq '^@@ DEMO-OK' "$log" || { echo "imaguard: demo: the scenario failed (log: $log)" >&2; exit 1; }
	exit 0
	;;
bench)
	# On the host's clock, one guest at a time: two TCG guests on a small
	# host would each be measuring the other. On icount, side by side.
	mkdir -p "$bench_out"
	bench_one() {
		local k=$1 log json failed line rc why
		log="$logdir/bench-$k.log"
		json="$bench_out/guest-$k.json" failed="$bench_out/guest-$k.failed"
		rm -f "$json" "$failed" # a stale result must never stand in for this run
		echo "vm: bench ($bench, clock $BENCH_CLOCK$([ "$bench_peers" = 1 ] && echo ', peers')) on $k, up to ${timeout_s}s (log: $log)"
		# Peers: IMA appraises in enforce mode the files its policy names
		# (igbench writes that policy: only the peers' own files).
		boot "$k" "ig.mode=bench ig.bench=$bench${BENCH_ONLY:+ ig.bench_only=$BENCH_ONLY}$([ "$bench_peers" = 1 ] && echo ' ig.bench_peers=1 ima_appraise=enforce') quiet" "$log"
		line=$(grep -a '^@@BENCH {' "$log" | tail -n 1 | sed 's/^@@BENCH //' || true)
		rc=$(sed -n 's/^@@ BENCH-EXIT \([0-9]*\)$/\1/p' "$log" | tail -n 1)
		why=
		if ! grep -aq '^@@ BOOT' "$log"; then
			why="the kernel did not boot"
		elif grep -aq '^@@ BENCH-ERROR' "$log"; then
			why=$(grep -a '^@@ BENCH-ERROR' "$log" | head -n 1 | sed 's/^@@ BENCH-ERROR //')
		elif [ -z "$line" ] && ! grep -aq '^@@ DONE' "$log"; then
			why="the guest did not finish within ${timeout_s}s and printed no @@BENCH line"
		elif [ -z "$line" ]; then
			why="igbench printed no @@BENCH line (exit ${rc:-unknown})"
		elif [ "${line: -1}" != "}" ]; then
			why="the @@BENCH line is cut short (${#line} bytes)"
		elif [ "${rc:-}" != 0 ]; then
			why="igbench exited ${rc:-unknown}"
		fi
		[ -n "$line" ] && printf '%s\n' "$line" >"$json"
		if [ -n "$why" ]; then
			echo "FAIL [$k] bench: $why (log: $log)"
			tail -n 30 "$log" | sed 's/^/    | /'
			printf '%s (log: %s)\n' "$why" "$log" >"$failed"
			return 1
		fi
		echo "vm: bench on $k: $json"
	}
	bad=0 pids=()
	for k in $kernels; do
		if [ "$BENCH_CLOCK" = icount ]; then
			bench_one "$k" &
			pids+=($!)
		else
			bench_one "$k" || bad=$((bad + 1))
		fi
	done
	for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
	[ "$bad" -eq 0 ]
	exit
	;;
test) ;;
*) echo "usage: run.sh test|shell|demo|bench" >&2; exit 2 ;;
esac

# Group the selected tests by the boot arguments they ask for.
declare -A groups
selected=${T:-$(cd "$VM_TESTS_DIR" && ls t_*.sh | sed 's/^t_//; s/\.sh$//')}
for name in $selected; do
	f="$VM_TESTS_DIR/t_$name.sh"
	[ -f "$f" ] || { echo "imaguard: no VM test named '$name' ($f)" >&2; exit 2; }
	b=$(sed -n 's/^# boot: //p' "$f" | head -n 1)
	b=${b:--}	# bash refuses an empty key
	groups[$b]="${groups[$b]:-}${groups[$b]:+,}$name"
done

# Boots with systemd as PID 1 get its overlay; a host without systemd fails
# the run here (mksystemd.sh says why).
case " ${!groups[*]} " in
*ig.systemd=1*)
	# shellcheck disable=SC2046
	"$top/scripts/vm/mksystemd.sh" $(for k in $kernels; do echo "${kdir[$k]}"; done)
	;;
esac

# One run per (kernel, boot group, shard of VM_SHARD tests), VM_JOBS at a
# time; a group's tests are dealt round the shards it needs, in order.
shard=${VM_SHARD:-30}
runs=()
for k in $kernels; do
	for b in "${!groups[@]}"; do
		IFS=, read -r -a names <<<"${groups[$b]}"
		n=$(((${#names[@]} + shard - 1) / shard))
		for ((s = 0; s < n; s++)); do
			list=
			for ((j = s; j < ${#names[@]}; j += n)); do
				list="$list${list:+,}${names[j]}"
			done
			runs+=("$k|$b|$list")
		done
	done
done
pids=()
i=0
for r in "${runs[@]}"; do
	IFS='|' read -r k b list <<<"$r"
	[ "$b" = - ] && b=
	log="$logdir/test-$i.log"
	echo "vm: booting $k${b:+ ($b)} for: ${list//,/ }"
	boot "$k" "ig.mode=test ig.tests=$list ${VM_VERBOSE:+ig.verbose=1} $b" "$log" &
	pids+=($!)
	i=$((i + 1))
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
done
wait

# export_files LOG DIR TAG: the files the guest's tests exported
# (tests/vm/lib.sh: export_file), each decoded into DIR and checked against
# the SHA-256 the guest printed; a damaged one is removed and fails the run.
files_dir=${VM_FILES_DIR:-$logdir/files}
export_files() {
	local log=$1 dir=$2 tag=$3 name sum got rc=0
	while read -r _ _ name sum; do
		case $name in
		'' | .* | *[!A-Za-z0-9._-]*)
			echo "FAIL [$tag] the guest exported a file with a bad name: '$name'"
			rc=1
			continue
			;;
		esac
		mkdir -p "$dir"
		sed -n "/^@@ FILE $name /,/^@@ END $name\$/p" "$log" | sed -n 's/^@@B //p' |
			base64 -d >"$dir/$name" 2>/dev/null || true
		got=$(sha256sum <"$dir/$name" | cut -d' ' -f1)
		if [ "$got" != "$sum" ]; then
			echo "FAIL [$tag] exported file $name arrived damaged (SHA-256 $got, not $sum)"
			rm -f "$dir/$name"
			rc=1
			continue
		fi
		echo "vm: [$tag] exported $dir/$name"
	done < <(grep -a '^@@ FILE ' "$log")
	return $rc
}

passed=0 failed=0 skipped=0 bad=0
i=0
for r in "${runs[@]}"; do
	IFS='|' read -r k b list <<<"$r"
	[ "$b" = - ] && b=
	log="$logdir/test-$i.log"
	tag="$k${b:+ $b}"
	i=$((i + 1))
	if ! grep -aq '^@@ BOOT' "$log"; then
		echo "FAIL [$tag] the kernel did not boot (log: $log)"
		tail -n 30 "$log" | sed 's/^/    | /'
		bad=$((bad + 1))
		continue
	fi
	grep -a '^@@ WARN' "$log" | sed "s/^@@ WARN /WARN [$tag] /" || true
	[ -e "$log.panic" ] && echo "WARN [$tag] the first boot's kernel panicked: results are the second boot's (first log: $log.panic)"
	grep -a '^@@ \(PASS\|FAIL\|SKIP\)\|^@@| ' "$log" |
		sed -e "s/^@@ \(PASS\|FAIL\|SKIP\) /\1 [$tag] /" -e 's/^@@| /    | /' || true
	if panicked "$log"; then
		echo "FAIL [$tag] the guest's kernel panicked, twice (log: $log)"
		grep -a -B 20 -A 3 "$panic_msg" "$log" | tail -n 30 | sed 's/^/    | /'
		bad=$((bad + 1))
		continue
	fi
	if ! grep -aq '^@@ DONE' "$log" || ! grep -aq '^@@ SUMMARY' "$log"; then
		echo "FAIL [$tag] the guest did not finish within ${timeout_s}s (log: $log)"
		tail -n 30 "$log" | sed 's/^/    | /'
		bad=$((bad + 1))
		continue
	fi
	read -r p f s < <(grep -a '^@@ SUMMARY' "$log" | tail -n 1 | cut -d' ' -f3-)
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	export_files "$log" "$files_dir/$k" "$tag" || bad=$((bad + 1))
done
failed=$((failed + bad))
echo "vm: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
