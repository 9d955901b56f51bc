#!/usr/bin/env bash
# `npm run setup`: the system packages fer-ga builds and runs against, then `npm ci`
# (which builds the native addon and the TypeScript) for the Node that runs it.
#   libtorch-dev         libtorch 1.13 (CPU) and its CMake files
#   libopenblas0-openmp  an optimised BLAS: Debian's libtorch calls whatever libblas.so.3
#                        is selected, and the reference BLAS makes linear layers ~30× slower
#   libopencv-dev, opencv-data   image decoding and the Haar face cascade (preprocessing)
#   python3-torchvision  torchvision on the same libtorch: the reference the tests and
#                        `npm run bench` compare against
#   cmake, g++           the addon's build
#   chromium, fonts-dejavu-core   the headless browser the HTML report test renders in
#   redis-server         the queue's store (BullMQ) for `--queue` and `fer-ga worker`; the tests
#                        start their own instance on a free loopback port
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libtorch-dev libopenblas0-openmp libopencv-dev opencv-data python3-torch python3-torchvision cmake g++ chromium fonts-dejavu-core redis-server)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "fer-ga setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "fer-ga setup: run as root or install sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# An earlier install may have selected another BLAS; libtorch must reach OpenBLAS.
blas=$(update-alternatives --query "libblas.so.3-$(uname -m)-linux-gnu" 2>/dev/null | sed -n 's/^Value: //p' || true)
case "$blas" in
  *openblas*) ;;
  "") ;;
  *) echo "fer-ga setup: warning: libblas.so.3 points to $blas, not OpenBLAS; training will be slow" \
       "(fix: sudo update-alternatives --config libblas.so.3-$(uname -m)-linux-gnu)" >&2 ;;
esac

# opencv4nodejs builds against the system OpenCV (never downloads one), on every core.
export OPENCV4NODEJS_DISABLE_AUTOBUILD=1
export JOBS="${JOBS:-max}"
# onnxruntime-node ships its CPU binaries; its install step would fetch CUDA files from outside (the tests that install the package set it too).
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci

# Nothing is built for Node 24 here: the set-up builds what the user's Node runs. The Node 24
# pass of `npm test` fetches Node 24 and builds its copies of the non-Node-API addons the first
# time it needs them (scripts/node24-prepare.js, kept in build/node24/ and reused after).
