#!/usr/bin/env bash
# Remora's memory at 1,000 req/s, with Native Memory Tracking's breakdown.
#
#   proxy-bench/load/memory.sh                         java -jar remora.jar (no JVM flags: the plain README way)
#   REMORA_CMD="bin/remora" proxy-bench/load/memory.sh  the launcher (its default flags)
#   REMORA_JAVA_OPTS="-Xmx64m ..." proxy-bench/load/memory.sh
#
# Starts nginx (one worker, the load harness's upstream) and Remora with the load harness's HTTP
# bootstrap and the default --concurrency (one worker per core, as the README runs it), pinned to
# CPU 0, then runs ConstantRateClient at CR_RATE req/s for CR_DURATION s from CPU 1. Reports the
# proxy's peak RSS within the constant-rate phase (VmHWM, reset after a warm-up), its RSS at the
# end of that phase (rss_at_rate_kb: the client's connections still open) and once the client has
# closed them (rss_end_kb), and `jcmd VM.native_memory summary` taken at the end, one line per NMT
# category (committed MiB), plus the time from the JVM's start to the listener answering (startup to ready), and where the
# RSS lies at the end (smaps.py: heap, class-data archives, libjvm, other files, anonymous) with the
# generations' sizes and GC counts.
# bin/remora's first run for a jar, JDK and flags first makes its class-data archive in a training
# JVM (ready_ms includes it), then maps it as the runs after it do. Run once before measuring (or set
# REMORA_CDS=off) so that both runs below see the same thing.
# NMT itself costs a little memory (its own category, reported); RSS figures without NMT are
# taken in a second run when NMT_ONLY is unset.
#
# Environment: CR_RATE=1000 CR_DURATION=30 CR_CONNECTIONS=10 CONCURRENCY (default: not given)
#   WRK_WARMUP=0 (seconds of wrk -c50 saturation before the constant-rate phase, as run.sh does;
#   0: the constant rate meets a cold JVM, whose C2 compilations weigh on the peak)
#   REMORA_JAR, REMORA_CMD (default "java $REMORA_JAVA_OPTS -jar $REMORA_JAR"), JAVA_HOME,
#   OUT (a file to append the markdown lines to), PORT_RANGE=20000-49999 (where the ports are picked),
#   NMT_ONLY=1 (only the run with NMT), SKIP_NMT=1 (only the run without: A/B series).
#   IDLE_CONNECTIONS=0: after the constant-rate phase (run without NMT), open this many keep-alive
#   HTTP/1.1 connections (one request each) and hold them: RSS and live heap per idle connection.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOAD="$ROOT/proxy-bench/load"
CR_RATE=${CR_RATE:-1000}
CR_DURATION=${CR_DURATION:-30}
CR_CONNECTIONS=${CR_CONNECTIONS:-10}
WRK_WARMUP=${WRK_WARMUP:-0}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-0}
REMORA_JAR=${REMORA_JAR:-$ROOT/proxy-xds/target/remora.jar}
BENCH_JAR=$ROOT/proxy-bench/target/benchmarks.jar
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JCMD=${JAVA_HOME:+$JAVA_HOME/bin/}jcmd
REMORA_JAVA_OPTS=${REMORA_JAVA_OPTS:-}
REMORA_CMD=${REMORA_CMD:-"$JAVA $REMORA_JAVA_OPTS -jar $REMORA_JAR"}

WORK=$(mktemp -d /tmp/remora-mem.XXXXXX)
# shellcheck source=lib.sh
. "$LOAD/lib.sh"
log() { echo "[memory.sh $(date +%H:%M:%S)] $*" >&2; }

now_ms() { date +%s%3N; }

pick_ports
render "$LOAD/nginx-upstream.conf" "$WORK/nginx-upstream.conf"
render "$LOAD/remora-http.yaml" "$WORK/remora-http.yaml"
mkdir -p "$WORK"/up-{body,temp,fastcgi,uwsgi,scgi}
taskset -c 0 nginx -c "$WORK/nginx-upstream.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
STARTED+=($!)


