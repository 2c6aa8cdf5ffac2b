#!/usr/bin/env bash
# Tribuo's Adam and AdaGrad against Panamax's through PanamaxOptimiser (TribuoOptimiserBenchmark),
# RUNS times (default 2) in separate JVMs, then the README's table in benchmarks/results/tribuo.md.
# About 2 minutes a run on 2 cores. Extra JMH options may follow, e.g. `benchmarks/tribuo.sh 1 -p shape=10x785`.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-2}"
shift || true

. benchmarks/jdk25.sh

./mvnw -q -B -pl benchmarks -am package -DskipTests
mkdir -p benchmarks/results
rm -f benchmarks/results/tribuo-*.json benchmarks/results/tribuo-*.log
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq 1 "$runs"); do
  "$java" -jar benchmarks/target/benchmarks.jar TribuoOptimiserBenchmark -f 1 -wi 2 -w 3s -i 3 -r 2s "$@" \
    -rf json -rff "benchmarks/results/tribuo-$run.json" > "benchmarks/results/tribuo-$run.log" 2>&1 \
    || { tail -20 "benchmarks/results/tribuo-$run.log" >&2; exit 1; }
done
{
  echo "Measured on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(date -u +%Y-%m-%d), \`benchmarks/tribuo.sh $runs\` ($runs runs of -f 1 -wi 2 -w 3s -i 3 -r 2s; load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg))."
  echo
  "$java" -cp benchmarks/target/benchmarks.jar dev.panamax.benchmarks.TribuoReport benchmarks/results/tribuo-*.json
} > benchmarks/results/tribuo.md
cat benchmarks/results/tribuo.md
