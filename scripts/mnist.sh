#!/usr/bin/env bash
# The main job: builds the examples module and trains the MNIST MLP, passing every argument on:
#   scripts/mnist.sh --optimizer rmsprop --epochs 3      (scripts/mnist.sh --help lists the options)
# The build is quiet (Maven prints only a failed build, and then its exit code is this script's).
# Then the program runs on a JDK 25 with plain `java`, so what the terminal shows is the program's
# own output and the exit code is the program's: 0 trained, 1 a file or the training failed,
# 2 a command line that cannot work. Plots go to ./out/ under the current directory.
# MNIST_SKIP_BUILD=1 runs what the last build left (the examples' tests do so from inside a build).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/benchmarks/jdk25.sh"

if [ -z "${MNIST_SKIP_BUILD:-}" ]; then
  (cd "$root" && ./mvnw -q -B -pl examples -am package -DskipTests) || exit $?
fi
classpath="$root/examples/target/runtime-classpath.txt"
if [ ! -f "$classpath" ]; then
  echo "$(basename "$0"): $classpath is missing; run without MNIST_SKIP_BUILD to build it" >&2
  exit 1
fi

# The JVM announces the incubator module at every start, on stderr; that line is about the JVM,
# not this run, so it is the one line filtered out (stdout goes straight through on fd 3).
{
  "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -cp "$root/examples/target/classes:$(cat "$classpath")" dev.panamax.examples.mnist.MnistTrainer "$@" \
    2>&1 1>&3 3>&- | grep -v --line-buffered '^WARNING: Using incubator modules: jdk.incubator.vector$' >&2
  status=${PIPESTATUS[0]}
} 3>&1
exit "$status"
