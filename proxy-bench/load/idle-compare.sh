#!/usr/bin/env bash
# Memory per idle keep-alive HTTP/1.1 connection, Remora and HAProxy side by side in one run.
#
#   IDLE_CONNECTIONS=9000 PORT_RANGE=23000-23999 proxy-bench/load/idle-compare.sh
#
# Starts nginx (the load harness's upstream), HAProxy (proxy-bench/load/haproxy.cfg, nbthread 1,
# maxconn raised to hold the connections) and Remora (java -jar, the harness's HTTP bootstrap,
# --concurrency 1: one worker, as HAProxy has one thread), all pinned to CPU 0. Both proxies are
# warmed the same way (wrk -c10 for WARMUP s), then each in turn (HAProxy first, then Remora,
# ROUNDS times, alternating) holds IDLE_CONNECTIONS keep-alive connections that have each carried
# one request, held by one client process on CPU 1. Per connection:
#   - RSS delta of the proxy (VmRSS before the connections, and 3 s after the last one answered),
#     first batch and a second batch after closing the first (the second reuses what the first
#     grew: allocator pools, fd tables, heap pages);
#   - for Remora also the live-heap delta (class histograms: each forces a full GC) and the classes
#     that grew most.
# Ratios Remora / HAProxy are printed for each figure. The batch size is bounded by `ulimit -n`
# (the client holds N sockets, HAProxy sizes its fd table to twice maxconn).
# Environment: IDLE_CONNECTIONS=9000 ROUNDS=1 WARMUP=5 REMORA_JAR REMORA_JAVA_OPTS REMORA_CMD
#   PORT_RANGE=20000-49999 CONCURRENCY=1 JAVA_HOME
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOAD="$ROOT/proxy-bench/load"
N=${IDLE_CONNECTIONS:-9000}
ROUNDS=${ROUNDS:-1}
WARMUP=${WARMUP:-5}
CONCURRENCY=${CONCURRENCY:-1}
REMORA_JAR=${REMORA_JAR:-$ROOT/proxy-xds/target/remora.jar}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JCMD=${JAVA_HOME:+$JAVA_HOME/bin/}jcmd
REMORA_JAVA_OPTS=${REMORA_JAVA_OPTS:-}
REMORA_CMD=${REMORA_CMD:-"$JAVA $REMORA_JAVA_OPTS -jar $REMORA_JAR"}

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (( $(ulimit -n) < 2 * N + 200 )); then
  echo "ulimit -n $(ulimit -n) is too low for $N connections (HAProxy needs ~2x maxconn)" >&2; exit 1
fi

WORK=$(mktemp -d /tmp/remora-idle.XXXXXX)
# shellcheck source=lib.sh
. "$LOAD/lib.sh"
log() { echo "[idle-compare.sh $(date +%H:%M:%S)] $*" >&2; }

pick_ports
H_PORT=$(free_port) # HAProxy's HTTP/1.1 front; everything else of its config gets ports nobody uses
render "$LOAD/nginx-upstream.conf" "$WORK/nginx-upstream.conf"
render "$LOAD/remora-http.yaml" "$WORK/remora-http.yaml"
render "$LOAD/haproxy.cfg" "$WORK/haproxy.cfg"
sed -i "s/bind 127.0.0.1:${PORT[HTTP_PORT]}\b/bind 127.0.0.1:$H_PORT/" "$WORK/haproxy.cfg"
sed -i "s/^\( *maxconn\) .*/\1 $((N + 100))/" "$WORK/haproxy.cfg"
mkdir -p "$WORK"/up-{body,temp,fastcgi,uwsgi,scgi}

taskset -c 0 nginx -c "$WORK/nginx-upstream.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
STARTED+=($!)
taskset -c 0 haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
HPID=$!; STARTED+=($HPID)
taskset -c 0 $REMORA_CMD -c "$WORK/remora-http.yaml" --concurrency "$CONCURRENCY" >"$WORK/remora.log" 2>&1 &
RPID=$!; STARTED+=($RPID)

