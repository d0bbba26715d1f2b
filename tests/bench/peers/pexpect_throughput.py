#!/usr/bin/python3
# Peer for tests/bench/expect_throughput: pexpect reads FILE in 4 KiB chunks (maxread) and
# waits for PATTERN. Prints the seconds from the start of the wait to the match.
# Usage: pexpect_throughput.py FILE PATTERN WINDOW   (WINDOW 0: searchwindowsize left at None)
import os
import sys
import time

import pexpect
from pexpect import fdpexpect

path, pattern, window = sys.argv[1], sys.argv[2], int(sys.argv[3])
fd = os.open(path, os.O_RDONLY)
child = fdpexpect.fdspawn(fd, timeout=None, maxread=4096,
                          searchwindowsize=window if window > 0 else None)
start = time.monotonic()
child.expect(pattern.encode())
print(f"{time.monotonic() - start:.6f}")
