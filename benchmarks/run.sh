#!/usr/bin/env bash
# Builds the benchmarks, runs the roofline subset, and writes benchmarks/results/roofline.md
# (the tables in the README). `quick` (the default) takes about 20 minutes on 2 cores; `full`
# runs every algorithm, size and thread count of the paths and every dtype and kernel of the
# kernels' table (hours). Extra JMH options may follow, e.g. `benchmarks/run.sh quick -i 10`.
# ND4J's Adam as a peer (downloads ND4J; rebuild without -Pnd4j afterwards): ./mvnw -q -B -Pnd4j -pl benchmarks -am package -DskipTests && java -jar benchmarks/target/benchmarks.jar 'Nd4jAdamBenchmark|PeerBenchmark'
#
# Numbers drift 15-20% within minutes on shared machines: the paths' table compares contenders
# timed in the same rounds, iteration by iteration. RUNS=3 benchmarks/run.sh repeats the paths'
# runs (about 20 minutes each) and the table then gives the median of the runs' medians with
# their min and max.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-quick}"
shift || true

. benchmarks/jdk25.sh

./mvnw -q -B -pl benchmarks -am package -DskipTests
mkdir -p benchmarks/results
rm -f benchmarks/results/roofline-*.json benchmarks/results/roofline-*.log
jmh() { # name, benchmark, JMH options...
  local name="$1" benchmark="$2"; shift 2
  "$java" -jar benchmarks/target/benchmarks.jar "$benchmark" -f 1 "$@" \
    -rf json -rff "benchmarks/results/roofline-$name.json" > "benchmarks/results/roofline-$name.log" 2>&1 \
    || { tail -20 "benchmarks/results/roofline-$name.log" >&2; exit 1; }
  grep -E "^$benchmark" "benchmarks/results/roofline-$name.log" || true
}
runs="${RUNS:-1}"
case "$mode" in
  quick)
    # The paths users take (applyGradients on off-heap tensors and on wrapped float[] arrays) in
    # rounds with the SIMD kernel, the probe and the plain Java loop: every algorithm at 16M
    # float32 elements, the three headline ones at 64M, 1 and 2 threads.
    timing=(-wi 3 -w 1s -i 6 -r 1s)
    for run in $(seq 1 "$runs"); do
      jmh "paths-16M-run$run" ProductPathBenchmark -p size=16777216 -p memory=offheap,heap "${timing[@]}" "$@"
      jmh "paths-64M-run$run" ProductPathBenchmark -p algorithm=ADAM,MOMENTUM,RMSPROP -p size=67108864 \
        -p memory=offheap,heap "${timing[@]}" "$@"
      # A program with both kinds of tensor: off-heap and wrapped steps in the same rounds.
      jmh "paths-mixed-run$run" ProductPathBenchmark -p algorithm=ADAM,MOMENTUM,RMSPROP -p size=16777216 -p memory=mixed \
        "${timing[@]}" "$@"
      # The 16-bit forms against float32 (Adam, momentum, Lion; bfloat16 slots, and bfloat16 variables
      # with their slots and stochastic rounding), and against their own limit.
      jmh "half-slots-run$run" HalfSlotsBenchmark -p halfType=BFLOAT16 "${timing[@]}" "$@"
    done
    # The same forms in float16 (compute-bound: their conversions take more work), at 16M only.
    jmh half-float16 HalfSlotsBenchmark -p halfType=FLOAT16 -p size=16777216 "${timing[@]}" "$@"
    # SIMD against scalar at 1M elements, 1 thread.
    jmh kernels-1M RooflineBenchmark -p dtype=FLOAT32 -p size=1048576 -p threads=1 -p impl=scalar,simd \
      -wi 3 -w 500ms -i 5 -r 500ms "$@" ;;
  full)
    jmh paths ProductPathBenchmark "$@"
    jmh half-slots HalfSlotsBenchmark "$@"
    jmh kernels RooflineBenchmark "$@" ;;
  *)
    echo "usage: benchmarks/run.sh [quick|full] [JMH options]" >&2; exit 2 ;;
esac
{
  simd=$(grep -qw avx512f /proc/cpuinfo && echo AVX-512 || { grep -qw avx2 /proc/cpuinfo && echo AVX2 || echo "no AVX2"; })
  echo "Measured on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $simd), $(date -u +%Y-%m-%d), \`RUNS=$runs benchmarks/run.sh $mode\`."
  echo
  "$java" -cp benchmarks/target/benchmarks.jar dev.panamax.benchmarks.RooflineReport benchmarks/results/roofline-*.json
} > benchmarks/results/roofline.md
cat benchmarks/results/roofline.md
