#!/usr/bin/env bash
# The composite action's work inside its Debian 12 container: install hurdle's package, fetch
# the image (the cache may have it prepared already), run the suites, and write their summary
# next to the JUnit file. Exits with hurdle run's status.
# Environment: SUITE (space-separated files), IMAGE (lock entry or empty), SHARD (INDEX/COUNT
# or empty), ARGS (more words for hurdle run), REPORTS (a folder), KEEP (true: keep the machine
# of each failed scenario for `hurdle resume`), HOST_UID and HOST_GID (the runner's user, who
# gets back everything this script leaves), ACCEL (default kvm), HURDLE_DEB_DIR (where the
# package is; default /hurdle-deb: without a package there, the hurdle on PATH is used).
set -euo pipefail
cache=${HURDLE_CACHE_DIR:-$HOME/.cache/hurdle}
workspace=${GITHUB_WORKSPACE:-$PWD}

# The container runs as root; the steps after it (upload-artifact, the cache's post step) run
# as the runner's user. Everything made here in the workspace and the cache folder goes back
# to that user, on failure too, with its mode kept: the failed machine's SSH key (0600, in
# 0700 folders) and hurdle's own key stay private to the user who uploads and caches them.
# shellcheck disable=SC2317  # run by the EXIT trap
hand_back() {
  local status=$?
  if [ -n "${HOST_UID:-}" ]; then
    for place in "$workspace" "$cache"; do
      if [ -e "$place" ]; then
        find "$place" -xdev -uid 0 -exec chown -h "$HOST_UID:${HOST_GID:-$HOST_UID}" {} + ||
          echo "::warning::could not give $place back to uid $HOST_UID"
      fi
    done
  fi
  exit "$status"
}
trap hand_back EXIT

deb_dir=${HURDLE_DEB_DIR:-/hurdle-deb}
if compgen -G "$deb_dir/hurdle_*.deb" >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb_dir"/hurdle_*.deb
fi
if [ -n "$IMAGE" ]; then hurdle image fetch "$IMAGE"; fi
read -r -a suites <<<"$SUITE"
read -r -a extra <<<"$ARGS"
if [ -n "$SHARD" ]; then extra+=(--shard "$SHARD"); fi
if [ "$KEEP" = "true" ]; then extra+=(--keep-failed-state); fi
status=0
hurdle run "${suites[@]}" --accel "${ACCEL:-kvm}" --junit "$REPORTS/junit.xml" \
  --report-dir "$REPORTS" "${extra[@]}" || status=$?
hurdle report summary "$REPORTS/junit.xml" >"$REPORTS/summary.md" || true
exit "$status"