# IDLE_CONNECTIONS keep-alive HTTP/1.1 connections, one request each, then held idle: what each one
# costs in RSS (first batch, and a second batch after closing the first, which reuses what the
# first grew) and in live heap (class histograms before and after; the top growers are printed).
idle_connections() {
  local jpid=$1 n=$IDLE_CONNECTIONS fifo="$WORK/idle.fifo" r0 r1 h0 h1 r2 r3 batch
  "$JCMD" "$jpid" GC.class_histogram >"$WORK/idle-h0.txt" 2>/dev/null || true
  h0=$(awk '/^Total/{print $3}' "$WORK/idle-h0.txt")
  for batch in 1 2; do
    r0=$(awk '/^VmRSS:/{print $2}' /proc/$jpid/status)
    rm -f "$fifo"; mkfifo "$fifo"
    taskset -c 1 python3 "$LOAD/idle_holder.py" "${PORT[HTTP_PORT]}" "$n" <"$fifo" >"$WORK/idle.out" &
    local holder=$!
    exec 7>"$fifo"
    for _ in $(seq 1 600); do [[ -s "$WORK/idle.out" ]] && break; sleep 0.1; done
    sleep 3
    r1=$(awk '/^VmRSS:/{print $2}' /proc/$jpid/status)
    echo "idle_batch${batch}_open=$(cat "$WORK/idle.out") idle_batch${batch}_rss_per_conn_b=$(( (r1 - r0) * 1024 / n ))"
    if ((batch == 1)); then
      "$JCMD" "$jpid" GC.class_histogram >"$WORK/idle-h1.txt" 2>/dev/null || true
      h1=$(awk '/^Total/{print $3}' "$WORK/idle-h1.txt")
      echo "idle_heap_per_conn_b=$(( (h1 - h0) / n ))"
      # the classes that grew most, bytes per connection
      awk 'FNR==NR { if ($1 ~ /^[0-9]+:$/) b[$4]=$3; next }
           $1 ~ /^[0-9]+:$/ { d=$3-b[$4]; if (d>0) printf "%d %s\n", d/n, $4 }' n="$n" "$WORK/idle-h0.txt" "$WORK/idle-h1.txt" |
        sort -nr | head -12 | awk '{printf "idle_heap_top=%s B %s\n", $1, $2}'
    fi
    exec 7>&-
    wait "$holder" 2>/dev/null || true
    sleep 5 # the closed batch's memory settles (GC, TrimNativeHeapInterval) before the next
  done
}

