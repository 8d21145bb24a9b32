#!/usr/bin/env bash
# Remora's startup to ready: from exec to the admin's /ready answering 200 AND the first listener
# answering a request, N times; prints each run and the best, median and max (ms), with the CPU
# seconds the proxy had used when it became ready (utime+stime from /proc: less load-dependent
# than wall time) and its RSS then.
#
#   proxy-bench/load/startup.sh                            bin/remora, both configs, 10 runs each
#   RUNS=20 CONFIGS=istio proxy-bench/load/startup.sh
#   REMORA_CMD="java -jar proxy-xds/target/remora.jar" proxy-bench/load/startup.sh
#   REMORA_JAVA_OPTS=... JAVA_HOME=... proxy-bench/load/startup.sh    (passed on to bin/remora)
#
# Configs (CONFIGS, space separated):
#   default  the load harness's HTTP bootstrap (remora-http.yaml: admin, two HCM listeners, one
#            STATIC cluster); ready = /ready 200 and a GET through the HTTP/1.1 listener answered.
#   istio    Istio's sidecar bootstrap as pilot-agent writes it (proxy-xds test resource
#            istio/bootstrap-default.json: node metadata, stats_config with Istio's tag regexes,
#            the 15090 Prometheus and 15021 health listeners, the xds-grpc/sds-grpc/agent clusters)
#            without dynamic_resources (no istiod here), ports moved to free ones on 127.0.0.1;
#            ready = /ready 200 and the 15021 listener answering (any status: its cluster is absent).
#   istio-ads  the same bootstrap with its dynamic_resources (delta ADS for listeners and clusters),
#            the xds-grpc cluster pointed at a java-control-plane server on loopback
#            (StartupControlPlane in benchmarks.jar: one cluster, one listener binding no port); ready as istio,
#            which Remora is once its first CDS and LDS responses are applied. Not in the default
#            CONFIGS: it needs proxy-bench/target/benchmarks.jar (mvn package).
#
# bin/remora's first run for a jar, JDK and flags first makes its class-data archive in a training
# JVM, a child of the launcher (that run is marked "archive made"): the other runs map it.
# REMORA_CDS=off measures without.
# The proxy is pinned to CPU 0, this script's poller to CPU 1 (PROXY_CPUS= pins neither). Startup
# depends on the machine's load: `uptime` is printed with the figures; take the best of N as well
# as the median.
# With REMORA_JARS (remora.jar files of different names, e.g. one per commit), each run starts each
# jar in turn through REMORA_CMD (REMORA_JAR=<jar>), labelled by the jar's file name, with a result
# line per jar: builds compared start by start, so that the machine's load hits them alike.
#   RUNS=8 PROXY_CPUS= REMORA_JARS="/tmp/old.jar /tmp/new.jar" proxy-bench/load/startup.sh
# Environment: RUNS=10 CONFIGS="default istio" REMORA_CMD (default: bin/remora), REMORA_JARS, OUT
#   (append), PORT_RANGE=20000-49999 (where the ports are picked), PROXY_CPUS=0 (empty: not pinned).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOAD="$ROOT/proxy-bench/load"
RUNS=${RUNS:-10}
CONFIGS=${CONFIGS:-default istio}
REMORA_CMD=${REMORA_CMD:-$ROOT/bin/remora}
# PROXY_CPUS=0 (default) pins the proxy to CPU 0 and the poller to CPU 1; PROXY_CPUS= (empty) leaves
# the proxy on every CPU, as a sidecar with more than one core starts (the poller then shares them)
PROXY_CPUS=${PROXY_CPUS-0}
if [[ -n "$PROXY_CPUS" ]]; then pin="taskset -c $PROXY_CPUS" POLLER_CPUS=1; else pin= POLLER_CPUS=0-$(($(nproc) - 1)); fi
ISTIO_BOOTSTRAP=$ROOT/proxy-xds/src/test/resources/istio/bootstrap-default.json
WORK=$(mktemp -d /tmp/remora-startup.XXXXXX)
# shellcheck source=lib.sh
. "$LOAD/lib.sh"
upstream_pid= # the default config's upstream, stopped after its runs (lib.sh's cleanup on any exit)

