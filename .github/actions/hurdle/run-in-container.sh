#!/usr/bin/env bash
# The composite action's work inside its Debian 12 container: install hurdle's package, fetch
# the image (the cache may have it prepared already), run the suites, and write their summary
# next to the JUnit file. Exits with hurdle run's status.
# Environment: SUITE (space-separated files), IMAGE (lock entry or empty), SHARD (INDEX/COUNT
# or empty), ARGS (more words for hurdle run), REPORTS (a folder), KEEP (true: keep the machine
# of each failed scenario for `hurdle resume`).
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /hurdle-deb/hurdle_*.deb
if [ -n "$IMAGE" ]; then hurdle image fetch "$IMAGE"; fi
read -r -a suites <<<"$SUITE"
read -r -a extra <<<"$ARGS"
if [ -n "$SHARD" ]; then extra+=(--shard "$SHARD"); fi
if [ "$KEEP" = "true" ]; then extra+=(--keep-failed-state); fi
status=0
hurdle run "${suites[@]}" --accel kvm --junit "$REPORTS/junit.xml" --report-dir "$REPORTS" \
  "${extra[@]}" || status=$?
hurdle report summary "$REPORTS/junit.xml" >"$REPORTS/summary.md" || true
exit "$status"
