#!/usr/bin/env bash
# Builds the benchmarks, runs the roofline subset, and writes benchmarks/results/roofline.md
# (the table in the README). `quick` (the default) takes about 10 minutes on 2 cores; `full`
# runs every algorithm, dtype, size, kernel and thread count (hours). Extra JMH options may
# follow, e.g. `benchmarks/run.sh quick -p algorithm=ADAM`.
# ND4J's Adam as a peer (downloads ND4J; rebuild without -Pnd4j afterwards): ./mvnw -q -B -Pnd4j -pl benchmarks -am package -DskipTests && java -jar benchmarks/target/benchmarks.jar 'Nd4jAdamBenchmark|PeerBenchmark'
#
# Numbers drift 15-20% within minutes on shared machines: compare the roofline ratios of one
# run (kernel and probe are measured in the same run), and repeat.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-quick}"
shift || true

. benchmarks/jdk25.sh

./mvnw -q -B -pl benchmarks -am package -DskipTests
mkdir -p benchmarks/results
rm -f benchmarks/results/roofline-*.json benchmarks/results/roofline-*.log
jmh() { # name, JMH options...
  local name="$1"; shift
  "$java" -jar benchmarks/target/benchmarks.jar RooflineBenchmark -f 1 "$@" \
    -rf json -rff "benchmarks/results/roofline-$name.json" > "benchmarks/results/roofline-$name.log" 2>&1 \
    || { tail -20 "benchmarks/results/roofline-$name.log" >&2; exit 1; }
  grep -E '^RooflineBenchmark' "benchmarks/results/roofline-$name.log" || true
}
case "$mode" in
  quick)
    timing=(-wi 3 -w 500ms -i 5 -r 500ms)
    # The roofline: kernels and probe at 16M float32 elements, 1 and 2 threads.
    jmh large -p dtype=FLOAT32 -p size=16777216 -p threads=1,2 "${timing[@]}" "$@"
    # The three headline kernels far beyond any cache: 64M elements.
    jmh huge -p algorithm=ADAM,MOMENTUM,RMSPROP -p dtype=FLOAT32 -p size=67108864 -p threads=1,2 -p impl=simd,probe,java \
      "${timing[@]}" "$@"
    # SIMD against scalar at 1M elements, 1 thread.
    jmh medium -p dtype=FLOAT32 -p size=1048576 -p threads=1 -p impl=scalar,simd "${timing[@]}" "$@" ;;
  full)
    jmh all "$@" ;;
  *)
    echo "usage: benchmarks/run.sh [quick|full] [JMH options]" >&2; exit 2 ;;
esac
{
  echo "Measured on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(date -u +%Y-%m-%d), \`benchmarks/run.sh $mode\`."
  echo
  "$java" -cp benchmarks/target/benchmarks.jar dev.panamax.benchmarks.RooflineReport benchmarks/results/roofline-*.json
} > benchmarks/results/roofline.md
cat benchmarks/results/roofline.md