out() { echo "$*"; if [[ -n "${OUT:-}" ]]; then echo "$*" >>"$OUT"; fi; }

out "# startup: cores=$(nproc) kernel=$(uname -r) jdk=$("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1 | tr -d '"')"
for jar in ${REMORA_JARS:-}; do
  [[ -f $jar ]] || { echo "REMORA_JARS: no file $jar" >&2; exit 2; }
done
out "# command: $REMORA_CMD -c <config>${REMORA_JARS:+ with each of REMORA_JARS=$REMORA_JARS}; REMORA_JAVA_OPTS=${REMORA_JAVA_OPTS:-}; runs=$RUNS; proxy CPUs: ${PROXY_CPUS:-all}; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

for config in $CONFIGS; do
  pick_ports
  admin=${PORT[ADMIN_PORT]}
  case $config in
    default)
      render "$LOAD/remora-http.yaml" "$WORK/default.yaml"
      up=${PORT[UPSTREAM_PORT]}
      file=$WORK/default.yaml probe=${PORT[HTTP_PORT]}
      # an upstream that answers, so the probe through the listener gets a 200
      python3 -c "
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header('content-length', '2'); self.end_headers(); self.wfile.write(b'ok')
    def log_message(self, *a): pass
socketserver.TCPServer.allow_reuse_address = True
http.server.ThreadingHTTPServer(('127.0.0.1', $up), H).serve_forever()" 2>/dev/null &
      upstream_pid=$!
      STARTED+=($!)
      ;;
    istio)
      prom=$(free_port); health=$(free_port)
      jq --argjson admin "$admin" --argjson prom "$prom" --argjson health "$health" '
        del(.dynamic_resources)
        | .admin.address.socket_address.port_value = $admin
        | .static_resources.listeners |= map(
            .address.socket_address.address = "127.0.0.1"
            | if .address.socket_address.port_value == 15090 then .address.socket_address.port_value = $prom
              elif .address.socket_address.port_value == 15021 then .address.socket_address.port_value = $health
              else . end)' "$ISTIO_BOOTSTRAP" >"$WORK/istio.json"
      file=$WORK/istio.json probe=$health upstream_pid=
      ;;
    istio-ads)
      jar=$ROOT/proxy-bench/target/benchmarks.jar
      [[ -f $jar ]] || { echo "istio-ads needs $jar (mvn -B -q -DskipTests package)" >&2; exit 2; }
      if [[ -z "${ads_port:-}" ]]; then
        ads_port=$(free_port)
        "${JAVA_HOME:+$JAVA_HOME/bin/}java" -Xmx256m -cp "$jar" io.remora.bench.xds.StartupControlPlane "$ads_port" \
          >"$WORK/ads.log" 2>&1 &
        STARTED+=($!)
        for _ in $(seq 300); do grep -q '^listening' "$WORK/ads.log" && break; sleep 0.1; done
        grep -q '^listening' "$WORK/ads.log" || { echo "the control plane did not start: $(cat "$WORK/ads.log")" >&2; exit 1; }
      fi
      prom=$(free_port); health=$(free_port)
      jq --argjson admin "$admin" --argjson prom "$prom" --argjson health "$health" --argjson ads "$ads_port" '
        .admin.address.socket_address.port_value = $admin
        | .static_resources.clusters |= map(if .name == "xds-grpc" then
            .load_assignment.endpoints[0].lb_endpoints[0].endpoint.address =
              { socket_address: { address: "127.0.0.1", port_value: $ads } } else . end)
        | .static_resources.listeners |= map(
            .address.socket_address.address = "127.0.0.1"
            | if .address.socket_address.port_value == 15090 then .address.socket_address.port_value = $prom
              elif .address.socket_address.port_value == 15021 then .address.socket_address.port_value = $health
              else . end)' "$ISTIO_BOOTSTRAP" >"$WORK/istio-ads.json"
      file=$WORK/istio-ads.json probe=$health upstream_pid=
      ;;
    *) echo "unknown config $config" >&2; exit 2 ;;
  esac
  out "## $config ($(basename "$file"))"
  # shellcheck disable=SC2086
  taskset -c "$POLLER_CPUS" python3 - "$RUNS" "$admin" "$probe" "$WORK/$config.log" -- $pin $REMORA_CMD -c "$file" <<'EOF' | while IFS= read -r line; do out "$line"; done
