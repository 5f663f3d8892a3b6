# Harness self-test: a guest test that fails must fail the run and show its output.
echo "this line is the broken test's own output"
false
