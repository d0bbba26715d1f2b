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
HURDLE_PROGRAM="$program" HURDLE_SOURCE_DIR="$source" \
  HURDLE_TEST_DIR="$build/test-logs/mcp-sdk-client" exec node mcp_client_test.mjs