import os, socket, statistics, subprocess, sys, time
runs, admin, probe, log = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
cmd = sys.argv[sys.argv.index("--") + 1:]
tick = os.sysconf("SC_CLK_TCK")

def status(port, path):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: startup\r\nConnection: close\r\n\r\n".encode())
            line = s.makefile("rb").readline().decode(errors="replace")
            return int(line.split()[1]) if line.startswith("HTTP/") else None
    except (OSError, ValueError, IndexError):
        return None

def tree(pid):
    # the launcher execs the JVM (same pid); on a first run a training JVM that makes the
    # class-data archive runs first as its child
    pids = [pid]
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{t}/children") as f:
                for c in f.read().split():
                    pids += tree(int(c))
    except OSError:
        pass
    return pids

def java_child(pid):
    """A JVM below the launcher: the training run of a first start (not the launcher's own helpers)."""
    for c in tree(pid)[1:]:
        try:
            with open(f"/proc/{c}/comm") as f:
                if f.read().strip() == "java":
                    return True
        except OSError:
            pass
    return False

def cpu_and_rss(pid):
    """CPU seconds and RSS (MiB) of the process and its descendants."""
    cpu, rss = 0.0, 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / tick
            with open(f"/proc/{p}/status") as f:
                for l in f:
                    if l.startswith("VmRSS:"):
                        rss += int(l.split()[1]) // 1024
        except OSError:
            pass
    return cpu, rss

jars = os.environ.get("REMORA_JARS", "").split() or [None]
label = {jar: os.path.basename(jar)[:-len(".jar")] if jar.endswith(".jar") else os.path.basename(jar) for jar in jars if jar}
if len(set(label.values())) < len(label):
    sys.exit("REMORA_JARS: the jars need different file names (they label the results)")
ready_ms = {jar: [] for jar in jars}
cpus = {jar: [] for jar in jars}

def start(i, jar):
    env = dict(os.environ, REMORA_JAR=jar) if jar else None
    name = f"{label[jar]} " if jar else ""
    with open(log, "wb") as lf:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT, env=env)
        admin_ok = listener_ok = False
        first = False
        while True:
            first = first or java_child(p.pid)
            if p.poll() is not None:
                print(f"run {i + 1}: the proxy exited ({p.returncode}) before ready; log {log}", file=sys.stderr)
                sys.stderr.write(open(log).read()[-3000:])
                sys.exit(1)
            admin_ok = admin_ok or status(admin, "/ready") == 200
            listener_ok = listener_ok or (admin_ok and status(probe, "/healthz/ready") is not None)
            if admin_ok and listener_ok:
                break
            if time.monotonic() - t0 > 120:
                p.kill(); print("not ready in 120 s", file=sys.stderr); sys.exit(1)
            time.sleep(0.005)
        ms = (time.monotonic() - t0) * 1000
        cpu, rss = cpu_and_rss(p.pid)
        first = first or java_child(p.pid)
        p.terminate()
        try:
            p.wait(120)
        except subprocess.TimeoutExpired:
            p.kill(); p.wait()
    note = " (archive made first: not counted)" if first else ""
    if not first:
        ready_ms[jar].append(ms); cpus[jar].append(cpu)
    print(f"{name}run {i + 1}: ready {ms:.0f} ms, cpu {cpu:.2f} s, rss {rss} MiB, load {open('/proc/loadavg').read().split()[0]}{note}")

for i in range(runs):
    for jar in jars:
        start(i, jar)
for jar in jars:
    if not ready_ms[jar]:
        sys.exit("no run counted")
    r, c = ready_ms[jar], cpus[jar]
    print(f"RESULT {label[jar] + ' ' if jar else ''}ready_ms best={min(r):.0f} median={statistics.median(r):.0f} max={max(r):.0f}"
          f" cpu_s best={min(c):.2f} median={statistics.median(c):.2f} runs={len(r)}")
EOF
  out "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  if [[ -n "${upstream_pid:-}" ]]; then kill "$upstream_pid" 2>/dev/null || true; wait "$upstream_pid" 2>/dev/null || true; upstream_pid=; fi
done
