#!/usr/bin/env bash
# Where a benchmark workload spends its time: samples one FastWeights.Bench workload with Linux perf and prints the
# methods with the most samples (self time), then the share of the callers named by --focus (time including callees).
#   bench/profile.sh deltanet-stream --threads 1
#   bench/profile.sh deltanet-op --length 2048 --threads 1
#   bench/profile.sh fwrnn-stream --hidden 100 --threads 1
# Installs linux-perf when missing. The JIT writes /tmp/perf-PID.map (DOTNET_PerfMapEnabled=1) so perf can name
# managed methods; W^X double mapping is turned off for the run (DOTNET_EnableWriteXorExecute=0), or perf sees
# anonymous memory. The profile includes the workload's set-up (building the model, random inputs).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
if ! command -v perf >/dev/null 2>&1; then
    echo "installing linux-perf with apt" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >/dev/null
fi
dotnet build bench/FastWeights.Bench -c Release -v quiet -nologo >/dev/null
data=$(mktemp /tmp/fastweights-perf.XXXXXX)
trap 'rm -f "$data"' EXIT
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 perf record -q -F 2999 -g -o "$data" \
    dotnet bench/FastWeights.Bench/bin/Release/net10.0/FastWeights.Bench.dll "$@" >/dev/null
echo "self time (top 15):"
perf report -i "$data" --no-children --sort symbol --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -15 |
    sed -E 's/\[Optimized\]//; s/\(valuetype[^)]*\)|\([^)]*\)//g; s/[ -]+$//' | cut -c1-150
