#!/usr/bin/env bash
# Run each cmocka unit-test binary; fail if any fails. Prints one closing line.
set -euo pipefail
failed=0 passed=0
for t in "$@"; do
	if "$t"; then
		passed=$((passed + 1))
	else
		echo "FAIL: $t" >&2
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
