#!/usr/bin/env bash
# `imaguard allowlist build` against sha256sum on the same files, warm cache.
#
#   scripts/bench/build.sh [--quick] [--json]
#
# A tree of real ELF files and #! scripts (copied from /usr/lib/x86_64-linux-gnu
# and /usr/bin: about 300 MB, or 60 MB with --quick) is made once under
# build/bench/, read twice to warm the page cache, and then hashed by
#   build/imaguard allowlist build --jobs 1      and  sha256sum over the file list
#   build/imaguard allowlist build --jobs NPROC  and  xargs -P NPROC sha256sum
# in interleaved rounds (the order rotates each round); each figure is the
# median. Throughput is bytes hashed per second; the targets are build's
# throughput at least 0.8 of sha256sum's, on one core and on all of them.
# Only the files both tools hash are in the tree, so they read the same bytes.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
quick=0 json=0
for a in "$@"; do
	case $a in
	--quick) quick=1 ;;
	--json) json=1 ;;
	-h | --help)
		sed -n '2,13s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "usage: $0 [--quick] [--json]" >&2
		exit 2
		;;
	esac
done

imaguard=$top/build/imaguard
[ -x "$imaguard" ] || { echo "build.sh: $imaguard is missing: run make" >&2; exit 1; }
nproc=$(nproc)
if [ $quick = 1 ]; then
	budget=$((60 << 20)) rounds=3 name=quick
else
	budget=$((300 << 20)) rounds=5 name=full
fi
base=$top/build/bench/build-tree
tree=$base/$name
list=$base/$name.list
work=$(mktemp -d "$top/build/bench/build-run.XXXXXX")
trap 'rm -rf "$work"' EXIT

say() { [ $json = 1 ] || echo "$@" >&2; }

# The tree: regular files whose first bytes are \x7fELF or #!, in find's
# order, until the budget; no single file over a quarter of it, so one large
# library does not make the whole measurement. Made once, reused after.
if [ ! -f "$tree/.complete" ]; then
	say "build.sh: copying about $((budget >> 20)) MB of ELF files and scripts into $tree"
	rm -rf "$tree" "$list"
	mkdir -p "$tree"
	find /usr/lib/x86_64-linux-gnu /usr/bin -type f -size +0 -print0 2>/dev/null |
		perl -0 -ne '
			BEGIN { $budget = shift @ARGV; $sum = 0; $full = 0 }
			chomp;
			next if $full;	# read on: find must not die of a closed pipe
			next unless open(my $f, "<", $_);
			my $head = "";
			read($f, $head, 4);
			close $f;
			next unless $head =~ /^(\x7fELF|#!)/;
			my $size = -s $_;
			next if $size > $budget / 4;
			if ($sum + $size > $budget) { $full = 1; next }
			$sum += $size;
			print "$_\0";' "$budget" |
		(cd / && xargs -0 cp --parents --no-preserve=ownership -t "$tree")
	touch "$tree/.complete"
fi
(cd "$tree" && find . -type f ! -name .complete -print0 | sed -z "s|^\./|$tree/|") >"$list"
files=$(tr -cd '\0' <"$list" | wc -c)
bytes=$(xargs -0 stat -c %s <"$list" | awk '{s += $1} END {print s}')

# Warm: every file read, twice, so neither tool meets the disk.
xargs -0 cat <"$list" >/dev/null
xargs -0 cat <"$list" >/dev/null

now() { date +%s.%N; }

# Each run prints its seconds; a failed run fails the script.
run_build() {
	local t0 t1
	t0=$(now)
	"$imaguard" allowlist build --quiet --jobs "$1" --serial 1 --created 2026-01-01T00:00:00Z \
		-o "$work/list.json" "$tree" 2>"$work/build.err" ||
		{ cat "$work/build.err" >&2; exit 1; }
	t1=$(now)
	echo "$t0 $t1" | awk '{printf "%.4f\n", $2 - $1}'
}

# sha256sum over the same list: one process for one core; for all cores as
# many parallel processes as cores, each given a share of the files in
# batches small enough that none is left running alone at the end.
run_sha() {
	local t0 t1 per
	if [ "$1" = 1 ]; then
		t0=$(now)
		xargs -0 sha256sum <"$list" >"$work/sums"
		t1=$(now)
	else
		per=$(((files + $1 * 8 - 1) / ($1 * 8)))
		t0=$(now)
		xargs -0 -P "$1" -n "$per" sha256sum <"$list" >"$work/sums"
		t1=$(now)
	fi
	echo "$t0 $t1" | awk '{printf "%.4f\n", $2 - $1}'
}

say "build.sh: $files files, $((bytes >> 20)) MB; $rounds rounds on $nproc cores"
kinds=(build1 sha1 buildN shaN)
declare -A times
for ((r = 0; r < rounds; r++)); do
	for ((k = 0; k < 4; k++)); do
		kind=${kinds[$(((k + r) % 4))]}
		case $kind in
		build1) t=$(run_build 1) ;;
		sha1) t=$(run_sha 1) ;;
		buildN) t=$(run_build "$nproc") ;;
		shaN) t=$(run_sha "$nproc") ;;
		esac
		times[$kind]="${times[$kind]:-} $t"
		say "  round $r: $kind $t s"
	done
