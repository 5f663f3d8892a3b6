#!/usr/bin/env bash
# The direction of dependency in src/, read from the includes:
#   - a folder includes itself and lower layers only; folders of one rank
#     do not include each other; nothing but src/main.c (and cmd/ itself)
#     includes cmd/;
#   - only src/enforcer/ includes libbpf (<bpf/libbpf.h>, <bpf/bpf.h>) or a
#     BPF skeleton (*.skel.h);
#   - a project include is spelled with its folder ("util/log.h", not "log.h").
# include/imaguard/ is the user/kernel ABI, below every folder.
# Usage: check-layout.sh [TOP]; prints every offence, exits 1 if any.
set -euo pipefail
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top"

# Layers, lowest first. allowlist/import is part of allowlist.
declare -A rank=(
	[imaguard]=0
	[util]=1
	[crypto]=2 [rules]=2
	[allowlist]=3
	[audit]=4
	[enforcer]=5
	[daemon]=6 [report]=6
	[cmd]=7
	[main.c]=8
)
order="util < crypto = rules < allowlist < audit < enforcer < daemon = report < cmd < main.c"

bad=0
offend() {
	echo "check-layout: $1: includes $2: $3" >&2
	bad=$((bad + 1))
}

# layer FILE: the layer a file under src/ or include/ belongs to
layer() {
	case $1 in
	src/main.c) echo main.c ;;
	src/*/*) local d=${1#src/}; echo "${d%%/*}" ;;
	include/imaguard/*) echo imaguard ;;
	*) echo "" ;;
	esac
}

while IFS= read -r file; do
	own=$(layer "$file")
	if [ -z "$own" ] || [ -z "${rank[$own]+x}" ]; then
		echo "check-layout: $file: in no known layer (known: $order)" >&2
		bad=$((bad + 1))
		continue
	fi
	while IFS= read -r line; do
		at="$file:${line%%:*}"
		line=${line#*:}
		inc=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*//; s/[[:space:]]*(\/[*/].*)?$//' <<<"$line")
		case $inc in
		'<bpf/libbpf.h>' | '<bpf/bpf.h>' | '"'*.skel.h'"' | '<'*.skel.h'>')
			[ "$own" = enforcer ] ||
				offend "$at" "$inc" "only src/enforcer/ may use libbpf or a BPF skeleton"
			continue
			;;
		'<'*) continue ;;
		'"'*/*'"') ;;
		'"'*'"')
			offend "$at" "$inc" "spell a project include with its folder, e.g. \"util/log.h\""
			continue
			;;
		*)
			offend "$at" "$inc" "cannot read this include"
			continue
			;;
		esac
		path=${inc#\"}
		path=${path%\"}
		dir=${path%%/*}
		if [ -z "${rank[$dir]+x}" ] || [ "$dir" = main.c ]; then
			offend "$at" "$inc" "'$dir/' is no folder of src/ or include/"
			continue
		fi
		[ "$dir" = "$own" ] && continue
		if [ "$dir" = cmd ]; then
			[ "$file" = src/main.c ] ||
				offend "$at" "$inc" "nothing but src/main.c includes cmd/"
		elif [ "${rank[$dir]}" -gt "${rank[$own]}" ]; then
			offend "$at" "$inc" "$own/ is below $dir/ (layers: $order)"
		elif [ "${rank[$dir]}" -eq "${rank[$own]}" ]; then
			offend "$at" "$inc" "$own/ and $dir/ are one layer and do not include each other"
		fi
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include' "$file" || true)
done < <(find src include -type f -name '*.[ch]' | LC_ALL=C sort)

if [ "$bad" -ne 0 ]; then
	echo "check-layout: $bad include(s) cross the layering" >&2
	exit 1
fi
echo "check-layout: ok"
