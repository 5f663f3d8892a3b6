# Harness self-test: a passing test.
. /opt/ig/tests/lib.sh
assert_eq "arithmetic in the guest" 4 $((2 + 2))
