#!/usr/bin/env bash
# CTest's mcp.sdk_client: installs the official MCP TypeScript SDK (tests/mcp/package.json,
# pinned by its lock) into BUILD/mcp-client with `npm ci` when the lock changed, then drives
# `hurdle mcp` with it (mcp_client_test.mjs).
# Usage: run_client_test.sh BUILD_DIR SOURCE_DIR HURDLE_PROGRAM
set -euo pipefail
build=$1
source=$2
program=$3
here="$source/tests/mcp"
client="$build/mcp-client"
mkdir -p "$client"
if ! cmp -s "$here/package-lock.json" "$client/package-lock.json" || [ ! -d "$client/node_modules" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$client/"
  (cd "$client" && npm ci --no-audit --no-fund --silent)
fi
cp "$here/mcp_client_test.mjs" "$client/"
cd "$client"
test_dir="$build/test-logs/mcp-sdk-client"
status=0
HURDLE_PROGRAM="$program" HURDLE_SOURCE_DIR="$source" \
  HURDLE_TEST_DIR="$test_dir" node mcp_client_test.mjs || status=$?
# The templates the run made hold the guest's RAM on tmpfs: given back (its logs stay).
HURDLE_CACHE_DIR="$test_dir/cache" "$program" cache gc --unused-days 0 >/dev/null || true
exit "$status"