done

# build must have hashed every file in the list (one entry a line).
hashed=$(grep -c '"digest": ' "$work/list.json" || true)
if [ "$hashed" != "$files" ]; then
	echo "build.sh: build hashed $hashed files, the list has $files" >&2
	exit 1
fi

median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
b1=$(echo "${times[build1]}" | median)
s1=$(echo "${times[sha1]}" | median)
bN=$(echo "${times[buildN]}" | median)
sN=$(echo "${times[shaN]}" | median)

awk -v bytes="$bytes" -v files="$files" -v nproc="$nproc" -v rounds="$rounds" \
	-v b1="$b1" -v s1="$s1" -v bN="$bN" -v sN="$sN" -v json="$json" 'BEGIN {
	mb = bytes / 1048576
	tb1 = mb / b1; ts1 = mb / s1; tbN = mb / bN; tsN = mb / sN
	r1 = tb1 / ts1; rN = tbN / tsN
	if (json) {
		printf "{\"kind\":\"host\",\"bench\":\"allowlist_build\",\"results\":{"
		printf "\"files\":%d,\"mb\":%.1f,\"cores\":%d,\"rounds\":%d,", files, mb, nproc, rounds
		printf "\"build_1_s\":%.3f,\"sha256sum_1_s\":%.3f,\"build_all_s\":%.3f,", b1, s1, bN
		printf "\"sha256sum_all_s\":%.3f,", sN
		printf "\"build_1_mb_s\":%.1f,\"sha256sum_1_mb_s\":%.1f,", tb1, ts1
		printf "\"build_all_mb_s\":%.1f,\"sha256sum_all_mb_s\":%.1f,", tbN, tsN
		printf "\"build_scaling\":%.2f,\"sha256sum_scaling\":%.2f},", tbN / tb1, tsN / ts1
		printf "\"targets\":["
		printf "{\"name\":\"build vs sha256sum, one core (ratio of throughputs)\","
		printf "\"value\":%.3f,\"limit\":0.8,\"op\":\">=\",\"met\":%s},", r1, (r1 >= 0.8 ? "true" : "false")
		printf "{\"name\":\"build vs sha256sum, all cores (ratio of throughputs)\","
		printf "\"value\":%.3f,\"limit\":0.8,\"op\":\">=\",\"met\":%s}]}\n", rN, (rN >= 0.8 ? "true" : "false")
	} else {
		printf "allowlist_build: %d files, %.1f MB, %d cores, median of %d rounds\n", files, mb, nproc, rounds
		printf "  one core:   build %.3f s (%.0f MB/s), sha256sum %.3f s (%.0f MB/s): ratio %.2f (target >= 0.8)\n", b1, tb1, s1, ts1, r1
		printf "  all cores:  build %.3f s (%.0f MB/s), sha256sum %.3f s (%.0f MB/s): ratio %.2f (target >= 0.8)\n", bN, tbN, sN, tsN, rN
		printf "  scaling:    build x%.2f, sha256sum x%.2f\n", tbN / tb1, tsN / ts1
	}
}'
