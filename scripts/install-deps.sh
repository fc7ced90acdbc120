#!/usr/bin/env bash
# Installs every Debian package that building, testing and benchmarking tnad needs.
# Non-interactive and idempotent: packages already present are skipped by apt-get.
#
# BLAS note: we install the OpenMP build of OpenBLAS (libopenblas-openmp-dev), never
# libopenblas-dev: the latter pulls the pthread build, which wins the libblas alternative
# (priority 100 vs 95) and fights OpenMP for the cores.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config git
  libopenblas-openmp-dev liblapacke-dev
  libeigen3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libhdf5-dev hdf5-tools
  libtomlplusplus-dev libcli11-dev libfmt-dev nlohmann-json3-dev
  libopenmpi-dev openmpi-bin
  python3-numpy python3-h5py python3-matplotlib
  clang libclang-rt-14-dev  # libFuzzer: the fuzz smoke tests (fuzz/), scripts/fuzz.sh, scripts/sanitize.sh
)
# Optional peer for benchmarks (PyTorch from Debian); not needed to build or test.
OPTIONAL=(python3-torch)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all required packages present"
fi

if [ "${TNAD_WITH_TORCH:-0}" = "1" ]; then
  for p in "${OPTIONAL[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || {
      $SUDO apt-get update -qq; $SUDO apt-get install -y -qq --no-install-recommends "$p"; }
  done
fi

# Make sure the OpenMP OpenBLAS is the selected BLAS/LAPACK provider.
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
for alt in "libblas.so.3-$arch" "liblapack.so.3-$arch"; do
  cand=$(update-alternatives --list "$alt" 2>/dev/null | grep openblas-openmp | head -1 || true)
  if [ -n "$cand" ]; then $SUDO update-alternatives --set "$alt" "$cand" >/dev/null; fi
done
