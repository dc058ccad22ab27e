#!/usr/bin/env bash
# Starts the test registry (dev.hearth.store.testing.TestRegistryMain) serving the tiny test models, for
# trying `hearth pull --insecure 127.0.0.1:PORT/library/tiny:q8` by hand. Usage: test-registry.sh [PORT [BYTES_PER_SECOND]]
# Needs a build first: ./mvnw -q -B -o install -DskipTests (from the repository root).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)
. "$root/.mvn/jdk.sh"
hearth_find_jdk
cp="$root/hearth-store/target/test-classes:$root/hearth-store/target/classes:$root/hearth-core/target/classes"
for jar in "$root"/hearth-cli/target/lib/*.jar; do cp="$cp:$jar"; done
exec "$JAVA_HOME/bin/java" -Dhearth.testdata="$root/testdata" -cp "$cp" dev.hearth.store.testing.TestRegistryMain "$@"
