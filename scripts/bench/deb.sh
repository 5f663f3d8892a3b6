#!/usr/bin/env bash
# `imaguard allowlist build --deb` against sha256sum on the same packages'
# extracted files, warm cache, in the same run.
#
#   scripts/bench/deb.sh [--quick] [--json]
#
# About 1 GB of real .deb files (BENCH_DEB_MB, default 1000; 100 with
# --quick) is fetched once with `apt-get download` into build/bench/debs/
# (large packages, taken in the order listed until the budget is met) and
# unpacked once with `dpkg-deb -x` into build/bench/deb-tree/. Each round,
# in rotating order, times
#   imaguard allowlist build --deb --jobs NPROC   over the .deb files
#   sha256sum, NPROC processes                   over every extracted file
#   sha256sum, one process                       over every extracted file
#   dpkg-deb --fsys-tarfile, NPROC at once       decompression alone
# Throughput is the extracted bytes over the median time. The target:
# build at least 0.8 of sha256sum's throughput on all cores. The
# decompression floor says how much of build's time the archive formats
# themselves take. Run by `make bench` (full mode) only.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
quick=0 json=0
for a in "$@"; do
	case $a in
	--quick) quick=1 ;;
	--json) json=1 ;;
	-h | --help)
		sed -n '2,19s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "usage: $0 [--quick] [--json]" >&2
		exit 2
		;;
	esac
done

imaguard=$top/build/imaguard
[ -x "$imaguard" ] || { echo "deb.sh: $imaguard is missing: run make" >&2; exit 1; }
for c in apt-get apt-cache dpkg-deb sha256sum xargs; do
	command -v "$c" >/dev/null || { echo "deb.sh: $c is needed" >&2; exit 1; }
done
nproc=$(nproc)
if [ $quick = 1 ]; then
	budget=${BENCH_DEB_MB:-100} rounds=1
else
	budget=${BENCH_DEB_MB:-1000} rounds=3
fi
name=$budget
debs=$top/build/bench/debs/$name
tree=$top/build/bench/deb-tree/$name
work=$(mktemp -d "$top/build/bench/deb-run.XXXXXX")
trap 'rm -rf "$work"' EXIT

say() { [ $json = 1 ] || echo "$@" >&2; }

# Large packages of Debian 12 with many ELF files; those the archive lacks
# are passed over.
candidates="chromium firefox-esr thunderbird openjdk-17-jdk-headless golang-1.19-go
	llvm-15-dev libllvm15 libreoffice-core gcc-12 libclang-cpp15 g++-12 cpp-12 libnode108
	qemu-system-x86 mesa-vulkan-drivers libgl1-mesa-dri gdb libllvm14 llvm-14-dev
	libclang-cpp14 golang-1.21-go libreoffice-common gfortran-12 libgcc-12-dev
	libstdc++-12-dev libc6-dev libpython3.11-dev python3.11 libpython3.11-stdlib
	emacs-gtk vim-runtime blender libwine llvm-16-dev libllvm16 libclang-cpp16
	qemu-system-misc qemu-system-arm openjdk-17-jre-headless libqt5webengine5 pypy3
	postgresql-15 kicad"

if [ ! -f "$debs/.complete" ]; then
	say "deb.sh: fetching about $budget MB of packages into $debs"
	mkdir -p "$debs"
	sum=0
	for p in $candidates; do
		# What an interrupted run fetched already is kept.
		have=$(ls "$debs/${p}_"*.deb 2>/dev/null | head -n 1 || true)
		if [ -n "$have" ]; then
			sum=$((sum + $(stat -c %s "$have")))
			[ $((sum >> 20)) -lt "$budget" ] || break
			continue
		fi
		size=$(apt-cache show --no-all-versions "$p" 2>/dev/null | sed -n 's/^Size: //p' | head -n 1 || true)
		[ -n "$size" ] || continue
		(cd "$debs" && apt-get download "$p" >/dev/null 2>"$work/dl.err") ||
			{ echo "deb.sh: apt-get download $p failed:" >&2; cat "$work/dl.err" >&2; exit 1; }
		sum=$((sum + size))
		[ $((sum >> 20)) -lt "$budget" ] || break
	done
	[ $((sum >> 20)) -ge $((budget * 9 / 10)) ] ||
		{ echo "deb.sh: only $((sum >> 20)) MB of packages found" >&2; exit 1; }
	touch "$debs/.complete"
