# The VM harness itself: a failing guest test fails the run and shows its
# output, a skip is reported with its reason, and a guest that never finishes
# is a failure (not a silent pass); a kernel panic is booted once more, and
# one that comes back is a failure that says so.
set -euo pipefail
top=$(cd "$(dirname "$IMAGUARD")/.." && pwd)
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 missing"; exit 77; }

set +e
out=$(T= VM_TESTS_DIR="$top/tests/vm/selftest" KERNELS=6.1 VM_TIMEOUT=40 VM_FILES_DIR="$PWD/files" \
	"$top/scripts/vm/run.sh" test 2>&1)
rc=$?
set -e
echo "$out"
[ "$rc" -ne 0 ] || { echo "FAIL: the run passed although a guest test failed"; exit 1; }
grep -q '^PASS \[6.1\] passing$' <<<"$out"
grep -q '^FAIL \[6.1\] broken (exit 1)$' <<<"$out"
grep -q "^    | this line is the broken test's own output$" <<<"$out"
grep -q '^SKIP \[6.1\] skipped: skipped on purpose by the harness self-test$' <<<"$out"
grep -q '^FAIL \[6.1 ig.selftest=hang\] the guest did not finish within 40s' <<<"$out"
grep -q "^WARN \[6.1 ig.selftest=panic panic=0\] the first boot's kernel panicked" <<<"$out"
grep -q "^FAIL \[6.1 ig.selftest=panic panic=0\] the guest's kernel panicked, twice" <<<"$out"
grep -q '^    | .*Kernel panic - not syncing' <<<"$out"
grep -q '^vm: 2 passed, 3 failed, 1 skipped$' <<<"$out"
# an exported file arrives as it was, bytes that are not text too
grep -q "^vm: \[6.1\] exported $PWD/files/6.1/exported.bin$" <<<"$out"
printf 'first line\n\001 not text \377\nlast line without newline' | cmp - files/6.1/exported.bin
echo "harness self-test ok"
