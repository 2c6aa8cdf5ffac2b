# Sourced by the benchmark scripts and scripts/mnist.sh: sets $java to a JDK 25's java (JAVA_HOME,
# then where the Maven toolchains plugin also looks: /usr/lib/jvm, ~/.jdks, ~/.sdkman, ~/.m2/jdks,
# /opt/java, macOS's folder, then the java on PATH), or stops the script with a message naming them.
java=""
for home in "${JAVA_HOME:-}" /usr/lib/jvm/*25* "$HOME"/.jdks/*25* "$HOME"/.sdkman/candidates/java/25* \
    "$HOME"/.m2/jdks/*25* /opt/java/*25* /Library/Java/JavaVirtualMachines/*25*/Contents/Home \
    "$(dirname "$(dirname "$(command -v java 2>/dev/null || echo /none/bin/java)")")"; do
  if [ -n "$home" ] && [ -x "$home/bin/java" ] && "$home/bin/java" -version 2>&1 | grep -q 'version "25'; then
    java="$home/bin/java"
    break
  fi
done
[ -n "$java" ] || { echo "$(basename "$0"): no JDK 25 found (JAVA_HOME, /usr/lib/jvm, ~/.jdks, ~/.sdkman, ~/.m2/jdks, /opt/java, PATH)" >&2; exit 1; }
