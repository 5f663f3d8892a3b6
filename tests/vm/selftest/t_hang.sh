# Harness self-test: a guest that never finishes is a failure on the host.
# boot: ig.selftest=hang
sleep 100000
