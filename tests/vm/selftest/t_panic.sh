# Harness self-test: a guest whose kernel panics is booted once more, and a
# panic that comes back is a failure on the host, reported as a panic.
# boot: ig.selftest=panic
echo c >/proc/sysrq-trigger
sleep 100000
