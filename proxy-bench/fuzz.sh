#!/usr/bin/env bash
# Long runs of the fuzzers that every build runs for a few seconds (CodecFuzzTest,
# RouteMatcherFuzzTest): the HTTP/1.1 and HTTP/2 codecs over real sockets, and the route matcher.
# Netty's leak detector is paranoid; a leak, an exception reaching a pipeline's end, a hang or a
# throwing lookup fails the run, and the seed printed first replays it.
#
#   proxy-bench/fuzz.sh                 10 minutes each
#   proxy-bench/fuzz.sh 3600            an hour each
#   proxy-bench/fuzz.sh 600 12345       with a fixed seed
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH=${1:-600}
SEED=${2:-$(date +%s%N)}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
(cd "$ROOT" && mvn -B -q -DskipTests test-compile -pl proxy-core \
  && mvn -B -q dependency:build-classpath -pl proxy-core -Dmdep.outputFile=target/fuzz-classpath.txt)
CP=$ROOT/proxy-core/target/test-classes:$ROOT/proxy-core/target/classes:$(cat "$ROOT/proxy-core/target/fuzz-classpath.txt")
OPTS=(-Xmx512m -Dio.netty.leakDetection.level=paranoid -Dio.netty.leakDetection.targetRecords=4)
"$JAVA" "${OPTS[@]}" -cp "$CP" io.remora.route.RouteFuzzer "$SECONDS_EACH" "$SEED"
"$JAVA" "${OPTS[@]}" -cp "$CP" io.remora.http.CodecFuzzer "$SECONDS_EACH" "$SEED"
