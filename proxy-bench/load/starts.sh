#!/usr/bin/env bash
# Throughput across fresh starts, Remora and HAProxy alternating: HTTP/1.1 keep-alive (wrk -c50)
# or HTTP/2 h2c (h2load -c50 -m10), as run.sh measures them.
#
#   STARTS=6 PORT_RANGE=23000-23999 proxy-bench/load/starts.sh
#   PROTOCOL=h2 STARTS=6 proxy-bench/load/starts.sh
#
# run.sh compares one start of each proxy. On its layout (proxy and nginx pinned to CPU 0, wrk on
# CPU 1) a start can settle in a slower state than the next, for either proxy: the proxy's CPU per
# request is higher, and so are its involuntary context switches per request (nginx taking CPU 0
# when a request wakes it), so one run's ratio moves with the starts it happened to get. Here
# each proxy is started STARTS times, alternating (nginx restarted with each), warmed for WARMUP s,
# then measured for DURATION s with the same load. Per start: req/s, the proxy's CPU
# ticks per 1,000 requests (the whole process), the involuntary context switches per 1,000
# requests of its serving thread (Remora's worker, HAProxy's one thread) and the voluntary ones of
# nginx's worker, the load average and the share of CPU time the hypervisor took in the window;
# then each proxy's median and the ratio of the medians.
# With SEGMENTS=N (and WARMUP=0) the same load runs as N consecutive windows of DURATION s from
# each fresh start, each reported on its own with Remora's JIT compiler threads' CPU in it, and
# the medians and ratio per window: how fast a cold proxy reaches its rate (a sidecar meets its
# first traffic cold; HAProxy has nothing to warm up).
#   WARMUP=0 SEGMENTS=4 DURATION=8 PROTOCOL=h2 STARTS=4 proxy-bench/load/starts.sh
# The proxies take turns on the same ports (HAProxy's frontends where Remora's listeners are).
# With REMORA_JARS (remora.jar files, e.g. one per commit), each start runs HAProxy and then each
# jar in turn through REMORA_CMD (REMORA_JAR=<jar>), labelled by the jar's file name: builds
# compared start by start, interleaved, rather than one block after another.
#   STARTS=6 REMORA_JARS="/tmp/old.jar proxy-xds/target/remora.jar" proxy-bench/load/starts.sh
# Environment: PROTOCOL=h1 (or h2) STARTS=6 WARMUP=20 DURATION=10 SEGMENTS=1 REMORA_CMD (default
#   bin/remora; --concurrency 1 is added), REMORA_JARS, PORT_RANGE=20000-49999, OUT (a file to
#   append the markdown lines to), JAVA_HOME
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOAD="$ROOT/proxy-bench/load"
PROTOCOL=${PROTOCOL:-h1}
STARTS=${STARTS:-6}
WARMUP=${WARMUP:-20}
DURATION=${DURATION:-10}
SEGMENTS=${SEGMENTS:-1}
REMORA_CMD=${REMORA_CMD:-$ROOT/bin/remora}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

WORK=$(mktemp -d /tmp/remora-starts.XXXXXX)
# shellcheck source=lib.sh
. "$LOAD/lib.sh"
log() { echo "[starts.sh $(date +%H:%M:%S)] $*" >&2; }
out() { echo "$*"; if [[ -n "${OUT:-}" ]]; then echo "$*" >>"$OUT"; fi; }
case $PROTOCOL in
  h1) client=wrk ;;
  h2) client=h2load ;;
  *) echo "PROTOCOL is h1 or h2, not $PROTOCOL" >&2; exit 2 ;;
esac
for tool in nginx haproxy curl "$client"; do
  command -v "$tool" >/dev/null || { echo "starts.sh needs $tool" >&2; exit 1; }
done

pick_ports
render "$LOAD/nginx-upstream.conf" "$WORK/nginx-upstream.conf"
render "$LOAD/remora-http.yaml" "$WORK/remora-http.yaml"
render "$LOAD/haproxy.cfg" "$WORK/haproxy.cfg"
if [[ $PROTOCOL == h1 ]]; then port=${PORT[HTTP_PORT]}; else port=${PORT[H2_PORT]}; fi
mkdir -p "$WORK"/up-{body,temp,fastcgi,uwsgi,scgi}

