# Harness self-test: a guest whose kernel panics is booted once more, and a
# panic that comes back is a failure on the host, reported as a panic.
# panic=0 (the last one given wins) keeps the panicked guest from rebooting,
# as a panic in interrupt context can: the harness must stop it itself.
# boot: ig.selftest=panic panic=0
echo c >/proc/sysrq-trigger
sleep 100000
