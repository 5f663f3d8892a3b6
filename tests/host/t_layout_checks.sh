#!/usr/bin/env bash
# The layering checks themselves, on small scratch trees: a tree that keeps
# the layers passes, and each kind of offence (an include up the layers,
# across one layer, into cmd/, libbpf or a skeleton outside enforcer/, a bare
# include; an exported symbol without its module's prefix) fails and names
# the file and the include or symbol.
set -euo pipefail
top=$(cd "$(dirname "$IMAGUARD")/.." && pwd)
layout=$top/scripts/check-layout.sh
symbols=$top/scripts/check-symbols.sh

fail() { echo "FAIL: $*"; exit 1; }

# A tree that keeps every rule: each folder includes itself and below.
mkdir -p good/include/imaguard good/src/{util,crypto,rules,allowlist/import,audit,enforcer,daemon,report,cmd}
cd good
printf '#include <linux/types.h>\n' >include/imaguard/abi.h
printf '#include <stdio.h>\n#include "util/log.h"\n' >src/util/log.c
printf '#include "imaguard/abi.h"\n' >src/util/log.h
printf '#include "util/log.h"\n' >src/crypto/sig.c
printf '#include "util/log.h"\n#include "imaguard/abi.h"\n' >src/rules/rules.c
printf '#include "crypto/sig.h"\n#include "rules/rules.h"\n#include "allowlist/import/import.h"\n' \
	>src/allowlist/load.c
printf '#include "allowlist/allowlist.h"\n' >src/allowlist/import/sha256sum.c
printf '#include "allowlist/allowlist.h"\n' >src/audit/audit.c
printf '#include <bpf/libbpf.h>\n#include <bpf/bpf.h>\n#include "enforcer.skel.h"\n#include "audit/audit.h"\n' \
	>src/enforcer/load.c
printf '#include "enforcer/enforcer.h"\n' >src/daemon/daemon.c
printf '#include "audit/audit.h"   /* reads logs */\n' >src/report/report.c
printf '#include "cmd/commands.h"\n#include "daemon/daemon.h"\n#include "report/report.h"\n' >src/cmd/run.c
printf '#include "cmd/commands.h"\n#include "util/log.h"\n' >src/main.c
cd ..
"$layout" good >out 2>&1 || { cat out; fail "a tree that keeps the layers was refused"; }

# plant FILE LINE 'EXPECTED MESSAGE': the one offence fails the check, by name
plant() {
	local file=$1 line=$2 want=$3 rc=0
	rm -rf bad && cp -r good bad
	printf '%s\n' "$line" >>"bad/$file"
	"$layout" bad >out 2>&1 || rc=$?
	[ "$rc" -eq 1 ] || { cat out; fail "'$line' in $file: exit $rc, want 1"; }
	grep -qxF -- "$want" out || { cat out; fail "'$line' in $file: no line '$want'"; }
	grep -qxF "check-layout: 1 include(s) cross the layering" out ||
		{ cat out; fail "'$line' in $file: not counted as one offence"; }
}
order="util < crypto = rules < allowlist < audit < enforcer < daemon = report < cmd < main.c"
plant src/util/log.c '#include "audit/audit.h"' \
	"check-layout: src/util/log.c:3: includes \"audit/audit.h\": util/ is below audit/ (layers: $order)"
plant src/allowlist/import/sha256sum.c '#include "daemon/daemon.h"' \
	"check-layout: src/allowlist/import/sha256sum.c:2: includes \"daemon/daemon.h\": allowlist/ is below daemon/ (layers: $order)"
plant src/crypto/sig.c '#include "rules/rules.h"' \
	"check-layout: src/crypto/sig.c:2: includes \"rules/rules.h\": crypto/ and rules/ are one layer and do not include each other"
plant src/report/report.c '#include "daemon/daemon.h"' \
	"check-layout: src/report/report.c:2: includes \"daemon/daemon.h\": report/ and daemon/ are one layer and do not include each other"
plant src/daemon/daemon.c '#include "cmd/commands.h"' \
	"check-layout: src/daemon/daemon.c:2: includes \"cmd/commands.h\": nothing but src/main.c includes cmd/"
plant src/util/log.c '#include <bpf/libbpf.h>' \
	"check-layout: src/util/log.c:3: includes <bpf/libbpf.h>: only src/enforcer/ may use libbpf or a BPF skeleton"
plant src/daemon/daemon.c '#  include <bpf/bpf.h>' \
	"check-layout: src/daemon/daemon.c:2: includes <bpf/bpf.h>: only src/enforcer/ may use libbpf or a BPF skeleton"
plant src/cmd/run.c '#include "enforcer.skel.h"' \
	"check-layout: src/cmd/run.c:4: includes \"enforcer.skel.h\": only src/enforcer/ may use libbpf or a BPF skeleton"
plant include/imaguard/abi.h '#include "util/log.h"' \
	"check-layout: include/imaguard/abi.h:2: includes \"util/log.h\": imaguard/ is below util/ (layers: $order)"
plant src/audit/audit.c '#include "log.h"' \
	"check-layout: src/audit/audit.c:2: includes \"log.h\": spell a project include with its folder, e.g. \"util/log.h\""
plant src/audit/audit.c '#include "lib/thing.h"' \
	"check-layout: src/audit/audit.c:2: includes \"lib/thing.h\": 'lib/' is no folder of src/ or include/"

# Exported symbols: a module's own prefix, or its folder's, passes.
mkdir -p obj/src/util obj/src/cmd obj/src/allowlist/import
obj() { printf '%s\n' "$2" >"obj/src/$1.c" && cc -c -o "obj/src/$1.o" "obj/src/$1.c"; }
obj util/digest 'int digest_ok(void) { return 0; } int util_ok(void) { return 0; } static int helper(void) { return 0; } int digest_calls(void) { return helper(); }'
obj cmd/run 'int cmd_run(void) { return 0; }'
obj allowlist/import/santa 'int import_santa(void) { return 0; } int santa_x(void) { return 0; } int allowlist_y(void) { return 0; }'
"$symbols" obj/src/util/digest.o obj/src/cmd/run.o obj/src/allowlist/import/santa.o >out 2>&1 ||
	{ cat out; fail "prefixed symbols were refused"; }
obj util/fileio 'int read_file_once(void) { return 0; } int fileio_read(void) { return 0; } int bare_table[4] = { 1 };'
obj cmd/status 'int status_main(void) { return 0; }'
rc=0
"$symbols" obj/src/util/digest.o obj/src/util/fileio.o obj/src/cmd/status.o >out 2>&1 || rc=$?
[ "$rc" -eq 1 ] || { cat out; fail "check-symbols exited $rc on unprefixed symbols, want 1"; }
grep -qxF "check-symbols: src/util/fileio.c exports 'read_file_once' (T), without a prefix of its module: fileio_, util_" out ||
	{ cat out; fail "read_file_once not named"; }
grep -qxF "check-symbols: src/util/fileio.c exports 'bare_table' (D), without a prefix of its module: fileio_, util_" out ||
	{ cat out; fail "bare_table not named"; }
grep -qxF "check-symbols: src/cmd/status.c exports 'status_main' (T), without a prefix of its module: cmd_" out ||
	{ cat out; fail "status_main not named"; }
grep -qxF "check-symbols: 3 exported symbol(s) without their module's prefix" out ||
	{ cat out; fail "not every offender counted"; }
echo "layout checks ok"
