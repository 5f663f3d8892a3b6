# Harness self-test: a file handed to the host (lib.sh: export_file).
. /opt/ig/tests/lib.sh
printf 'first line\n\001 not text \377\nlast line without newline' >/tmp/exported
export_file /tmp/exported exported.bin
