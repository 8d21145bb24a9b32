#!/usr/bin/env bash
# HTTP/1.1 keep-alive throughput across fresh starts, Remora and HAProxy alternating.
#
#   STARTS=6 PORT_RANGE=23000-23999 proxy-bench/load/h1-starts.sh
#
# run.sh compares one start of each proxy. On its layout (proxy and nginx pinned to CPU 0, wrk on
# CPU 1) a start can settle in a slower state than the next, for either proxy: the proxy's CPU per
# request is higher, and so are its involuntary context switches per request (nginx taking CPU 0
# when a request wakes it), so one run's ratio moves with the starts it happened to get. Here
# each proxy is started STARTS times, alternating (nginx restarted with each), warmed with wrk -c50
# for WARMUP s, then measured with wrk -c50 for DURATION s. Per start: req/s, the proxy's CPU
# ticks per 1,000 requests (the whole process), the involuntary context switches per 1,000
# requests of its serving thread (Remora's worker, HAProxy's one thread) and the voluntary ones of
# nginx's worker; then each proxy's median and the ratio of the medians.
# Environment: STARTS=6 WARMUP=20 DURATION=10 REMORA_CMD (default bin/remora; --concurrency 1 is
#   added), PORT_RANGE=20000-49999, OUT (a file to append the markdown lines to), JAVA_HOME
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOAD="$ROOT/proxy-bench/load"
STARTS=${STARTS:-6}
WARMUP=${WARMUP:-20}
DURATION=${DURATION:-10}
REMORA_CMD=${REMORA_CMD:-$ROOT/bin/remora}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

WORK=$(mktemp -d /tmp/remora-h1starts.XXXXXX)
# shellcheck source=lib.sh
. "$LOAD/lib.sh"
trap 'cleanup; rm -rf "$WORK"' EXIT
log() { echo "[h1-starts.sh $(date +%H:%M:%S)] $*" >&2; }
out() { echo "$*"; if [[ -n "${OUT:-}" ]]; then echo "$*" >>"$OUT"; fi; }
for tool in nginx haproxy wrk; do
  command -v "$tool" >/dev/null || { echo "h1-starts.sh needs $tool" >&2; exit 1; }
done

