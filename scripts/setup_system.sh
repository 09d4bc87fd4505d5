#!/usr/bin/env bash
# Debian packages the firmware side needs: the Arm cross compiler with newlib and
# libstdc++, QEMU for Cortex-M boards, Chromium for the HTML report check, and clang-format
# (the C kernel library's style check, tests/test_kernel_library.py).
# cmake builds the library export as a user would (add_subdirectory, tests/test_exports.py).
# As root, installs what is missing; otherwise prints the exact apt command.
set -euo pipefail
PACKAGES="gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm chromium clang-format cmake"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: not a Debian system; install these yourself for firmware builds/QEMU:$missing" >&2
  exit 0
fi
if [ "$(id -u)" = "0" ]; then
  echo "installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends $missing >/dev/null
else
  echo "note: missing Debian packages; firmware build, QEMU, HTML and C style checks will be skipped. Install them with:" >&2
  echo "  sudo apt-get install -y$missing" >&2
fi
