# Output named as a FIFO or device is written to, never renamed over: the
# node must survive and the reader must get the document.
set -euo pipefail
mkdir tree && cp /usr/bin/true tree/
mkfifo out.fifo
cat out.fifo >got.json &
reader=$!
"$IMAGUARD" allowlist build -q -o out.fifo tree
wait $reader
[ -p out.fifo ] || { echo "FAIL: the FIFO was replaced"; exit 1; }
grep -q '"format": *"imaguard-allowlist/1"' got.json || { echo "FAIL: reader got: $(cat got.json)"; exit 1; }
"$IMAGUARD" allowlist build -q -o /dev/null tree
[ -c /dev/null ] || { echo "FAIL: /dev/null is no longer a device"; exit 1; }
echo ok
