#!/usr/bin/env bash
# Benchmarks against PyTorch on this machine, in one run (see docs/benchmarks.md). Installs the peer
# (Debian's python3-torch, CPU) when missing, builds the runner, and writes docs/bench/report.md,
# docs/bench/results.jsonl and docs/bench/fwrnn-scaling.png (language-model sections: docs/bench/lm-report.md and
# lm-results.jsonl; DeltaNet sections: docs/bench/deltanet-report.md,
# deltanet-results.jsonl, deltanet-scaling.png; SGEMM against OpenBLAS: docs/bench/gemm-report.md). Extra arguments go
# to the runner, e.g.
#   bench/run.sh --threads 1 --repeats 5          (defaults)
#   bench/run.sh --quick --out /tmp/bench          (one round, tiny scaling sweep)
#   bench/run.sh --only fwrnn-train,fwrnn-stream
#   bench/run.sh --only deltanet-op,deltanet-stream,deltanet-scaling
#   bench/run.sh --only lm-train,lm-generate
#   bench/run.sh --only gemm
set -euo pipefail
cd "$(dirname "$0")/.."
# The peer at its best: Debian's PyTorch uses the libblas.so.3 the alternatives select, the slow reference BLAS unless
# OpenBLAS is installed (installing libopenblas0-pthread switches the alternative). The runner checks the peer's own
# matrix-multiply speed and refuses to report ratios against the reference BLAS.
if ! /usr/bin/python3 -c "import torch" >/dev/null 2>&1 || ! dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
    echo "installing the PyTorch peer (python3-torch, CPU) and OpenBLAS with apt" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-pthread >/dev/null
fi
dotnet build bench/FastWeights.Bench -c Release -v quiet -nologo >/dev/null
exec dotnet bench/FastWeights.Bench/bin/Release/net10.0/FastWeights.Bench.dll report "$@"
