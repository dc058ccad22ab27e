#!/usr/bin/env bash
# Continuous-batching benchmark through the real server (see BENCHMARKS.md):
#   hearth-server/bench-batching.sh [MODEL.gguf] [threads] [tokens per stream] [streams]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
. .mvn/jdk.sh
hearth_find_jdk
./mvnw -q -B -o test-compile -pl hearth-server -am >/dev/null
./mvnw -q -B -o dependency:build-classpath -pl hearth-server -Dmdep.includeScope=test -Dmdep.outputFile="$root/hearth-server/target/bench.classpath" >/dev/null
cp="hearth-server/target/test-classes:hearth-server/target/classes:hearth-core/target/classes:hearth-chat/target/classes:hearth-store/target/classes:$(cat hearth-server/target/bench.classpath)"
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC \
  -cp "$cp" dev.hearth.server.bench.BatchingBenchmark "$@" 2> >(grep --line-buffered -v 'WARNING: Using incubator modules' >&2)
