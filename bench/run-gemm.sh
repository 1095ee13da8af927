#!/usr/bin/env bash
# SGEMM benchmark, ours vs OpenBLAS (see docs/benchmarks.md). Extra arguments go to the runner,
# e.g. bench/run-gemm.sh --sizes 256 --threads 1 --repeats 21
set -euo pipefail
cd "$(dirname "$0")/.."
if ! ls /usr/lib/*-linux-gnu/libopenblas.so.0 >/dev/null 2>&1; then
    echo "installing OpenBLAS for the comparison (the library itself does not use it)" >&2
    apt-get update -qq && apt-get install -y -qq libopenblas0-pthread >/dev/null
fi
# OpenBLAS tuning overrides slow it down on this machine: let it detect the core itself.
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    dotnet run -c Release --project bench/FastWeights.Bench -- gemm "$@"
