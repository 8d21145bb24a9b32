#!/usr/bin/env bash
# tcp_proxy's two relays side by side, in the same minutes: direct, Remora splicing (epoll
# splice(2), -Dremora.tcp.splice=true), Remora copying (the default). The layout of run.sh's TCP row: source
# and proxy pinned to CPU 0, TcpBulk fetch on CPU 1, one worker, 127.0.0.1; CPU = proxy
# utime+stime per GB from /proc/PID/stat, and the source's beside it (CPU 0 carries both, so
# their sum bounds the rate). Rounds alternate the targets so load drift hits all.
#
# Then the same rounds with iperf3 (the client on CPU 1 sending to an iperf3 server on CPU 0, the
# opposite direction), with HAProxy (one thread, CPU 0) beside them: Gbit/s and proxy CPU s/GB.
#
#   proxy-bench/load/tcp-relay.sh            3 rounds of 1 GiB, then 3 rounds of 5 s iperf3
#   ROUNDS=5 TCP_BYTES=268435456 IPERF_DURATION=10 PORT_RANGE=23000-23999 proxy-bench/load/tcp-relay.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOAD="$ROOT/proxy-bench/load"
TCP_BYTES=${TCP_BYTES:-1073741824}
ROUNDS=${ROUNDS:-3}
IPERF_DURATION=${IPERF_DURATION:-5}
REMORA_JAR=${REMORA_JAR:-$ROOT/proxy-xds/target/remora.jar}
BENCH_JAR=$ROOT/proxy-bench/target/benchmarks.jar
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
REMORA_JAVA_OPTS=${REMORA_JAVA_OPTS:-"-XX:+UseSerialGC -Xms32m -Xmx128m -XX:MaxDirectMemorySize=64m -Xss256k -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=96m -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=1000 -Dio.netty.leakDetection.level=disabled"}
CLK_TCK=$(getconf CLK_TCK)
WORK=$(mktemp -d /tmp/remora-tcp-relay.XXXXXX)
# shellcheck source=lib.sh
. "$LOAD/lib.sh"
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12+$13}'; }

SRC_PORT=$(free_port)
taskset -c 0 "$JAVA" -Xmx64m -cp "$BENCH_JAR" io.remora.bench.load.TcpBulk source "$SRC_PORT" "$TCP_BYTES" \
  >"$WORK/source.log" 2>&1 &
STARTED+=($!)
SOURCE_PID=$!
wait_port "$SRC_PORT" 30 "$SOURCE_PID"

IPERF_UPSTREAM_PORT=$(free_port)
taskset -c 0 iperf3 -s -p "$IPERF_UPSTREAM_PORT" >"$WORK/iperf-server.log" 2>&1 &
STARTED+=($!)
wait_port "$IPERF_UPSTREAM_PORT"

declare -A RELAY_PORT PID IPORT
for mode in splice copy; do
  RELAY_PORT[$mode]=$(free_port)
  IPORT[$mode]=$(free_port)
  admin=$(free_port)
  sed -e "s/@TCP_PORT@/${RELAY_PORT[$mode]}/" -e "s/@TCP_UPSTREAM_PORT@/$SRC_PORT/" -e "s/@ADMIN_PORT@/$admin/" \
    -e "s/@IPERF_PORT@/${IPORT[$mode]}/" -e "s/@IPERF_UPSTREAM_PORT@/$IPERF_UPSTREAM_PORT/" \
    "$LOAD/remora-tcp.yaml" >"$WORK/$mode.yaml"
  flag="-Dremora.tcp.splice=false"; [[ $mode == splice ]] && flag="-Dremora.tcp.splice=true"
  # shellcheck disable=SC2086
  taskset -c 0 "$JAVA" $REMORA_JAVA_OPTS $flag -jar "$REMORA_JAR" -c "$WORK/$mode.yaml" --concurrency 1 \
    >"$WORK/$mode.log" 2>&1 &
  PID[$mode]=$!
  STARTED+=($!)
  wait_port "${RELAY_PORT[$mode]}" 60 "${PID[$mode]}"
done

