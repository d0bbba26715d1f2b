#!/bin/sh
# The tmpfs folders hurdle's tests can leave behind, holding memory until the host reboots: a
# boot cache's RAM folder (/dev/shm/hurdle-UID/*) whose templates folder is gone, and a fuzz
# target's scratch folder (/dev/shm/hurdle-fuzz-*).
#   tmpfs_orphans.sh record FILE   notes the ones there before the tests (not theirs)
#   tmpfs_orphans.sh check FILE    fails, naming them, when the tests left any more
set -eu
mode=$1
file=$2
orphans() {
  for f in "/dev/shm/hurdle-$(id -u)"/*/ /dev/shm/hurdle-fuzz-*/; do
    [ -d "$f" ] || continue
    f=${f%/}
    case $f in
      */hurdle-fuzz-*) echo "$f" ;;
      *)
        owner=$(head -n 1 "$f/owner" 2>/dev/null || true)
        if [ -z "$owner" ] || [ ! -e "$owner" ]; then echo "$f"; fi
        ;;
    esac
  done | sort
}
case $mode in
  record) orphans >"$file" ;;
  check)
    left=$(orphans | comm -13 "$file" -)
    if [ -n "$left" ]; then
      echo "the tests left these tmpfs folders behind (their cache folders are gone):"
      echo "$left"
      exit 1
    fi
    echo "tmpfs: no folder left behind"
    ;;
  *) echo "usage: tmpfs_orphans.sh record|check FILE" >&2; exit 2 ;;
esac