for port in "${PORT[UPSTREAM_PORT]}" "$H_PORT" "${PORT[HTTP_PORT]}"; do
  for _ in $(seq 1 300); do http_ok "$port" && break; sleep 0.1; done
  http_ok "$port" || { log "port $port does not answer"; tail -5 "$WORK"/*.log >&2; exit 1; }
done
JPID=$(pgrep -P "$RPID" java || echo "$RPID") # the JVM may be a launcher's child
rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
heap_b() { "$JCMD" "$JPID" GC.class_histogram >"$1" 2>/dev/null; awk '/^Total/{print $3}' "$1"; }

echo "# cores=$(nproc) kernel=$(uname -r) jdk=$("$JAVA" -version 2>&1 | head -1 | tr -d '"') load=$(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(haproxy -v 2>&1 | head -1 | awk '{print $1, $2, $3}') nbthread 1 maxconn $((N + 100)); remora: $REMORA_CMD --concurrency $CONCURRENCY; $N connections"
for port in "$H_PORT" "${PORT[HTTP_PORT]}"; do
  taskset -c 1 wrk -t1 -c10 -d"${WARMUP}s" "http://127.0.0.1:$port/" >/dev/null
done
sleep 2

# one batch: prints the RSS delta per connection; the caller reads the heap around it
hold() { # pid port tag
  local pid=$1 port=$2 tag=$3 fifo="$WORK/hold.fifo" r0 r1
  r0=$(rss_kb "$pid")
  rm -f "$fifo" "$WORK/hold.out"; mkfifo "$fifo"
  taskset -c 1 python3 "$LOAD/idle_holder.py" "$port" "$N" <"$fifo" >"$WORK/hold.out" &
  HOLDER=$!
  exec 7>"$fifo"
  for _ in $(seq 1 1200); do [[ -s "$WORK/hold.out" ]] && break; sleep 0.1; done
  sleep 3
  r1=$(rss_kb "$pid")
  echo "${tag}_open=$(cat "$WORK/hold.out") ${tag}_rss_per_conn_b=$(( (r1 - r0) * 1024 / N ))"
}
release() { exec 7>&-; wait "$HOLDER" 2>/dev/null || true; sleep 5; }

for round in $(seq 1 "$ROUNDS"); do
  echo "## round $round, load $(cut -d' ' -f1-3 /proc/loadavg)"
  for batch in 1 2; do
    hold "$HPID" "$H_PORT" "haproxy_b$batch" >"$WORK/line" # not in a pipe: HOLDER and fd 7 stay here
    tee -a "$WORK/figures" <"$WORK/line"
    release
  done
  for batch in 1 2; do
    h0=$(heap_b "$WORK/h0.txt")
    hold "$JPID" "${PORT[HTTP_PORT]}" "remora_b$batch" >"$WORK/line"
    tee -a "$WORK/figures" <"$WORK/line"
    h1=$(heap_b "$WORK/h1.txt")
    echo "remora_b${batch}_heap_per_conn_b=$(( (h1 - h0) / N ))" | tee -a "$WORK/figures"
    if ((batch == 1)); then
      awk 'FNR==NR { if ($1 ~ /^[0-9]+:$/) b[$4]=$3; next }
           $1 ~ /^[0-9]+:$/ { d=$3-b[$4]; if (d>0) printf "%d %s\n", d/n, $4 }' n="$N" "$WORK/h0.txt" "$WORK/h1.txt" |
        sort -nr | head -25 | awk '{printf "remora_heap_top=%s B %s\n", $1, $2}'
    fi
    release
  done
  # ratios of this round
  awk -F'[ =]' -v r="$round" '{ for (i=1;i<NF;i+=2) v[$i]=$(i+1) }
    END { for (b=1;b<=2;b++) {
            h=v["haproxy_b" b "_rss_per_conn_b"]; rr=v["remora_b" b "_rss_per_conn_b"]; rh=v["remora_b" b "_heap_per_conn_b"]
            if (h >= 100) printf "ratio_b%d: remora RSS / haproxy RSS = %d / %d = %.2f; remora heap / haproxy RSS = %d / %d = %.2f\n", b, rr, h, rr/h, rh, h, rh/h
            else printf "ratio_b%d: n/a (haproxy grew %d B per connection: it reused what the first batch grew)\n", b, h } }' "$WORK/figures"
  : >"$WORK/figures"
done
echo "# end load=$(cut -d' ' -f1-3 /proc/loadavg)"