KEYS="HTTP_PORT H2_PORT ADMIN_PORT UPSTREAM_PORT UPSTREAM_H2_PORT GRPC_PORT GRPC_UPSTREAM_PORT TCP_PORT TCP_UPSTREAM_PORT IPERF_PORT IPERF_UPSTREAM_PORT"
declare -A PORT
for k in $KEYS; do PORT[$k]=$(free_port); done
H_PORT=$(free_port) # HAProxy's HTTP/1.1 front; the rest of its config gets ports nobody uses
render() { # template out [HTTP_PORT-override]
  local s k; s=$(<"$1")
  for k in $KEYS; do s=${s//@$k@/${PORT[$k]}}; done
  [[ -n "${3:-}" ]] && s=${s//bind 127.0.0.1:${PORT[HTTP_PORT]}/bind 127.0.0.1:$3}
  s=${s//@DIR@/$WORK}
  printf '%s\n' "$s" >"$2"
}
render "$LOAD/nginx-upstream.conf" "$WORK/nginx-upstream.conf"
render "$LOAD/remora-http.yaml" "$WORK/remora-http.yaml"
render "$LOAD/haproxy.cfg" "$WORK/haproxy.cfg" "$H_PORT"
mkdir -p "$WORK"/up-{body,temp,fastcgi,uwsgi,scgi}

http_ok() {
  local line
  line=$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; printf 'GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n' >&3; head -1 <&3" 2>/dev/null || true)
  [[ "$line" == *" 200"* ]]
}
wait_ok() {
  for _ in $(seq 1 300); do http_ok "$1" && return; sleep 0.1; done
  log "port $1 does not answer"; tail -5 "$WORK"/*.log >&2; exit 1
}
stop() { # pids...: asked to stop, killed if still there 5 s later (Remora drains first)
  local p
  for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    for p in "$@"; do kill -0 "$p" 2>/dev/null && break; done
    kill -0 "$p" 2>/dev/null || break
    sleep 0.1
  done
  for p in "$@"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
switches() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

if [[ "$REMORA_CMD" == "$ROOT/bin/remora" ]]; then
  # the class-data archive is made before the first measured start, not in it
  REMORA_CDS=make "$ROOT/bin/remora" -c "$WORK/remora-http.yaml" >/dev/null 2>&1 || true
fi

out "# HTTP/1.1 across starts: cores=$(nproc) kernel=$(uname -r) jdk=$("$JAVA" -version 2>&1 | head -1 | tr -d '"')"
out "# $(haproxy -v 2>&1 | head -1 | awk '{print $1, $2, $3}') nbthread 1; remora: $REMORA_CMD --concurrency 1; nginx $(nginx -v 2>&1 | sed 's/.*\///'); $STARTS starts each, wrk -c50 ${WARMUP}s warm-up + ${DURATION}s; load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A RPS
for start in $(seq 1 "$STARTS"); do
  for proxy in haproxy remora; do
    taskset -c 0 nginx -c "$WORK/nginx-upstream.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
    npid=$!; STARTED+=("$npid")
    wait_ok "${PORT[UPSTREAM_PORT]}"
    if [[ $proxy == haproxy ]]; then
      taskset -c 0 haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
      ppid=$!; port=$H_PORT
    else
      # shellcheck disable=SC2086
      taskset -c 0 $REMORA_CMD -c "$WORK/remora-http.yaml" --concurrency 1 >"$WORK/remora.log" 2>&1 &
      ppid=$!; port=${PORT[HTTP_PORT]}
    fi
    STARTED+=("$ppid")
    wait_ok "$port"
    pid=$(pgrep -P "$ppid" java || echo "$ppid") # the JVM may be a launcher's child
    tid=$pid
    if [[ $proxy == remora ]]; then
      tid=$(grep -l '^remora-worker' /proc/"$pid"/task/*/comm | head -1 | cut -d/ -f5)
    fi
    nginx_worker=$(pgrep -P "$npid" | head -1)
    taskset -c 1 wrk -t1 -c50 -d"${WARMUP}s" "http://127.0.0.1:$port/" >/dev/null
    t0=$(ticks "$pid"); i0=$(switches "$pid/task/$tid" nonvoluntary_ctxt_switches)
    n0=$(switches "$nginx_worker" voluntary_ctxt_switches)
    rps=$(taskset -c 1 wrk -t1 -c50 -d"${DURATION}s" "http://127.0.0.1:$port/" | awk '/^Requests\/sec/ {print $2}')
    t1=$(ticks "$pid"); i1=$(switches "$pid/task/$tid" nonvoluntary_ctxt_switches)
    n1=$(switches "$nginx_worker" voluntary_ctxt_switches)
    line=$(awk -v p="$proxy" -v s="$start" -v r="$rps" -v d="$DURATION" -v t="$((t1 - t0))" -v i="$((i1 - i0))" -v n="$((n1 - n0))" \
      'BEGIN { k = r * d / 1000; printf "%s start %d: %.0f req/s, %.2f ticks per 1k, involuntary switches %.0f per 1k, nginx voluntary %.0f per 1k", p, s, r, t / k, i / k, n / k }')
    out "$line"
    RPS[$proxy]="${RPS[$proxy]:-} $rps"
    stop "$ppid" "$npid"
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mr=$(median <<<"${RPS[remora]}"); mh=$(median <<<"${RPS[haproxy]}")
out "$(awk -v r="$mr" -v h="$mh" 'BEGIN { printf "RESULT remora_median_rps=%.0f haproxy_median_rps=%.0f ratio=%.2f", r, h, r / h }')"
out "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
