#!/usr/bin/env bash
# mTLS HTTP/1.1 against HAProxy terminating the same TLS, one worker each:
#   throughput over keep-alive connections, and handshakes per second (a new connection, a
#   full TLS 1.3 handshake with client certificate, per request).
#
#   proxy-bench/load/mtls.sh      (DURATION=15 WARMUP=5 CONNECTIONS=50 by default;
#                                  RESULTS_DIR=proxy-bench/results writes <time>-mtls.md there;
#                                  PORT_RANGE=LOW-HIGH: where its ports are picked)
#
# Certificates are made here with openssl (a CA, a server and a client with SPIFFE SANs).
# The proxies run pinned to CPU 0 with the nginx upstream; the load generator on CPU 1.
# "direct" is nginx itself terminating the same mTLS (no proxy hop): the ceiling of this setup.
# No target resumes sessions (tickets and session caches off), so every new connection is a
# full handshake. Each target's CPU (utime+stime from /proc, nginx with its worker) is taken over
# the measured window only and reported per 1,000 requests: the figure that load elsewhere on
# the machine moves least. Short runs under load leave Remora's JIT warming (C2 was 40-55 % of
# its samples after 3k handshakes at load 15): raise WARMUP when handshakes are the question.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-5}
RESULTS_DIR=${RESULTS_DIR:-}
# The run works in a temporary directory: a relative RESULTS_DIR means relative to where it was started.
[[ -z "$RESULTS_DIR" || "$RESULTS_DIR" == /* ]] || RESULTS_DIR=$PWD/$RESULTS_DIR
CONNECTIONS=${CONNECTIONS:-50}
REMORA_JAR=${REMORA_JAR:-$ROOT/proxy-xds/target/remora.jar}
BENCH_JAR=$ROOT/proxy-bench/target/benchmarks.jar
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
REMORA_JAVA_OPTS=${REMORA_JAVA_OPTS:-"-XX:+UseSerialGC -Xms32m -Xmx128m -XX:MaxDirectMemorySize=64m -Dio.netty.leakDetection.level=disabled"}

for c in haproxy nginx openssl taskset; do
  command -v "$c" >/dev/null || { echo "missing $c (apt-get install haproxy nginx openssl util-linux)" >&2; exit 1; }
done
if [[ ! -f "$REMORA_JAR" || ! -f "$BENCH_JAR" ]]; then
  (cd "$ROOT" && mvn -B -q -o -DskipTests package -pl proxy-core,proxy-xds,proxy-bench)
fi

WORK=$(mktemp -d /tmp/remora-mtls.XXXXXX)
# shellcheck source=lib.sh
. "$ROOT/proxy-bench/load/lib.sh"

# ---- certificates
cd "$WORK"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench-ca \
  -keyout ca.key -out ca.pem 2>/dev/null
for who in server client; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$who" -keyout "$who.key" -out "$who.csr" 2>/dev/null
  printf 'subjectAltName=URI:spiffe://cluster.local/ns/bench/sa/%s\n' "$who" >"$who.ext"
  openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile "$who.ext" -out "$who.pem" 2>/dev/null
done
cat server.pem server.key >server-bundle.pem

# ---- upstream: nginx, one worker, a small 200
UP=$(free_port)
DP=$(free_port)
cat >nginx.conf <<NGINX
worker_processes 1; daemon off; pid $WORK/nginx.pid; error_log $WORK/nginx.err;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$UP; keepalive_requests 1000000;
  location / { return 200 "hello\n"; } }
  server { listen 127.0.0.1:$DP ssl; keepalive_requests 1000000;
    ssl_certificate $WORK/server.pem; ssl_certificate_key $WORK/server.key;
    ssl_client_certificate $WORK/ca.pem; ssl_verify_client on;
    ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache off; ssl_session_tickets off;
    location / { return 200 "hello\n"; } } }
NGINX
taskset -c 0 nginx -c "$WORK/nginx.conf" -p "$WORK" & STARTED+=($!)
wait_port "$UP"
wait_port "$DP"

# ---- HAProxy: one thread, mTLS required, same CA
HP=$(free_port)
cat >haproxy.cfg <<HAP
global
    nbthread 1
    maxconn 4096
    tune.ssl.cachesize 0
    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend mtls
    bind 127.0.0.1:$HP ssl crt $WORK/server-bundle.pem ca-file $WORK/ca.pem verify required alpn http/1.1
    default_backend up
backend up
    http-reuse always
    server s1 127.0.0.1:$UP
HAP
taskset -c 0 haproxy -f haproxy.cfg -db & STARTED+=($!)
wait_port "$HP"

# ---- Remora: one worker, the same TLS (client certificate required, SPIFFE SAN checked)
RP=$(free_port)
cat >remora.yaml <<YAML
static_resources:
  listeners:
  - name: mtls
    address: { socket_address: { address: 127.0.0.1, port_value: $RP } }
    filter_chains:
    - transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          require_client_certificate: true
          disable_stateless_session_resumption: true
          common_tls_context:
            alpn_protocols: [http/1.1]
            tls_certificates:
            - certificate_chain: { filename: $WORK/server.pem }
              private_key: { filename: $WORK/server.key }
            validation_context:
              trusted_ca: { filename: $WORK/ca.pem }
              match_typed_subject_alt_names:
              - san_type: URI
                matcher: { prefix: "spiffe://cluster.local/" }
      filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: mtls
          codec_type: HTTP1
          route_config:
            virtual_hosts:
            - { name: all, domains: ["*"], routes: [ { match: { prefix: "/" }, route: { cluster: up } } ] }
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
  clusters:
  - name: up
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: up
      endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $UP } } } } ] } ]
YAML
# shellcheck disable=SC2086
taskset -c 0 "$JAVA" $REMORA_JAVA_OPTS -jar "$REMORA_JAR" -c remora.yaml --concurrency 1 -l warning & STARTED+=($!)
wait_port "$RP" 60 "${STARTED[2]}"

NGINX_PID=${STARTED[0]} HAPROXY_PID=${STARTED[1]} REMORA_PID=${STARTED[2]}
CLK_TCK=$(getconf CLK_TCK)
# CPU ticks (utime+stime) of a process and its children (nginx: master and worker).
cpu_ticks() { local p t=0; for p in "$1" $(pgrep -P "$1"); do t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12+$13}'))); done; echo "$t"; }
load() { # PORT PID EXTRA... -> the RESULT line plus the target's CPU seconds per 1,000 requests (measured window only)
  local out c0 c1 rps
  out=$(mktemp -p "$WORK")
  taskset -c 1 "$JAVA" -cp "$BENCH_JAR" io.remora.bench.load.MtlsLoad --port "$1" --cert client.pem --key client.key \
    --duration "$DURATION" --warmup "$WARMUP" --connections "$CONNECTIONS" "${@:3}" >"$out" 2>&1 &
  local lp=$!
  sleep "$WARMUP"; c0=$(cpu_ticks "$2")
  wait "$lp"; c1=$(cpu_ticks "$2")
  rps=$(sed -n 's/^RESULT.*rps=\([^ ]*\).*/\1/p' "$out")
  echo "$(grep '^RESULT' "$out") cpu_s_per_1k=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v r="${rps:-0}" -v s="$DURATION" \
    'BEGIN{printf "%.4f", (r > 0 ? d/hz/(r*s/1000) : 0)}')"
}
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }
ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}' if b else '-')" "$1" "$2"; }

STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A KA HS
for t in direct remora haproxy; do
  case $t in direct) p=$DP; pid=$NGINX_PID ;; remora) p=$RP; pid=$REMORA_PID ;; haproxy) p=$HP; pid=$HAPROXY_PID ;; esac
  KA[$t]=$(load "$p" "$pid")
  HS[$t]=$(load "$p" "$pid" --new-connection-per-request)
  echo "$t: keep-alive ${KA[$t]} / handshakes ${HS[$t]}" >&2
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

row() { # LABEL ARRAY-NAME
  local -n a=$2
  local d r h
  d=$(field rps "${a[direct]}"); r=$(field rps "${a[remora]}"); h=$(field rps "${a[haproxy]}")
  echo "| $1 | $d | $r | $h | $(ratio "$r" "$d") | $(ratio "$r" "$h") | $(field errors "${a[direct]}")/$(field errors "${a[remora]}")/$(field errors "${a[haproxy]}") |"
}
cpu_row() { # LABEL ARRAY-NAME: CPU seconds per 1,000 requests of each target over the measured window
  local -n a=$2
  local d r h
  d=$(field cpu_s_per_1k "${a[direct]}"); r=$(field cpu_s_per_1k "${a[remora]}"); h=$(field cpu_s_per_1k "${a[haproxy]}")
  echo "| $1 | $d | $r | $h | $(ratio "$r" "$d") | $(ratio "$r" "$h") | - |"
}
report() {
  echo "# mTLS load run $STAMP"
  echo
  echo "- cores (nproc): $(nproc); kernel: $(uname -r); CPU: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
  echo "- JDK: $("$JAVA" -version 2>&1 | head -1); Remora JVM flags: \`$REMORA_JAVA_OPTS\`; Remora TLS provider: default (BoringSSL via netty-tcnative)"
  echo "- peers: $(haproxy -v | head -1 | cut -d' ' -f1-3), $(nginx -v 2>&1 | cut -d' ' -f3), $(openssl version)"
  echo "- layout: Remora (--concurrency 1), HAProxy (nbthread 1), nginx (1 worker: the upstream, and \"direct\": nginx terminating the same mTLS itself) pinned to CPU 0; \`io.remora.bench.load.MtlsLoad\` (one event-loop thread, BoringSSL client, TLS 1.3, P-256 certificates with SPIFFE URI SANs) on CPU 1; loopback"
  echo "- each figure: ${WARMUP}s warm-up then ${DURATION}s measured, $CONNECTIONS connections; handshakes/s = requests/s with a new connection (full handshake with client certificate, no resumption) per request"
  echo "- load average (1/5/15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER"
  echo
  echo "| Metric | direct (nginx mTLS) | Remora | HAProxy | Remora/direct | Remora/HAProxy | errors d/R/H |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  row "mTLS H1 keep-alive req/s ($CONNECTIONS conns)" KA
  row "mTLS handshakes/s (new connection per request)" HS
  cpu_row "keep-alive: CPU s per 1k requests (lower is better)" KA
  cpu_row "handshakes: CPU s per 1k handshakes (lower is better)" HS
}
if [[ -n "$RESULTS_DIR" ]]; then
  mkdir -p "$RESULTS_DIR"
  report | tee "$RESULTS_DIR/$STAMP-mtls.md"
else
  report
fi
