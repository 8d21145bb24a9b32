#!/usr/bin/env bash
# Runs the harness on Remora alone once per variant (JVM, flags, transport) and prints one row per
# variant: the figures that "What we tried" in proxy-bench/README.md reports.
#
#   proxy-bench/load/compare-remora.sh            the default variants below
#   VARIANTS_FILE=my.txt proxy-bench/load/compare-remora.sh
# A variants file has one variant a line: NAME|JAVA_HOME (empty: default java)|JVM flags.
# Durations follow run.sh's environment (QUICK=1, DURATION, CR_DURATION, ...). ROUNDS=2 repeats
# the whole list, interleaved, to show the run-to-run spread.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BASE="-Xss512k -XX:ReservedCodeCacheSize=48m -XX:MaxDirectMemorySize=64m -Dio.netty.leakDetection.level=disabled"
DEFAULT_VARIANTS="serial-64m-pretouch||-XX:+UseSerialGC -Xms64m -Xmx64m -XX:+AlwaysPreTouch $BASE
parallel-64m||-XX:+UseParallelGC -Xms64m -Xmx64m $BASE
g1-64m||-XX:+UseG1GC -Xms64m -Xmx64m $BASE
serial-32m||-XX:+UseSerialGC -Xms32m -Xmx32m $BASE
serial-256m||-XX:+UseSerialGC -Xms256m -Xmx256m $BASE
serial-64m-nio||-XX:+UseSerialGC -Xms64m -Xmx64m -XX:+AlwaysPreTouch -Dremora.transport=nio $BASE
serial-64m-jdk25|/usr/lib/jvm/temurin-25-jdk-amd64|-XX:+UseSerialGC -Xms64m -Xmx64m -XX:+AlwaysPreTouch $BASE"
VARIANTS=$( [[ -n "${VARIANTS_FILE:-}" ]] && cat "$VARIANTS_FILE" || echo "$DEFAULT_VARIANTS")
OUT=$(mktemp -d /tmp/remora-compare.XXXXXX)
ROUNDS=${ROUNDS:-1}

cell() { # FILE LABEL-PREFIX -> the Remora column
  awk -F' \\| ' -v l="$2" 'index($1, "| " l) == 1 {print $3; exit}' "$1"
}
echo "| Variant | H1 req/s | H1 CPU s/1k | H2 req/s | TCP MB/s | @1k/s p99 ms | @1k/s CPU s/1k | @1k/s peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for round in $(seq 1 "$ROUNDS"); do
  while IFS='|' read -r name jhome opts; do
    [[ -z "$name" ]] && continue
    dir=$OUT/$name-$round
    mkdir -p "$dir"
    if [[ -n "$jhome" && ! -x "$jhome/bin/java" ]]; then echo "| $name | (no $jhome) |||||||"; continue; fi
    JAVA_HOME_ARG=()
    [[ -n "$jhome" ]] && JAVA_HOME_ARG=(JAVA_HOME="$jhome")
    env "${JAVA_HOME_ARG[@]}" TARGETS=remora REMORA_JAVA_OPTS="$opts" RESULTS_DIR="$dir" \
      "$HERE/run.sh" >"$dir/stdout" 2>"$dir/stderr" || true
    f=$(ls "$dir"/*.md 2>/dev/null | head -1)
    if [[ -z "$f" ]]; then echo "| $name | (failed, see $dir) |||||||"; continue; fi
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" \
      "$(cell "$f" "H1 keep-alive req/s")" "$(cell "$f" "H1 proxy CPU")" "$(cell "$f" "H2 req/s")" \
      "$(cell "$f" "TCP transfer")" "$(cell "$f" "@1000/s p99 ms")" "$(cell "$f" "@1000/s proxy CPU")" \
      "$(cell "$f" "@1000/s proxy peak RSS")"
  done <<<"$VARIANTS"
done
echo
echo "raw results: $OUT" >&2
