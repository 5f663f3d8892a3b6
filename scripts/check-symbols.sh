#!/usr/bin/env bash
# Every symbol the library exports carries its module's prefix: an object
# .../src/<folder>/<file>.o may define "<file>_*" or "<folder>_*" (src/cmd/:
# "cmd_*"; src/allowlist/import/: "import_*" and "allowlist_*" too).
# Usage: check-symbols.sh OBJECT...  (the objects the library is made of; the
# archive's members would lose their folder). Prints every offender.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: check-symbols.sh OBJECT..." >&2; exit 2; }

bad=0
for o in "$@"; do
	case $o in
	*/src/*/*.o) rel=${o##*/src/} ;;
	*) echo "check-symbols: $o: not an object under src/<folder>/" >&2; exit 2 ;;
	esac
	file=$(basename "$rel" .o)
	folder=${rel%%/*}
	case $rel in
	cmd/*) prefixes="cmd" ;;
	allowlist/import/*) prefixes="$file allowlist import" ;;
	*) prefixes="$file $folder" ;;
	esac
	prefixes=$(tr ' ' '\n' <<<"$prefixes" | awk '!seen[$0]++' | tr '\n' ' ')
	prefixes=${prefixes% }
	while read -r _ type sym; do
		ok=0
		for p in $prefixes; do
			case $sym in "${p}"_*) ok=1 ;; esac
		done
		if [ "$ok" -eq 0 ]; then
			echo "check-symbols: src/${rel%.o}.c exports '$sym' ($type), without a prefix of its module: ${prefixes// /_, }_" >&2
			bad=$((bad + 1))
		fi
	done < <(nm -g --defined-only "$o" | awk 'NF == 3')
done

if [ "$bad" -ne 0 ]; then
	echo "check-symbols: $bad exported symbol(s) without their module's prefix" >&2
	exit 1
fi
echo "check-symbols: ok"
