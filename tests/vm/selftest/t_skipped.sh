# Harness self-test: a skip is reported as a skip, with its reason.
. /opt/ig/tests/lib.sh
skip "skipped on purpose by the harness self-test"