fetch() { taskset -c 1 "$JAVA" -cp "$BENCH_JAR" io.remora.bench.load.TcpBulk fetch 127.0.0.1 "$1" "$TCP_BYTES" 2>&1 | tail -1; }
mbs() { sed -n 's/.*mb_per_s=\([^ ]*\).*/\1/p'; }

echo "# $(date -u +%FT%TZ) nproc=$(nproc) kernel=$(uname -r) $("$JAVA" -version 2>&1 | head -1)"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg); bytes per transfer: $TCP_BYTES"
fetch "$SRC_PORT" >/dev/null; fetch "${RELAY_PORT[splice]}" >/dev/null; fetch "${RELAY_PORT[copy]}" >/dev/null # warm-up
per_gb() { awk -v d="$1" -v hz="$CLK_TCK" -v b="$TCP_BYTES" 'BEGIN{printf "%.3f", d/hz/(b/1e9)}'; }
printf '%-6s %-7s %10s %10s %13s %14s\n' round target MB/s vs_direct proxy_cpu_s/GB source_cpu_s/GB
for r in $(seq 1 "$ROUNDS"); do
  s0=$(cpu_ticks "$SOURCE_PID")
  d=$(fetch "$SRC_PORT" | mbs)
  s1=$(cpu_ticks "$SOURCE_PID")
  printf '%-6s %-7s %10s %10s %13s %14s\n' "$r" direct "$d" 1.00 - "$(per_gb $((s1 - s0)))"
  for mode in splice copy; do
    c0=$(cpu_ticks "${PID[$mode]}"); s0=$(cpu_ticks "$SOURCE_PID")
    m=$(fetch "${RELAY_PORT[$mode]}" | mbs)
    c1=$(cpu_ticks "${PID[$mode]}"); s1=$(cpu_ticks "$SOURCE_PID")
    printf '%-6s %-7s %10s %10s %13s %14s\n' "$r" "$mode" "$m" "$(awk -v a="$m" -v b="$d" 'BEGIN{printf "%.2f", a/b}')" \
      "$(per_gb $((c1 - c0)))" "$(per_gb $((s1 - s0)))"
  done
done
IPORT[haproxy]=$(free_port)
printf 'global\n  nbthread 1\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\nlisten iperf\n  bind 127.0.0.1:%s\n  server s1 127.0.0.1:%s\n' \
  "${IPORT[haproxy]}" "$IPERF_UPSTREAM_PORT" >"$WORK/haproxy.cfg"
taskset -c 0 haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
PID[haproxy]=$!
STARTED+=($!)
wait_port "${IPORT[haproxy]}"
# iperf3 TARGET PORT PID: Gbit/s received by the server, and PID's CPU s per GB over the run
# (the 1 s omitted at the start included, bytes scaled to the same wall time).
iperf() {
  local c0=0 c1=0 out
  [[ $3 != - ]] && c0=$(cpu_ticks "$3")
  out=$(taskset -c 1 iperf3 -c 127.0.0.1 -p "$2" -t "$IPERF_DURATION" -O 1 -J 2>&1 \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["end"]["sum_received"]; print("%.2f %d" % (r["bits_per_second"]/1e9, r["bytes"]))')
  [[ $3 != - ]] && c1=$(cpu_ticks "$3")
  set -- $out "$1" "$3"
  if [[ $4 == - ]]; then echo "$1 -"; else
    awk -v g="$1" -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v b="$2" -v s="$IPERF_DURATION" 'BEGIN{printf "%s %.3f\n", g, d/hz/(b*(s+1)/s/1e9)}'
  fi
}
echo "# iperf3, ${IPERF_DURATION} s per run"
printf '%-6s %-7s %10s %10s %13s\n' round target Gbit/s vs_direct proxy_cpu_s/GB
for r in $(seq 1 "$ROUNDS"); do
  read -r d _ < <(iperf direct "$IPERF_UPSTREAM_PORT" -)
  printf '%-6s %-7s %10s %10s %13s\n' "$r" direct "$d" 1.00 -
  for mode in splice copy haproxy; do
    read -r g c < <(iperf "$mode" "${IPORT[$mode]}" "${PID[$mode]}")
    printf '%-6s %-7s %10s %10s %13s\n' "$r" "$mode" "$g" "$(awk -v a="$g" -v b="$d" 'BEGIN{printf "%.2f", a/b}')" "$c"
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