fi
if [ ! -f "$tree/.complete" ]; then
	say "deb.sh: unpacking into $tree"
	rm -rf "$tree" && mkdir -p "$tree"
	for d in "$debs"/*.deb; do
		mkdir -p "$tree/$(basename "$d" .deb)"
		dpkg-deb -x "$d" "$tree/$(basename "$d" .deb)"
	done
	touch "$tree/.complete"
fi
list=$work/files
(cd "$tree" && find . -type f ! -name .complete -print0 | sed -z "s|^\./|$tree/|") >"$list"
files=$(tr -cd '\0' <"$list" | wc -c)
bytes=$(xargs -0 stat -c %s <"$list" | awk '{s += $1} END {printf "%d\n", s}')
debbytes=$(stat -c %s "$debs"/*.deb | awk '{s += $1} END {printf "%d\n", s}')
npkgs=$(ls "$debs"/*.deb | wc -l)

# Warm: both sides read from the page cache.
cat "$debs"/*.deb >/dev/null
xargs -0 cat <"$list" >/dev/null

# timed CMD...: "wall user+sys" seconds of CMD; a failed CMD fails the script.
timed() {
	local TIMEFORMAT='%R %U %S' t
	{ t=$( { time "$@" >/dev/null 2>"$work/cmd.err"; } 2>&1); } ||
		{ echo "deb.sh: '$*' failed:" >&2; cat "$work/cmd.err" >&2; exit 1; }
	echo "$t" | awk '{printf "%.3f %.3f\n", $1, $2 + $3}'
}
per=$(((files + nproc * 8 - 1) / (nproc * 8)))
run() {
	case $1 in
	build) timed "$imaguard" allowlist build --deb --quiet --jobs "$nproc" --serial 1 \
		--created 2026-01-01T00:00:00Z -o "$work/list.json" "$debs" ;;
	shaN) timed xargs -0 -P "$nproc" -n "$per" sha256sum <"$list" ;;
	sha1) timed xargs -0 sha256sum <"$list" ;;
	unpack) timed sh -c "ls '$debs'/*.deb | xargs -P $nproc -I{} sh -c 'dpkg-deb --fsys-tarfile {} >/dev/null'" ;;
	esac
}

say "deb.sh: $npkgs packages, $((debbytes >> 20)) MB; $files files, $((bytes >> 20)) MB extracted; $rounds rounds on $nproc cores"
kinds=(build shaN sha1 unpack)
declare -A wall cpu
for ((r = 0; r < rounds; r++)); do
	for ((k = 0; k < 4; k++)); do
		kind=${kinds[$(((k + r) % 4))]}
		t=$(run "$kind")
		read -r w c <<<"$t"
		wall[$kind]="${wall[$kind]:-} $w"
		cpu[$kind]="${cpu[$kind]:-} $c"
		say "  round $r: $kind ${w}s wall, ${c}s cpu"
	done
done
grep -q '"source": "deb:' "$work/list.json" || { echo "deb.sh: build listed nothing" >&2; exit 1; }

median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
args=()
for k in "${kinds[@]}"; do
	args+=(-v "w_$k=$(echo "${wall[$k]}" | median)" -v "c_$k=$(echo "${cpu[$k]}" | median)")
done
awk -v bytes="$bytes" -v debbytes="$debbytes" -v files="$files" -v npkgs="$npkgs" \
	-v nproc="$nproc" -v rounds="$rounds" -v json="$json" "${args[@]}" 'BEGIN {
	mb = bytes / 1048576
	tb = mb / w_build; tN = mb / w_shaN; t1 = mb / w_sha1; tu = mb / w_unpack
	rN = tb / tN; r1 = tb / t1; ru = tb / tu
	if (json) {
		printf "{\"kind\":\"host\",\"bench\":\"allowlist_build_deb\",\"results\":{"
		printf "\"packages\":%d,\"deb_mb\":%.1f,\"files\":%d,\"mb\":%.1f,", npkgs, debbytes / 1048576, files, mb
		printf "\"cores\":%d,\"rounds\":%d,", nproc, rounds
		printf "\"build_s\":%.3f,\"build_cpu_s\":%.3f,\"build_mb_s\":%.1f,", w_build, c_build, tb
		printf "\"sha256sum_all_s\":%.3f,\"sha256sum_all_cpu_s\":%.3f,\"sha256sum_all_mb_s\":%.1f,", w_shaN, c_shaN, tN
		printf "\"sha256sum_1_s\":%.3f,\"sha256sum_1_mb_s\":%.1f,", w_sha1, t1
		printf "\"unpack_s\":%.3f,\"unpack_cpu_s\":%.3f,\"unpack_mb_s\":%.1f,", w_unpack, c_unpack, tu
		printf "\"ratio_vs_sha256sum_one_core\":%.3f,\"ratio_vs_unpack\":%.3f},", r1, ru
		printf "\"targets\":[{\"name\":\"build --deb vs sha256sum on the extracted files, all cores (ratio of throughputs)\","
		printf "\"value\":%.3f,\"limit\":0.8,\"op\":\">=\",\"met\":%s}]}\n", rN, (rN >= 0.8 ? "true" : "false")
	} else {
		printf "allowlist_build_deb: %d packages, %.0f MB of .deb, %d files, %.0f MB extracted, %d cores, median of %d rounds\n", npkgs, debbytes / 1048576, files, mb, nproc, rounds
		printf "  build --deb:            %.2f s wall, %.2f s cpu (%.0f MB/s of extracted files)\n", w_build, c_build, tb
		printf "  sha256sum, %d procs:     %.2f s wall, %.2f s cpu (%.0f MB/s): ratio %.2f (target >= 0.8)\n", nproc, w_shaN, c_shaN, tN, rN
		printf "  sha256sum, one proc:    %.2f s wall (%.0f MB/s): ratio %.2f\n", w_sha1, t1, r1
		printf "  dpkg-deb --fsys-tarfile: %.2f s wall, %.2f s cpu (%.0f MB/s): ratio %.2f\n", w_unpack, c_unpack, tu, ru
	}
}'