h2_ok() { # h2c with prior knowledge, as h2load speaks it
  [[ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' --http2-prior-knowledge "http://127.0.0.1:$1/" || true)" == 200 ]]
}
wait_ok() { # port [check]: until a request gets a 200 (the load must not meet a refused connection)
  local check=${2:-http_ok}
  for _ in $(seq 1 300); do "$check" "$1" && return; sleep 0.1; done
  log "port $1 does not answer"; tail -5 "$WORK"/*.log >&2; exit 1
}
load() { # seconds: prints req/s
  if [[ $PROTOCOL == h1 ]]; then
    taskset -c 1 wrk -t1 -c50 -d"$1s" "http://127.0.0.1:$port/" | awk '/^Requests\/sec/ {print $2}'
  else
    taskset -c 1 h2load -t1 -c50 -m10 -D "$1" "http://127.0.0.1:$port/" | awk '/^finished in/ {print $4}'
  fi
}
running() { [[ -e /proc/$1 && "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }
stop() { # pids...: asked to stop, killed if still running 5 s later (Remora drains first)
  local p any
  for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    any=
    for p in "$@"; do running "$p" && any=1; done
    [[ -n $any ]] || break
    sleep 0.1
  done
  for p in "$@"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
switches() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
compiler_ticks() { # pid: CPU ticks of the JVM's C1 and C2 compiler threads (0 for HAProxy)
  local t sum=0
  for t in /proc/"$1"/task/*; do
    # a compiler thread the JVM retires between the two reads counts 0
    [[ "$(cat "$t/comm" 2>/dev/null)" == C[12]" CompilerThre"* ]] && sum=$((sum + $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}

if [[ "$REMORA_CMD" == "$ROOT/bin/remora" ]]; then
  # the class-data archive is made before the first measured start, not in it
  REMORA_CDS=make "$ROOT/bin/remora" -c "$WORK/remora-http.yaml" >/dev/null 2>&1 || true
fi

out "# $(if [[ $PROTOCOL == h1 ]]; then echo "HTTP/1.1 (wrk -c50)"; else echo "HTTP/2 h2c (h2load -c50 -m10)"; fi) across starts: cores=$(nproc) kernel=$(uname -r) jdk=$("$JAVA" -version 2>&1 | head -1 | tr -d '"')"
out "# $(haproxy -v 2>&1 | head -1 | awk '{print $1, $2, $3}') nbthread 1; remora: $REMORA_CMD --concurrency 1${REMORA_JARS:+ with each of REMORA_JARS=$REMORA_JARS}; nginx $(nginx -v 2>&1 | sed 's/.*\///'); $STARTS starts each, ${WARMUP}s warm-up + $SEGMENTS × ${DURATION}s; load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A RPS
PROXIES=(haproxy)
declare -A JAR_OF
if [[ -n "${REMORA_JARS:-}" ]]; then
  for jar in $REMORA_JARS; do
    [[ -f $jar ]] || { echo "REMORA_JARS: no file $jar" >&2; exit 2; }
    label=$(basename "$jar" .jar); PROXIES+=("$label"); JAR_OF[$label]=$jar
  done
else
  PROXIES+=(remora)
fi
for start in $(seq 1 "$STARTS"); do
  for proxy in "${PROXIES[@]}"; do
    taskset -c 0 nginx -c "$WORK/nginx-upstream.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
    npid=$!; STARTED+=("$npid")
    wait_ok "${PORT[UPSTREAM_PORT]}"
    if [[ $proxy == haproxy ]]; then
      taskset -c 0 haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
      ppid=$!
    else
      # shellcheck disable=SC2086
      REMORA_JAR=${JAR_OF[$proxy]:-${REMORA_JAR:-}} taskset -c 0 $REMORA_CMD -c "$WORK/remora-http.yaml" \
        --concurrency 1 >"$WORK/remora.log" 2>&1 &
      ppid=$!
    fi
    STARTED+=("$ppid")
    if [[ $PROTOCOL == h1 ]]; then wait_ok "$port"; else wait_ok "$port" h2_ok; fi
    pid=$(pgrep -P "$ppid" java || echo "$ppid") # the JVM may be a launcher's child
    nginx_worker=$(pgrep -P "$npid" | head -1)
    if ((WARMUP > 0)); then load "$WARMUP" >/dev/null; fi
    for seg in $(seq 1 "$SEGMENTS"); do
      tid=$pid
      if [[ $proxy != haproxy ]]; then # Netty starts the worker's thread with its first connection
        tid=$(grep -l '^remora-worker' /proc/"$pid"/task/*/comm | head -1 | cut -d/ -f5)
      fi
      w0=$(ticks "$pid/task/$tid"); t0=$(ticks "$pid"); i0=$(switches "$pid/task/$tid" nonvoluntary_ctxt_switches)
      n0=$(switches "$nginx_worker" voluntary_ctxt_switches); c0=$(compiler_ticks "$pid"); m0=$(cpu_mark)
      rps=$(load "$DURATION")
      w1=$(ticks "$pid/task/$tid"); t1=$(ticks "$pid"); i1=$(switches "$pid/task/$tid" nonvoluntary_ctxt_switches)
      n1=$(switches "$nginx_worker" voluntary_ctxt_switches); c1=$(compiler_ticks "$pid")
      label="$proxy start $start"; ((SEGMENTS == 1)) || label="$label window $seg"
      line=$(awk -v p="$label" -v r="$rps" -v d="$DURATION" -v t="$((t1 - t0))" -v w="$((w1 - w0))" -v i="$((i1 - i0))" -v n="$((n1 - n0))" -v c="$((c1 - c0))" \
        'BEGIN { k = r * d / 1000; printf "%s: %.0f req/s, %.2f ticks per 1k (serving thread %.2f), involuntary switches %.0f per 1k, nginx voluntary %.0f per 1k, JIT compilers %d ticks", p, r, t / k, w / k, i / k, n / k, c }')
      out "$line; $(machine_since "$m0")"
      RPS[$proxy,$seg]="${RPS[$proxy,$seg]:-} $rps"
    done
    stop "$ppid" "$npid"
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for seg in $(seq 1 "$SEGMENTS"); do
  mh=$(median <<<"${RPS[haproxy,$seg]}")
  window=; ((SEGMENTS == 1)) || window="window=$seg "
  for proxy in "${PROXIES[@]:1}"; do
    mr=$(median <<<"${RPS[$proxy,$seg]}")
    name=remora; [[ $proxy == remora ]] || name="remora[$proxy]"
    out "$(awk -v w="$window" -v n="$name" -v r="$mr" -v h="$mh" 'BEGIN { printf "RESULT %s%s_median_rps=%.0f haproxy_median_rps=%.0f ratio=%.2f", w, n, r, h, r / h }')"
  done
done
out "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
