#!/usr/bin/env bash
# Bytes the serving thread allocates per proxied request, HTTP/1.1 or HTTP/2, through the real
# proxy as the README starts it (bin/remora, one worker), from JFR's per-thread allocation counter.
#
#   proxy-bench/load/alloc.sh                 HTTP/2 h2c (h2load -c50 -m10) to the nginx upstream
#   PROTOCOL=h1 proxy-bench/load/alloc.sh     HTTP/1.1 keep-alive (h2load --h1 -c50)
#
# The counter is exact and does not depend on how busy the machine is (unlike CPU figures), so
# it can be read while other work runs. JMH's LoopbackForward -prof gc gives the same figure for
# HTTP/1.1 between in-process peers; this one adds HTTP/2 and the harness's nginx upstream.
# Environment: PROTOCOL=h2|h1, REQUESTS=200000 (per phase: one warm-up, one measured),
# REMORA_JAR, REMORA_JAVA_OPTS, PORT_RANGE=20000-49999.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOAD="$ROOT/proxy-bench/load"
PROTOCOL=${PROTOCOL:-h2}
REQUESTS=${REQUESTS:-200000}
export REMORA_JAR=${REMORA_JAR:-$ROOT/proxy-xds/target/remora.jar}
WORK=$(mktemp -d /tmp/remora-alloc.XXXXXX)
. "$LOAD/lib.sh"

pick_ports
render "$LOAD/nginx-upstream.conf" "$WORK/nginx-upstream.conf"
render "$LOAD/remora-http.yaml" "$WORK/remora-http.yaml"
mkdir -p "$WORK"/up-{body,temp,fastcgi,uwsgi,scgi}
nginx -c "$WORK/nginx-upstream.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
STARTED+=($!)
wait_port "${PORT[UPSTREAM_PORT]}" 10
"$ROOT/bin/remora" -c "$WORK/remora-http.yaml" --concurrency 1 >"$WORK/remora.log" 2>&1 &
STARTED+=($!)
wait_port "${PORT[H2_PORT]}" 30 "${STARTED[-1]}" || { cat "$WORK/remora.log"; exit 1; }
jvm=$(pgrep -f -- "-c $WORK/remora-http.yaml" | tail -1)

load() {
  if [[ $PROTOCOL == h2 ]]; then
    h2load -t1 -c50 -m10 -n"$REQUESTS" "http://127.0.0.1:${PORT[H2_PORT]}/"
  else
    h2load --h1 -t1 -c50 -n"$REQUESTS" "http://127.0.0.1:${PORT[HTTP_PORT]}/"
  fi | awk '/^requests:/ {print $8}'
}
# The worker's allocated bytes so far: a one-second recording's last ThreadAllocationStatistics.
allocated() {
  jcmd "$jvm" JFR.start name=alloc settings=profile duration=1s filename="$WORK/$1.jfr" >/dev/null
  for _ in $(seq 1 50); do [[ -s $WORK/$1.jfr ]] && break; sleep 0.1; done
  sleep 1
  jfr print --json --events jdk.ThreadAllocationStatistics "$WORK/$1.jfr" | python3 -c '
import json, sys
events = json.load(sys.stdin)["recording"]["events"]
print(max(e["values"]["allocated"] for e in events
          if "remora-worker" in (e["values"]["thread"] or {}).get("javaName", "")))'
}

load >/dev/null # warm-up: the JIT compiles the path first
before=$(allocated before)
ok=$(load)
after=$(allocated after)
awk -v a="$((after - before))" -v n="$ok" -v p="$PROTOCOL" \
  'BEGIN { printf "%s: %d requests, worker allocated %.0f B/request\n", p, n, a / n }'
