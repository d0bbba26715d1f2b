#!/usr/bin/env bash
# The composite action's work inside its Debian 12 container: install hurdle's package, fetch
# the image (the cache may have it prepared already), run the suites or the `run` script, and
# write their summary next to the JUnit file. Exits with hurdle run's status, or the script's.
# Environment: SUITE (space-separated files), IMAGE (lock entry or empty), SHARD (INDEX/COUNT
# or empty), ARGS (more words for hurdle run), REPORTS (a folder), KEEP (true: keep the machine
# of each failed scenario for `hurdle resume`), HOST_UID and HOST_GID (the runner's user, who
# gets back everything this script leaves), ACCEL (default kvm), HURDLE_DEB_DIR (where the
# package is; default /hurdle-deb: without a package there, the hurdle on PATH is used).
# With RUN (a script) instead of SUITE: `hurdle exec` runs it by `sh -e` in the workspace
# synced in, after PREPARE (a script, once: kept in the template); COPY_BACK and RESULTS (one
# path, or FORMAT:PATH, per line), ENVS (variable names), MACHINE (a profile), TIMEOUT. With
# TRAVEL=true the template comes from CACHE/packed/*.tar.zst when actions/cache restored one
# there, and is packed there when this job made it. With LEAVE_RUNNING (a name) the machine
# goes on after RUN as `hurdle vm` NAME.
# With HISTORY (a name), the run is recorded in CACHE/history/NAME.sqlite (kept by the action
# in actions/cache) and what changed since the run before is added to the summary; with
# EXPECTATIONS (a file in the checkout), its known failures are applied.
# `run-in-container.sh shell` (hurdle-shell, a later step's `shell:`): the script on standard
# input run by `hurdle vm exec LEAVE_RUNNING` in the workspace synced in, HURDLE_COPY_BACK's
# paths (one per line) brought back, ENVS forwarded; exits with the script's status.
set -euo pipefail
cache=${HURDLE_CACHE_DIR:-$HOME/.cache/hurdle}
workspace=${GITHUB_WORKSPACE:-$PWD}
history=
if [ -n "${HISTORY:-}" ]; then
  case "$HISTORY" in
    *[!A-Za-z0-9._-]* | .*)
      echo "::error::history: expected a name of letters, digits, '.', '_' and '-', found '$HISTORY'"
      exit 2
      ;;
  esac
  mkdir -p "$cache/history"
  history="$cache/history/$HISTORY.sqlite"
fi

# What changed since the run before, after the summary (the history's digest), when there is
# a history.
what_changed() {
  if [ -n "$history" ] && [ -f "$history" ]; then
    { echo; echo '### What changed'; echo; echo '```text'
      hurdle history --history "$history" digest --since previous || true
      echo '```'; } >>"$REPORTS/summary.md"
  fi
}

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

# A later step's script, in the machine the first step left running.
shell_step() {
  local script line name
  local -a exec_args
  script=$(cat)
  exec_args=(vm exec "$LEAVE_RUNNING" --sync "$workspace" --timeout "${TIMEOUT:-1h}")
  while IFS= read -r line; do
    if [ -n "$line" ]; then exec_args+=(--copy-back "$line"); fi
  done <<<"${HURDLE_COPY_BACK:-}"
  for name in ${ENVS:-}; do exec_args+=(--env "$name"); done
  hurdle "${exec_args[@]}" -- sh -e -c "$script"
}
if [ "${1:-}" = "shell" ]; then
  status=0
  shell_step || status=$?
  exit "$status"
fi

deb_dir=${HURDLE_DEB_DIR:-/hurdle-deb}
if compgen -G "$deb_dir/hurdle_*.deb" >/dev/null; then
  apt-get update -qq
  # Without QEMU's recommends (its GUI and GStreamer: a minute of a job's time); ssh, the
  # certificates for image downloads and xz, which a run needs, by name.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "$deb_dir"/hurdle_*.deb openssh-client ca-certificates xz-utils
