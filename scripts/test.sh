#!/usr/bin/env bash
# The test run of CI (.ci/run) and of anyone who wants the OpenCL tests to run rather than skip:
# installs PoCL (an OpenCL implementation on the CPU) when it is missing and we can, points its
# kernel cache at a writable directory, and runs the README's test command with OpenCL required,
# so that a missing OpenCL device fails the gpu-opencl tests instead of skipping them.
set -euo pipefail
cd "$(dirname "$0")/.."

have_opencl_device() {
  # The ICD loader finds drivers through /etc/OpenCL/vendors/*.icd.
  ls /etc/OpenCL/vendors/*.icd >/dev/null 2>&1 \
    && { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q 'libOpenCL\.so\.1'
}

if ! have_opencl_device; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing PoCL (OpenCL on the CPU) for the gpu-opencl tests..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ocl-icd-libopencl1 pocl-opencl-icd >/dev/null
  else
    echo "No OpenCL driver found and cannot install PoCL (needs root and apt-get);" \
         "install ocl-icd-libopencl1 and pocl-opencl-icd, or another OpenCL driver." >&2
  fi
fi

# PoCL caches compiled kernels under $HOME/.cache by default, which may not be writable.
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$PWD/target/pocl-cache}"
mkdir -p "$POCL_CACHE_DIR"

# install rather than verify: the same tests, then the library jars go to the local repository,
# where the consumer test builds a fresh project against them as a user would.
./mvnw -B install -Dpanamax.opencl.required=true "$@"
bash scripts/consumer-test.sh
