#!/usr/bin/env bash
# The action's "Run the suites" step: starts the Debian 12 container and runs
# run-in-container.sh in it, with the workspace, hurdle's cache folder, the package's folder
# and the action's own folder mounted, the inputs forwarded by name (their values never on a
# command line), and the runner's user named (HOST_UID/HOST_GID) so that what the container
# leaves goes back to it. With LEAVE_RUNNING the container outlives the step, and hurdle-shell
# (put on PATH) runs a later step's script in it.
# Environment: the step's inputs (see run-in-container.sh), GITHUB_WORKSPACE, GITHUB_ACTION_PATH,
# RUNNER_TEMP, HOME; GITHUB_ENV and GITHUB_PATH with LEAVE_RUNNING; HOST_UID and HOST_GID (default:
# the user running this script) get back what the container leaves. HURDLE_CONTAINER_ENGINE
# (default docker) and HURDLE_CONTAINER_IMAGE (default debian:bookworm) name another engine and
# base image: hurdle's container test runs this script with podman and a base image made by
# mmdebstrap.
set -euo pipefail
engine=${HURDLE_CONTAINER_ENGINE:-docker}
image=${HURDLE_CONTAINER_IMAGE:-debian:bookworm}
if [ -z "${SUITE:-}" ] && [ -z "${RUN:-}" ]; then
  echo "::error::the hurdle action needs a suite or a run script"
  exit 2
fi
mkdir -p "$HOME/.cache/hurdle" "$REPORTS"
# The variables `envs` names go into the container by name.
forward=()
for name in ${ENVS:-}; do forward+=(-e "$name"); done
# --shm-size: templates keep the guest RAM on tmpfs (Docker gives 64 MB by default).
options=(--shm-size=4g
  -v "$GITHUB_WORKSPACE:$GITHUB_WORKSPACE" -w "$GITHUB_WORKSPACE"
  -v "$HOME/.cache/hurdle:/root/.cache/hurdle" -v "$RUNNER_TEMP/hurdle-deb:/hurdle-deb:ro"
  -v "$GITHUB_ACTION_PATH:/hurdle-action:ro"
  -e GITHUB_ACTIONS -e GITHUB_WORKSPACE -e "HOST_UID=${HOST_UID:-$(id -u)}" -e "HOST_GID=${HOST_GID:-$(id -g)}"
  -e SUITE -e IMAGE -e SHARD -e ARGS -e REPORTS -e KEEP -e ACCEL
  -e RUN -e PREPARE -e COPY_BACK -e RESULTS -e ENVS -e MACHINE -e TIMEOUT -e TRAVEL
  -e HURDLE_PACK_KEY -e TRUST_UNSIGNED -e LEAVE_RUNNING -e HISTORY -e EXPECTATIONS
  "${forward[@]}")
# The action's first step made /dev/kvm usable on GitHub's runners; elsewhere (a host without
# KVM) the container runs QEMU under TCG (ACCEL=tcg).
if [ -c /dev/kvm ]; then options+=(--device /dev/kvm); fi
if [ -z "${LEAVE_RUNNING:-}" ]; then
  exec "$engine" run --rm "${options[@]}" "$image" /hurdle-action/run-in-container.sh
fi
if [ -z "${RUN:-}" ]; then
  echo "::error::leave-running needs a run script (the machine that goes on is its)"
  exit 2
fi
container="hurdle-$LEAVE_RUNNING"
"$engine" run -d --init --name "$container" "${options[@]}" "$image" sleep infinity
mkdir -p "$RUNNER_TEMP/hurdle-bin"
cp "$GITHUB_ACTION_PATH/hurdle-shell" "$RUNNER_TEMP/hurdle-bin/"
echo "$RUNNER_TEMP/hurdle-bin" >>"$GITHUB_PATH"
{ echo "HURDLE_CONTAINER=$container"; echo "HURDLE_ENVS=${ENVS:-}"; } >>"$GITHUB_ENV"
exec "$engine" exec "$container" /hurdle-action/run-in-container.sh
