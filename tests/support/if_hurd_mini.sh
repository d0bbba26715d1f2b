#!/bin/sh
# Usage: if_hurd_mini.sh GUESTS COMMAND [ARG...]: runs the command where the hurd-mini guest is
# built in GUESTS; elsewhere prints why not (GUESTS/hurd-mini/SKIPPED, written by
# fixtures/guests/hurd-mini/build) and exits 77, which CTest counts as skipped.
guests=$1
shift
if [ ! -f "$guests/hurd-mini/hurd-mini.qcow2" ]; then
  if [ -s "$guests/hurd-mini/SKIPPED" ]; then
    echo "skipped: $(head -n 1 "$guests/hurd-mini/SKIPPED")"
  else
    echo "skipped: the test guests are not built in $guests: cmake --build BUILD --target guests"
  fi
  exit 77
fi
exec "$@"