run_once() { # NMT(0|1): prints "key=value" lines
  local nmt=$1 extra=()
  ((nmt)) && extra=(-XX:NativeMemoryTracking=summary)
  local cmd=($REMORA_CMD)
  # The NMT flag must reach the JVM: after "java" (plain) or through JAVA_TOOL_OPTIONS (launcher).
  local t0; t0=$(now_ms)
  if [[ "${cmd[0]}" == *java ]]; then
    taskset -c 0 "${cmd[0]}" "${extra[@]}" "${cmd[@]:1}" -c "$WORK/remora-http.yaml" ${CONCURRENCY:+--concurrency $CONCURRENCY} \
      >"$WORK/remora-$nmt.log" 2>&1 &
  else
    JAVA_TOOL_OPTIONS="${extra[*]}" taskset -c 0 "${cmd[@]}" -c "$WORK/remora-http.yaml" ${CONCURRENCY:+--concurrency $CONCURRENCY} \
      >"$WORK/remora-$nmt.log" 2>&1 &
  fi
  local pid=$!
  STARTED+=("$pid")
  local ready=""
  for _ in $(seq 1 600); do
    if http_ok "${PORT[HTTP_PORT]}"; then ready=$(($(now_ms) - t0)); break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  [[ -n "$ready" ]] || { log "remora did not answer"; tail -20 "$WORK/remora-$nmt.log" >&2; exit 1; }
  # the JVM may be a child of a launcher script
  local jpid; jpid=$(pgrep -P "$pid" java || echo "$pid")
  echo "ready_ms=$ready"
  if ((WRK_WARMUP > 0)); then
    # as the load harness (run.sh) runs it: saturation first, so the JIT has compiled the hot
    # path and the heap has met a burst before the constant-rate phase is measured
    taskset -c 1 wrk -t1 -c50 -d"${WRK_WARMUP}s" "http://127.0.0.1:${PORT[HTTP_PORT]}/" >/dev/null
  fi
  local res
  res=$(taskset -c 1 "$JAVA" -cp "$BENCH_JAR" io.remora.bench.load.ConstantRateClient \
    --url "http://127.0.0.1:${PORT[HTTP_PORT]}/" --rate "$CR_RATE" --duration "$CR_DURATION" \
    --connections "$CR_CONNECTIONS" --warmup 2 --watch-pids "$jpid" 2>&1 | grep '^RESULT' || true)
  echo "cr=$res"
  # at the rate: read by the client before its connections close; then after it
  echo "rss_at_rate_kb=$(sed -n 's/.* rss_kb=\([0-9]*\).*/\1/p' <<<"$res")"
  echo "rss_end_kb=$(awk '/^VmRSS:/{print $2}' /proc/$jpid/status)"
  echo "threads=$(ls /proc/$jpid/task | wc -l)"
  # where the RSS lies (heap, archives, libjvm, files, anonymous) and the generations' sizes: the
  # old generation's capacity is set by when its full collections ran, the run-to-run variable
  "$JCMD" "$jpid" GC.heap_info >"$WORK/heap-$nmt.txt" 2>/dev/null || true
  python3 "$LOAD/smaps.py" "$jpid" "$WORK/heap-$nmt.txt" || true
  awk '/generation/{ g=$1; for (i=1;i<=NF;i++) { if ($i=="total") t=$(i+1); if ($i=="used") u=$(i+1) }
        gsub(/[K,]/,"",t); gsub(/[K,]/,"",u); print "gen_" g "_kb=" t " used " u }' "$WORK/heap-$nmt.txt"
  "$JCMD" "$jpid" PerfCounter.print 2>/dev/null |
    awk -F= '/sun.gc.collector.0.invocations=/{y=$2} /sun.gc.collector.1.invocations=/{o=$2} END{print "gcs=young " y " full " o}'
  if ((IDLE_CONNECTIONS > 0 && nmt == 0)); then
    idle_connections "$jpid"
  fi
  if ((nmt)); then
    "$JCMD" "$jpid" VM.native_memory summary scale=KB >"$WORK/nmt.txt" 2>&1 || true
    awk '/^Total:/{match($0,/committed=[0-9]+/); print "nmt_total_kb=" substr($0,RSTART+10,RLENGTH-10)}
         /^-  *[A-Za-z]/{ name=$0; sub(/^- */,"",name); sub(/ *\(.*/,"",name); gsub(/ /,"_",name);
           match($0,/committed=[0-9]+/); print "nmt_" name "_kb=" substr($0,RSTART+10,RLENGTH-10)}' "$WORK/nmt.txt"
    grep -m1 -A0 'Metaspace' "$WORK/nmt.txt" >/dev/null || true
    "$JCMD" "$jpid" VM.classloader_stats >/dev/null 2>&1 || true
    echo "classes=$("$JCMD" "$jpid" PerfCounter.print 2>/dev/null | awk -F= '/java.cls.loadedClasses=/{l=$2} /java.cls.unloadedClasses=/{u=$2} END{print l-u}')"
    cp "$WORK/nmt.txt" "${NMT_COPY:-/dev/null}" 2>/dev/null || true
  fi
  kill -TERM "$pid" 2>/dev/null || true
  # up to 30 s: the drain
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

for _ in $(seq 1 50); do http_ok "${PORT[UPSTREAM_PORT]}" && break; sleep 0.1; done
log "command: $REMORA_CMD -c remora-http.yaml ${CONCURRENCY:+--concurrency $CONCURRENCY}"
echo "# cores=$(nproc) kernel=$(uname -r) jdk=$("$JAVA" -version 2>&1 | head -1 | tr -d '"') load=$(cut -d' ' -f1-3 /proc/loadavg)"
echo "# command: $REMORA_CMD -c remora-http.yaml ${CONCURRENCY:+--concurrency $CONCURRENCY}; WRK_WARMUP=$WRK_WARMUP; ConstantRateClient --rate $CR_RATE --duration $CR_DURATION --connections $CR_CONNECTIONS"
if [[ -z "${NMT_ONLY:-}" ]]; then
  echo "## without NMT"
  run_once 0
fi
if [[ -z "${SKIP_NMT:-}" ]]; then
  echo "## with NMT (-XX:NativeMemoryTracking=summary)"
  run_once 1
fi