fi
if [ -n "$IMAGE" ]; then hurdle image fetch "$IMAGE"; fi

# One script in the guest: hurdle exec, with the prepared machine from the previous job.
run_script() {
  local packed="$cache/packed" restored="" status=0 pack line name
  local -a exec_args unpack_args=(cache unpack)
  if [ "${TRUST_UNSIGNED:-false}" = "true" ]; then unpack_args+=(--trust-unsigned); fi
  if [ "${TRAVEL:-true}" = "true" ]; then
    for pack in "$packed"/*.tar.zst; do
      [ -e "$pack" ] || continue
      echo "::group::hurdle: the prepared machine from the cache"
      if hurdle "${unpack_args[@]}" "$pack"; then restored=1; else
        echo "::warning::the cached machine $pack could not be restored; it is made anew"
      fi
      echo "::endgroup::"
    done
  fi
  exec_args=(exec --machine "${MACHINE:-hurd-amd64}" --accel "${ACCEL:-kvm}" --report-dir "$REPORTS"
        --junit "$REPORTS/junit.xml" --timeout "${TIMEOUT:-1h}")
  if [ -n "$IMAGE" ]; then exec_args+=(--image "$IMAGE"); fi
  if [ -n "${PREPARE:-}" ]; then exec_args+=(--prepare "$PREPARE"); fi
  while IFS= read -r line; do
    if [ -n "$line" ]; then exec_args+=(--copy-back "$line"); fi
  done <<<"${COPY_BACK:-}"
  while IFS= read -r line; do
    if [ -n "$line" ]; then exec_args+=(--results "$line"); fi
  done <<<"${RESULTS:-}"
  for name in ${ENVS:-}; do exec_args+=(--env "$name"); done
  if [ "$KEEP" = "true" ]; then exec_args+=(--keep-failed-state); fi
  if [ -n "${LEAVE_RUNNING:-}" ]; then exec_args+=(--leave-running "$LEAVE_RUNNING"); fi
  hurdle "${exec_args[@]}" -- sh -e -c "$RUN" || status=$?
  # The next job starts from this one's machine: packed when it was made here (a restored one
  # is in the cache already, under the same key).
  if [ "${TRAVEL:-true}" = "true" ] && [ -z "$restored" ]; then
    echo "::group::hurdle: keeping the prepared machine for the next job"
    mkdir -p "$packed"
    hurdle cache pack --suite exec --to "$packed/machine.tar.zst" ||
      echo "::warning::the prepared machine could not be packed; the next job prepares its own"
    echo "::endgroup::"
  fi
  if [ -n "$history" ] && [ -f "$REPORTS/junit.xml" ]; then
    hurdle history --history "$history" add "$REPORTS/junit.xml" --junit "$REPORTS/junit.xml" \
      ${EXPECTATIONS:+--expectations "$EXPECTATIONS"} || true
  fi
  hurdle report summary "$REPORTS/junit.xml" >"$REPORTS/summary.md" || true
  what_changed
  return "$status"
}
if [ -n "${RUN:-}" ]; then
  status=0
  run_script || status=$?
  exit "$status"
fi

read -r -a suites <<<"$SUITE"
read -r -a extra <<<"$ARGS"
if [ -n "$SHARD" ]; then extra+=(--shard "$SHARD"); fi
if [ "$KEEP" = "true" ]; then extra+=(--keep-failed-state); fi
if [ -n "$history" ]; then extra+=(--history "$history"); fi
if [ -n "${EXPECTATIONS:-}" ]; then extra+=(--expectations "$EXPECTATIONS"); fi
status=0
hurdle run "${suites[@]}" --accel "${ACCEL:-kvm}" --junit "$REPORTS/junit.xml" \
  --report-dir "$REPORTS" "${extra[@]}" || status=$?
hurdle report summary "$REPORTS/junit.xml" >"$REPORTS/summary.md" || true
what_changed
exit "$status"
