#!/usr/bin/env bash
# Builds a fresh consumer project the way the README says (its Maven snippet, its Quick start
# code) against the artifacts installed in the local Maven repository, runs it with the README's
# JVM flags, and checks its output. Run after `./mvnw install` (scripts/test.sh does both).
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/jdk25.sh

dir=target/consumer-test
rm -rf "$dir"
mkdir -p "$dir/src/main/java"

# The README's dependency snippet, between its markers, without the code fence.
snippet=$(sed -n '/<!-- consumer-pom-start -->/,/<!-- consumer-pom-end -->/p' README.md | grep -v '^<!--\|^```')
[ -n "$snippet" ] || { echo "consumer-test: no dependency snippet between the markers in README.md" >&2; exit 1; }
cat > "$dir/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>consumer</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>25</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
$snippet
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.14.0</version>
      </plugin>
    </plugins>
  </build>
</project>
POM

# The README's Quick start code, as the body of a main method.
{
  echo 'public class Main {'
  echo '    public static void main(String[] args) throws Exception {'
  sed -n '/^## Quick start/,/^## /p' README.md | sed -n '/^```java/,/^```/p' | grep -v '^```' | grep -v '^import '
  echo '    }'
  echo '}'
} > "$dir/src/main/java/Main.java"
sed -n '/^## Quick start/,/^## /p' README.md | sed -n '/^```java/,/^```/p' | grep '^import ' \
  | cat - "$dir/src/main/java/Main.java" > "$dir/Main.java.tmp" && mv "$dir/Main.java.tmp" "$dir/src/main/java/Main.java"

# Compile with the JDK 25 the README asks for. Panamax resolves from the local repository (where
# `mvnw install` put it); plugins come from Maven Central like any project's.
JAVA_HOME="$(dirname "$(dirname "$java")")" ./mvnw -q -B -f "$dir/pom.xml" package dependency:build-classpath \
  -Dmdep.outputFile=classpath.txt
cp="$dir/target/classes:$(cat "$dir/classpath.txt")"
out=$("$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$cp" Main 2>&1)
echo "$out"
# Quick start prints the weights after one Adam step of 0.1 (about [0.9, 2.1, 2.9]).
echo "$out" | grep -Eq '^\[0\.9[0-9]*, 2\.(1|09)[0-9]*, 2\.9[0-9]*\]$' \
  || { echo "consumer-test: unexpected output from the README's Quick start" >&2; exit 1; }
if echo "$out" | grep -q 'scalar reference kernels'; then
  echo "consumer-test: the consumer fell back to the scalar kernels; the SIMD kernels were not picked" >&2
  exit 1
fi
echo "consumer-test: a fresh project built from the README against the installed artifacts runs"
