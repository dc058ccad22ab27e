# Sourced by ./hearth, ./mvnw and .ci/run: makes JAVA_HOME point at a JDK 25 or newer.
# Order: $JAVA_HOME if it is 25+, then /usr/lib/jvm/temurin-25-jdk-amd64. Fails with a clear message.
hearth_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}
hearth_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    major=$(hearth_java_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then return 0; fi
  fi
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64; do
    if [ -x "$candidate/bin/java" ]; then
      JAVA_HOME=$candidate
      export JAVA_HOME
      return 0
    fi
  done
  echo "hearth: JDK 25 not found. Set JAVA_HOME to a JDK 25 installation" \
       "(looked at \$JAVA_HOME=${JAVA_HOME:-<unset>} and /usr/lib/jvm/temurin-25-jdk-amd64)." >&2
  return 1
}
