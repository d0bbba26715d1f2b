#!/usr/bin/env bash
# The Debian package of this build, as a user gets it: ci/package packs the build's install
# tree (CPack) and finds no lintian error in it; it declares what it runs on, and unpacked
# (dpkg-deb -x, no root, nowhere near /usr) its hurdle prints its version and validates the
# Hurd suites it ships, finding the profiles and the image lock it ships beside itself. The
# package is left in OUT_DIR, alone there: the container image is built from it (the
# container tests' fixture).
# Usage: check_deb.sh BUILD_DIR VERSION OUT_DIR
set -euo pipefail
build=$1
version=$2
out=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rm -rf "$out"
"$root/ci/package" --from "$build" "$out"
deb="$out/hurdle_${version}-1_$(dpkg --print-architecture).deb"
[ -f "$deb" ] || { echo "unexpected package name: $(ls "$out")"; exit 1; }

depends=$(dpkg-deb -f "$deb" Depends)
for needed in qemu-system-x86 qemu-utils e2fsprogs libssh-4 libcurl4; do
  case "$depends" in *"$needed"*) ;; *) echo "Depends lacks $needed: $depends"; exit 1 ;; esac
done

dpkg-deb -x "$deb" "$work/root"
for f in usr/bin/hurdle usr/share/hurdle/machines/hurd-amd64.yaml \
         usr/share/hurdle/images.lock.yaml usr/share/hurdle/scenarios/hurd/smoke.yaml \
         usr/share/hurdle/scenarios/examples/linux-mini.yaml usr/include/hurdle/hurdle.hpp \
         usr/share/doc/hurdle/copyright usr/share/doc/hurdle/changelog.Debian.gz; do
  [ -e "$work/root/$f" ] || { echo "the package lacks $f"; exit 1; }
done
found=""
for f in "$work"/root/usr/lib/cmake/hurdle/HurdleSuites.cmake \
         "$work"/root/usr/lib/*/cmake/hurdle/HurdleSuites.cmake; do
  [ -f "$f" ] && found=$f
done
[ -n "$found" ] || { echo "the package lacks the CMake package (HurdleSuites.cmake)"; exit 1; }

# From an empty folder, with nothing pointing at the source tree.
mkdir "$work/elsewhere"
cd "$work/elsewhere"
unset HURDLE_PROFILE_PATH HURDLE_IMAGE_LOCK HURDLE_GUEST_DIR
[ "$("$work/root/usr/bin/hurdle" --version)" = "hurdle $version" ] ||
  { echo "hurdle --version says: $("$work/root/usr/bin/hurdle" --version)"; exit 1; }
"$work/root/usr/bin/hurdle" validate "$work"/root/usr/share/hurdle/scenarios/hurd/*.yaml
echo "package ok: $(basename "$deb"), $(du -h "$deb" | cut -f1)"
