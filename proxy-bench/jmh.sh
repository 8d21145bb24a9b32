#!/usr/bin/env bash
# Runs Remora's JMH benchmarks with the GC profiler and prints ns/op and B/op (bytes allocated
# per operation) as one markdown table; also written to proxy-bench/results/jmh-<date>.md.
#
#   proxy-bench/jmh.sh                     every benchmark (default JMH settings of each class)
#   proxy-bench/jmh.sh RouteLookup         only benchmarks whose name matches the regex
#   QUICK=1 proxy-bench/jmh.sh             1 warm-up + 2 measured 1-s iterations (a smoke run)
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 proxy-bench/jmh.sh   another JDK
# Extra JMH options go after the regex, e.g. proxy-bench/jmh.sh Route -p shape=1000x10
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR=$ROOT/proxy-bench/target/benchmarks.jar
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
if [[ "${REBUILD:-0}" == 1 || ! -f "$JAR" ]]; then
  (cd "$ROOT" && mvn -B -q -DskipTests package -pl proxy-bench -am)
fi
FILTER=${1:-.}
shift || true
OPTS=()
[[ "${QUICK:-0}" == 1 ]] && OPTS+=(-wi 1 -i 2 -w 1s -r 1s -f 1)
CSV=$(mktemp /tmp/jmh.XXXXXX.csv)
trap 'rm -f "$CSV"' EXIT
"$JAVA" -jar "$JAR" "$FILTER" -prof gc -rf csv -rff "$CSV" "${OPTS[@]}" "$@" >&2

DATE=$(date -u +%Y-%m-%dT%H%M%SZ)
# QUICK runs only check that things work: they go to results/quick/ (git-ignored).
RESULTS=$ROOT/proxy-bench/results
[[ "${QUICK:-0}" == 1 ]] && RESULTS=$RESULTS/quick
mkdir -p "$RESULTS"
OUT=$RESULTS/jmh-$DATE.md
{
  echo "# JMH $DATE"
  echo
  echo "- $(nproc) cores, kernel $(uname -r), $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo); $("$JAVA" -version 2>&1 | head -1)"
  echo
  echo "| Benchmark | Params | ns/op | ± | B/op |"
  echo "|---|---|---:|---:|---:|"
  # JMH's CSV: "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit",params...
  # (strings quoted, numbers bare; no field here holds a comma)
  awk -F, '
    { sub(/\r$/, ""); for (i = 1; i <= NF; i++) gsub(/^"|"$/, "", $i) }
    NR == 1 { for (i = 8; i <= NF; i++) pname[i] = substr($i, 8); next }
    {
      p = ""; for (i = 8; i <= NF; i++) if ($i != "") p = p (p == "" ? "" : ",") pname[i] "=" $i
      n = split($1, parts, ":"); name = parts[1]; key = name SUBSEP p
      if (n == 1) { order[++cnt] = key; score[key] = $5; err[key] = $6; nm[key] = name; pp[key] = p }
      else if ($1 ~ /gc\.alloc\.rate\.norm$/) alloc[key] = $5
    }
    END {
      for (k = 1; k <= cnt; k++) {
        key = order[k]; short = nm[key]; sub(/^io\.remora\.bench\.jmh\./, "", short)
        e = (err[key] ~ /^[0-9.eE+-]+$/) ? sprintf("%.1f", err[key]) : "–"
        a = (key in alloc) ? sprintf("%.1f", alloc[key]) : "–"
        printf "| %s | %s | %.1f | %s | %s |\n", short, (pp[key] == "" ? "–" : pp[key]), score[key], e, a
      }
    }' "$CSV"
} | tee "$OUT"
