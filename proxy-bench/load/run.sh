#!/usr/bin/env bash
# Remora's load harness: one command, one run, the same upstream for every target.
#
#   proxy-bench/load/run.sh                 full run (~12 min)
#   QUICK=1 proxy-bench/load/run.sh         3-second workloads, to check the harness end to end
#
# Targets, in turn: direct (the upstream itself: the physical limit), Remora, HAProxy, nginx.
# Each proxy gets one worker thread and is pinned with the upstream to CPU 0; every load
# generator runs on CPU 1. Traffic stays on 127.0.0.1, ports are chosen free at start.
# The results file also gives the machine's load average before and after the run and the share
# of CPU time the hypervisor took during it: on a shared host every target reads lower when that
# is high, so compare runs of a similar share.
#
# Environment (all optional):
#   QUICK=1            3 s workloads, 1 s warm-ups, 256 MiB TCP transfer
#   (gRPC: GrpcLoad unary and stream modes, DURATION and WARMUP as wrk's)
#   DURATION=15        seconds of wrk and h2load
#   CR_RATE=1000       constant-rate requests/s;  CR_DURATION=30 its seconds;  CR_CONNECTIONS=10
#   TCP_BYTES=1073741824   bytes of the TCP transfer
#   WARMUP=15          seconds of unmeasured wrk (and h2load, gRPC) load per target before its measured
#                      runs. Remora's JIT compiles its hot paths in the first seconds of load, on the
#                      proxy's only CPU: with 5 s the measured window still held C2 (the same build's
#                      H2 row moved between 0.43x and 0.62x HAProxy); every target gets the same warm-up
#   TARGETS="direct remora haproxy nginx"
#   JAVA_HOME          JDK for Remora and the Java load tools (default: java on PATH, Java 17);
#                      e.g. JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
#   REMORA_JAVA_OPTS   extra JVM flags for Remora, after the launcher's own (default: none, so the
#                      run measures what bin/remora gives every user)
#   REMORA_JAR         default proxy-xds/target/remora.jar;  REBUILD=1 forces the Maven build
#   RESULTS_DIR        default proxy-bench/results (QUICK=1: proxy-bench/results/quick)
#   PORT_RANGE         where the free ports are picked (default 20000-49999)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOAD="$ROOT/proxy-bench/load"

if [[ "${QUICK:-0}" == 1 ]]; then
  DURATION=${DURATION:-3}; CR_DURATION=${CR_DURATION:-3}; WARMUP=${WARMUP:-1}
  TCP_BYTES=${TCP_BYTES:-268435456}
  IPERF_DURATION=${IPERF_DURATION:-3}
fi
DURATION=${DURATION:-15}
CR_RATE=${CR_RATE:-1000}
CR_DURATION=${CR_DURATION:-30}
CR_CONNECTIONS=${CR_CONNECTIONS:-10}
TCP_BYTES=${TCP_BYTES:-1073741824}
IPERF_DURATION=${IPERF_DURATION:-10}
WARMUP=${WARMUP:-15}
TARGETS=${TARGETS:-"direct remora haproxy nginx"}
REMORA_JAR=${REMORA_JAR:-$ROOT/proxy-xds/target/remora.jar}
BENCH_JAR=$ROOT/proxy-bench/target/benchmarks.jar
# QUICK runs only check that the harness works: they go to results/quick/ (git-ignored).
if [[ "${QUICK:-0}" == 1 ]]; then RESULTS_DIR=${RESULTS_DIR:-$ROOT/proxy-bench/results/quick}; fi
RESULTS_DIR=${RESULTS_DIR:-$ROOT/proxy-bench/results}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
# Remora runs through its launcher (bin/remora), as the README and the image start it: the launcher
# picks the JVM flags and maps its class-data archive; REMORA_JAVA_OPTS only adds to them.
REMORA_JAVA_OPTS=${REMORA_JAVA_OPTS:-}
LAUNCHER=$ROOT/bin/remora
export REMORA_JAR
CLK_TCK=$(getconf CLK_TCK)

log() { echo "[run.sh $(date +%H:%M:%S)] $*" >&2; }

# ---------------------------------------------------------------- install what is missing
install_missing() {
  local pkgs=()
  command -v haproxy >/dev/null || pkgs+=(haproxy)
  command -v nginx >/dev/null || pkgs+=(nginx)
  command -v wrk >/dev/null || pkgs+=(wrk)
  command -v h2load >/dev/null || pkgs+=(nghttp2-client)
  command -v iperf3 >/dev/null || pkgs+=(iperf3)
  command -v taskset >/dev/null || pkgs+=(util-linux)
  command -v getconf >/dev/null || pkgs+=(libc-bin)
  [[ -e /usr/lib/nginx/modules/ngx_stream_module.so ]] || pkgs+=(libnginx-mod-stream)
  command -v "$JAVA" >/dev/null || pkgs+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null || pkgs+=(maven)
  ((${#pkgs[@]} == 0)) && return 0
  log "installing: ${pkgs[*]}"
  # Keep the packages' init scripts from starting system-wide nginx/haproxy on port 80.
  local made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
  ((made_policy)) && rm -f /usr/sbin/policy-rc.d
  return 0
}
install_missing
CLK_TCK=$(getconf CLK_TCK)

# ---------------------------------------------------------------- build
if [[ "${REBUILD:-0}" == 1 || ! -f "$REMORA_JAR" || ! -f "$BENCH_JAR" ]]; then
  log "building remora.jar and benchmarks.jar"
  (cd "$ROOT" && mvn -B -q -DskipTests package -pl proxy-xds,proxy-bench -am)
fi

# ---------------------------------------------------------------- processes and cleanup
WORK=$(mktemp -d /tmp/remora-bench.XXXXXX)
KEEP_WORK=1 # the raw outputs stay, named in the results file
# shellcheck source=lib.sh
. "$LOAD/lib.sh"
RUN_MARK=$(cpu_mark)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# start NAME CMD...: runs CMD in the background, logs to $WORK/NAME.log, sets LAST_PID.
start() {
  local name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  LAST_PID=$!
  STARTED+=("$LAST_PID")
}

stop() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}


# proc_tree PID: the process and its children (nginx master and worker).
proc_tree() {
  local root=$1 d ppid
  echo "$root"
  for d in /proc/[0-9]*; do
    ppid=$(sed 's/.*) //' "$d/stat" 2>/dev/null | awk '{print $2}') || continue
    if [[ "$ppid" == "$root" ]]; then echo "${d#/proc/}"; fi
  done
  return 0
}
stat_ticks() { # AWK_EXPR PIDS...: an expression over /proc/PID/stat's fields after the name, summed
  local expr=$1 sum=0 p t
  shift
  for p in "$@"; do
    t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk "{print $expr}") || t=0
    sum=$((sum + ${t:-0}))
  done
  echo "$sum"
}
cpu_ticks() { stat_ticks '$12+$13' "$@"; } # PIDS...: utime+stime
sys_ticks() { stat_ticks '$13' "$@"; }     # PIDS...: stime (the kernel's share of cpu_ticks)
reset_hwm() { local p; for p in "$@"; do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done; }
hwm_kb() { local p; for p in "$@"; do awk '/^VmHWM:/{print $2}' "/proc/$p/status" 2>/dev/null; done | awk '{s+=$1} END{print s+0}'; }

# ---------------------------------------------------------------- results
declare -A R=()
put() { R["$1.$2"]=$3; }
get() { echo "${R[$1.$2]:-}"; }
to_ms() { # wrk's "1.23ms" / "850.00us" / "1.02s" -> ms
  awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us$/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v); print v+0} else if (v ~ /s$/) {sub(/s$/,"",v); print v*1000} else print "" }'
}

PIDS=()  # the measured proxy's processes for the workload running now

run_wrk() { # TARGET PORT
  local t=$1 port=$2 out=$WORK/wrk-$1.txt
  taskset -c 1 wrk -t1 -c50 -d"${WARMUP}s" "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
  reset_hwm "${PIDS[@]}"
  # The upstream nginx shares CPU 0: its CPU per request bounds the proxy's req/s as much as the
  # proxy's own does. The proxy's system time is the loopback TCP work of its calls.
  local up; up=($(proc_tree "$UPSTREAM_PID"))
  local c0 s0 u0; c0=$(cpu_ticks "${PIDS[@]}"); s0=$(sys_ticks "${PIDS[@]}"); u0=$(cpu_ticks "${up[@]}")
  taskset -c 1 wrk -t1 -c50 -d"${DURATION}s" --latency "http://127.0.0.1:$port/" >"$out" 2>&1 || true
  local c1 s1 u1; c1=$(cpu_ticks "${PIDS[@]}"); s1=$(sys_ticks "${PIDS[@]}"); u1=$(cpu_ticks "${up[@]}")
  local rps reqs errs
  rps=$(awk '/^Requests\/sec:/{print $2}' "$out")
  reqs=$(awk '/requests in/{print $1}' "$out")
  errs=$(awk '/Non-2xx or 3xx responses:/{n+=$NF} /Socket errors:/{gsub(/,/,""); n+=$4+$6+$8+$10} END{print n+0}' "$out")
  put "$t" h1_rps "$rps"
  put "$t" h1_errors "$errs"
  put "$t" h1_p50 "$(to_ms "$(awk '$1=="50%"{print $2}' "$out")")"
  put "$t" h1_p90 "$(to_ms "$(awk '$1=="90%"{print $2}' "$out")")"
  put "$t" h1_p99 "$(to_ms "$(awk '$1=="99%"{print $2}' "$out")")"
  if [[ -n "$reqs" && "$reqs" != 0 ]]; then
    put "$t" h1_up_cpu "$(awk -v d=$((u1 - u0)) -v hz="$CLK_TCK" -v n="$reqs" 'BEGIN{printf "%.4f", d/hz/n*1000}')"
  fi
  if ((${#PIDS[@]})) && [[ -n "$reqs" && "$reqs" != 0 ]]; then
    put "$t" h1_cpu "$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v n="$reqs" 'BEGIN{printf "%.4f", d/hz/n*1000}')"
    put "$t" h1_sys "$(awk -v d=$((s1 - s0)) -v hz="$CLK_TCK" -v n="$reqs" 'BEGIN{printf "%.4f", d/hz/n*1000}')"
    put "$t" h1_rss "$(awk -v k="$(hwm_kb "${PIDS[@]}")" 'BEGIN{printf "%.1f", k/1024}')"
  fi
  log "$t h1: $rps req/s, errors $errs"
}

run_h2() { # TARGET PORT
  local t=$1 port=$2 out=$WORK/h2load-$1.txt
  # Warmed up like the wrk run: without it the HTTP/2 row measured the JIT compiling the HTTP/2
  # paths (C2 threads share the proxy's pinned CPU; ~3 CPU-s of C2 in the first ~100k requests).
  taskset -c 1 timeout $((WARMUP + 30)) h2load -t1 -c50 -m10 -D "$WARMUP" "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
  local c0; c0=$(cpu_ticks "${PIDS[@]}")
  taskset -c 1 timeout $((DURATION + 30)) h2load -t1 -c50 -m10 -D "$DURATION" --warm-up-time=1 "http://127.0.0.1:$port/" >"$out" 2>&1 || true
  local c1; c1=$(cpu_ticks "${PIDS[@]}")
  local rps ok failed
  rps=$(awk '/^finished in/{gsub(/,/,""); print $4}' "$out")
  ok=$(awk '/^requests:/{for(i=1;i<=NF;i++) if($(i)=="succeeded,") print $(i-1)}' "$out")
  failed=$(awk '/^requests:/{for(i=1;i<=NF;i++) if($(i)=="failed," || $(i)=="errored,") n+=$(i-1)} END{print n+0}' "$out")
  put "$t" h2_rps "$rps"
  put "$t" h2_errors "$failed"
  put "$t" h2_mean "$(to_ms "$(awk '/^time for request:/{print $6}' "$out")")"
  if ((${#PIDS[@]})) && [[ -n "$ok" && "$ok" != 0 ]]; then
    put "$t" h2_cpu "$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v n="$ok" 'BEGIN{printf "%.4f", d/hz/n*1000}')"
  fi
  log "$t h2: $rps req/s, succeeded $ok, failed $failed"
}

run_cr() { # TARGET PORT
  local t=$1 port=$2 out=$WORK/cr-$1.txt
  local watch; watch=$(IFS=,; echo "${PIDS[*]:-}")
  taskset -c 1 timeout $((CR_DURATION + 60)) "$JAVA" -cp "$BENCH_JAR" io.remora.bench.load.ConstantRateClient \
    --url "http://127.0.0.1:$port/" --rate "$CR_RATE" --duration "$CR_DURATION" \
    --connections "$CR_CONNECTIONS" --warmup 2 ${watch:+--watch-pids "$watch"} >"$out" 2>&1 || true
  local line; line=$(grep '^RESULT' "$out" || true)
  kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $line"; }
  put "$t" cr_rate "$(kv rate)"
  put "$t" cr_errors "$(kv errors)"
  local q; for q in p50 p90 p99 p999 max; do
    put "$t" "cr_$q" "$(awk -v u="$(kv ${q}_us)" 'BEGIN{ if (u!="") printf "%.3f", u/1000}')"
  done
  if ((${#PIDS[@]})) && [[ -n "$(kv cpu_ticks)" ]]; then
    put "$t" cr_cpu "$(awk -v d="$(kv cpu_ticks)" -v hz="$CLK_TCK" -v n="$(kv completed)" 'BEGIN{ if (n>0) printf "%.4f", d/hz/n*1000}')"
    put "$t" cr_rss "$(awk -v k="$(kv hwm_kb)" 'BEGIN{printf "%.1f", k/1024}')"
  fi
  log "$t constant rate: ${line:-no result, see $out}"
}

run_tcp() { # TARGET PORT
  local t=$1 port=$2 out=$WORK/tcp-$1.txt
  taskset -c 1 timeout 120 "$JAVA" -cp "$BENCH_JAR" io.remora.bench.load.TcpBulk fetch 127.0.0.1 "$port" \
    "$TCP_BYTES" >/dev/null 2>&1 || true
  local c0; c0=$(cpu_ticks "${PIDS[@]}")
  taskset -c 1 timeout 300 "$JAVA" -cp "$BENCH_JAR" io.remora.bench.load.TcpBulk fetch 127.0.0.1 "$port" \
    "$TCP_BYTES" >"$out" 2>&1 && ok=1 || ok=0
  local c1; c1=$(cpu_ticks "${PIDS[@]}")
  local mbs; mbs=$(sed -n 's/.*mb_per_s=\([^ ]*\).*/\1/p' "$out")
  if ((ok)); then
    put "$t" tcp_mbs "$mbs"
    if ((${#PIDS[@]})); then
      put "$t" tcp_cpu "$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v b="$TCP_BYTES" 'BEGIN{printf "%.3f", d/hz/(b/1e9)}')"
    fi
  else
    put "$t" tcp_mbs "fail"
  fi
  log "$t tcp: $(cat "$out" | tail -1)"
}

# iperf3 through the target (the issue's TCP measurement): client on CPU 1 sending for
# IPERF_DURATION s to an iperf3 server on CPU 0 (the opposite direction to TcpBulk's row), after
# 2 s unrecorded (-O 2). Gbit/s as the server received it, proxy CPU s per GB received.
run_iperf() { # TARGET PORT
  local t=$1 port=$2 out=$WORK/iperf-$1.json
  local c0; c0=$(cpu_ticks "${PIDS[@]}")
  if taskset -c 1 timeout $((IPERF_DURATION + 30)) iperf3 -c 127.0.0.1 -p "$port" -t "$IPERF_DURATION" -O 2 -J >"$out" 2>&1; then
    local c1; c1=$(cpu_ticks "${PIDS[@]}")
    local gbit bytes
    read -r gbit bytes < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["end"]["sum_received"]; print("%.2f %d" % (r["bits_per_second"]/1e9, r["bytes"]))' "$out")
    put "$t" iperf_gbit "$gbit"
    if ((${#PIDS[@]})); then
      # Ticks cover the omitted first 2 s too: scale the bytes by the same wall time.
      put "$t" iperf_cpu "$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v b="$bytes" -v s="$IPERF_DURATION" 'BEGIN{printf "%.3f", d/hz/(b*(s+2)/s/1e9)}')"
    fi
    log "$t iperf3: $gbit Gbit/s"
  else
    put "$t" iperf_gbit "fail"
    log "$t iperf3 failed: $(tail -3 "$out")"
  fi
}

run_grpc() { # TARGET PORT: gRPC unary calls and bidirectional-stream messages through the target
  local t=$1 port=$2 mode
  local watch; watch=$(IFS=,; echo "${PIDS[*]:-}")
  for mode in unary stream; do
    local out=$WORK/grpc-$mode-$t.txt
    taskset -c 1 timeout $((DURATION + WARMUP + 60)) "$JAVA" -cp "$BENCH_JAR" io.remora.bench.load.GrpcLoad "$mode" \
      127.0.0.1 "$port" --duration "$DURATION" --warmup "$WARMUP" --connections 10 --concurrency 100 \
      ${watch:+--watch-pids "$watch"} >"$out" 2>&1 || true
    local line; line=$(grep '^RESULT' "$out" || true)
    kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $line"; }
    put "$t" "grpc_${mode}_rate" "$(kv rate)"
    put "$t" "grpc_${mode}_errors" "$(kv errors)"
    put "$t" "grpc_${mode}_p99" "$(awk -v u="$(kv p99_us)" 'BEGIN{ if (u!="") printf "%.3f", u/1000}')"
    if ((${#PIDS[@]})) && [[ -n "$(kv cpu_ticks)" ]]; then
      put "$t" "grpc_${mode}_cpu" "$(awk -v d="$(kv cpu_ticks)" -v hz="$CLK_TCK" -v n="$(kv completed)" 'BEGIN{ if (n>0) printf "%.4f", d/hz/n*1000}')"
    fi
    log "$t grpc $mode: ${line:-no result, see $out}"
  done
}

# ---------------------------------------------------------------- the run
pick_ports
log "work dir $WORK; upstream :${PORT[UPSTREAM_PORT]} (h2c :${PORT[UPSTREAM_H2_PORT]}), TCP source :${PORT[TCP_UPSTREAM_PORT]}"

render "$LOAD/nginx-upstream.conf" "$WORK/nginx-upstream.conf"
start upstream taskset -c 0 nginx -p "$WORK" -c "$WORK/nginx-upstream.conf" -g 'daemon off;'
UPSTREAM_PID=$LAST_PID
wait_port "${PORT[UPSTREAM_PORT]}" 10 "$UPSTREAM_PID" || { cat "$WORK/upstream.log" >&2; exit 1; }
http_ok "${PORT[UPSTREAM_PORT]}" 5 || { log "upstream does not answer 200"; exit 1; }
DIRECT_H2=1
wait_port "${PORT[UPSTREAM_H2_PORT]}" 5 || DIRECT_H2=0

start source taskset -c 0 "$JAVA" -Xmx64m -cp "$BENCH_JAR" io.remora.bench.load.TcpBulk source "${PORT[TCP_UPSTREAM_PORT]}" "$TCP_BYTES"
SOURCE_PID=$LAST_PID
wait_port "${PORT[TCP_UPSTREAM_PORT]}" 20 "$SOURCE_PID" || { cat "$WORK/source.log" >&2; exit 1; }

start iperf-server taskset -c 0 iperf3 -s -p "${PORT[IPERF_UPSTREAM_PORT]}"
wait_port "${PORT[IPERF_UPSTREAM_PORT]}" 10 "$LAST_PID" || { cat "$WORK/iperf-server.log" >&2; exit 1; }

# The gRPC upstream: grpc-java echo (unary and bidirectional streaming), beside nginx on CPU 0.
start grpc-upstream taskset -c 0 "$JAVA" -XX:+UseSerialGC -Xmx128m -cp "$BENCH_JAR" io.remora.bench.load.GrpcLoad server "${PORT[GRPC_UPSTREAM_PORT]}"
GRPC_UPSTREAM_PID=$LAST_PID
wait_port "${PORT[GRPC_UPSTREAM_PORT]}" 30 "$GRPC_UPSTREAM_PID" || { cat "$WORK/grpc-upstream.log" >&2; exit 1; }

declare -A NOTE=()
for t in $TARGETS; do
  PIDS=()
  case $t in
    direct)
      run_wrk direct "${PORT[UPSTREAM_PORT]}"
      if ((DIRECT_H2)); then run_h2 direct "${PORT[UPSTREAM_H2_PORT]}"; else NOTE[direct]="nginx upstream has no h2c port"; fi
      run_cr direct "${PORT[UPSTREAM_PORT]}"
      run_grpc direct "${PORT[GRPC_UPSTREAM_PORT]}"
      run_tcp direct "${PORT[TCP_UPSTREAM_PORT]}"
      run_iperf direct "${PORT[IPERF_UPSTREAM_PORT]}"
      ;;
    remora)
      if ! "$JAVA" -version >/dev/null 2>&1 || [[ ! -f "$REMORA_JAR" ]]; then NOTE[remora]="no remora.jar"; continue; fi
      render "$LOAD/remora-http.yaml" "$WORK/remora-http.yaml"
      # shellcheck disable=SC2086
      # A first run per jar makes the launcher's class-data archive (a training JVM first): here, unmeasured.
      REMORA_JAVA_OPTS="$REMORA_JAVA_OPTS" "$LAUNCHER" --mode init_only -c "$WORK/remora-http.yaml" >/dev/null 2>&1 || true
      start remora-http taskset -c 0 env REMORA_JAVA_OPTS="$REMORA_JAVA_OPTS" "$LAUNCHER" -c "$WORK/remora-http.yaml" --concurrency 1 --drain-time-s 1
      RPID=$LAST_PID
      if wait_port "${PORT[HTTP_PORT]}" 60 "$RPID" && http_ok "${PORT[HTTP_PORT]}" 5; then
        PIDS=($(proc_tree "$RPID")) # the JVM (the launcher execs it)
        run_wrk remora "${PORT[HTTP_PORT]}"
        if wait_port "${PORT[H2_PORT]}" 2; then run_h2 remora "${PORT[H2_PORT]}"; fi
        run_cr remora "${PORT[HTTP_PORT]}"
        run_grpc remora "${PORT[GRPC_PORT]}"
      else
        NOTE[remora]="HTTP listener did not answer 200 (log: $WORK/remora-http.log)"
        log "${NOTE[remora]}"; tail -20 "$WORK/remora-http.log" >&2 || true
      fi
      stop "$RPID"
      render "$LOAD/remora-tcp.yaml" "$WORK/remora-tcp.yaml"
      # shellcheck disable=SC2086
      start remora-tcp taskset -c 0 env REMORA_JAVA_OPTS="$REMORA_JAVA_OPTS" "$LAUNCHER" -c "$WORK/remora-tcp.yaml" --concurrency 1 --drain-time-s 1
      RPID=$LAST_PID
      if wait_port "${PORT[TCP_PORT]}" 60 "$RPID"; then
        PIDS=($(proc_tree "$RPID")); run_tcp remora "${PORT[TCP_PORT]}"; run_iperf remora "${PORT[IPERF_PORT]}"
      else
        NOTE[remora]="${NOTE[remora]:-} tcp_proxy listener did not start (log: $WORK/remora-tcp.log)"
      fi
      stop "$RPID"
      ;;
    haproxy)
      render "$LOAD/haproxy.cfg" "$WORK/haproxy.cfg"
      start haproxy taskset -c 0 haproxy -db -f "$WORK/haproxy.cfg"
      HPID=$LAST_PID
      if wait_port "${PORT[HTTP_PORT]}" 10 "$HPID" && http_ok "${PORT[HTTP_PORT]}" 5; then
        PIDS=($(proc_tree "$HPID"))
        run_wrk haproxy "${PORT[HTTP_PORT]}"; run_h2 haproxy "${PORT[H2_PORT]}"; run_cr haproxy "${PORT[HTTP_PORT]}"; run_grpc haproxy "${PORT[GRPC_PORT]}"
        run_tcp haproxy "${PORT[TCP_PORT]}"; run_iperf haproxy "${PORT[IPERF_PORT]}"
      else
        NOTE[haproxy]="did not start (log: $WORK/haproxy.log)"; cat "$WORK/haproxy.log" >&2
      fi
      stop "$HPID"
      ;;
    nginx)
      render "$LOAD/nginx-proxy.conf" "$WORK/nginx-proxy.conf"
      start nginx taskset -c 0 nginx -p "$WORK" -c "$WORK/nginx-proxy.conf" -g 'daemon off;'
      NPID=$LAST_PID
      if wait_port "${PORT[HTTP_PORT]}" 10 "$NPID" && http_ok "${PORT[HTTP_PORT]}" 5; then
        PIDS=($(proc_tree "$NPID"))
        run_wrk nginx "${PORT[HTTP_PORT]}"; run_h2 nginx "${PORT[H2_PORT]}"; run_cr nginx "${PORT[HTTP_PORT]}"; run_grpc nginx "${PORT[GRPC_PORT]}"
        run_tcp nginx "${PORT[TCP_PORT]}"; run_iperf nginx "${PORT[IPERF_PORT]}"
      else
        NOTE[nginx]="did not start (log: $WORK/nginx.log)"; cat "$WORK/nginx.log" "$WORK/nginx-proxy-error.log" >&2 || true
      fi
      stop "$NPID"
      ;;
    *) log "unknown target $t"; exit 2 ;;
  esac
done

# ---------------------------------------------------------------- the table
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a/b; else print "–"}'; }
cell() { local v; v=$(get "$1" "$2"); echo "${v:-–}"; }
verdict() { # EXPR over a (Remora) and b (reference) -> PASS/FAIL/–
  awk -v a="$1" -v b="$2" "BEGIN{ if (a !~ /^-?[0-9.]+\$/ || b !~ /^-?[0-9.]+\$/) print \"–\"; else print (($3) ? \"PASS\" : \"FAIL\") }"
}
row() { # LABEL KEY TARGET_TEXT VERDICT
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(cell direct "$2")" "$(cell remora "$2")" \
    "$(cell haproxy "$2")" "$(cell nginx "$2")" "$(ratio "$(get remora "$2")" "$(get direct "$2")")" \
    "$(ratio "$(get remora "$2")" "$(get haproxy "$2")")" "${3:-}${4:+ — **$4**}"
}
added_p99=$(awk -v a="$(get remora cr_p99)" -v b="$(get direct cr_p99)" 'BEGIN{ if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/) printf "%.3f", a-b; else print ""}')

DATE=$(date -u +%Y-%m-%dT%H%M%SZ)
mkdir -p "$RESULTS_DIR"
OUTFILE="$RESULTS_DIR/$DATE.md"
{
  echo "# Remora load run $DATE"
  echo
  echo "- cores (nproc): $(nproc); kernel: $(uname -r); CPU: $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
  echo "- JDK: $("$JAVA" -version 2>&1 | head -1); Remora started by bin/remora: $(REMORA_JAVA_OPTS="$REMORA_JAVA_OPTS" "$LAUNCHER" --version 2>&1 | sed -n 's/^remora launcher: //p' | paste -sd ';' -)"
  echo "- peers: $(haproxy -v 2>&1 | head -1 | awk '{print $1, $2, $3}'), $(nginx -v 2>&1 | sed 's/.*: //'), $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}'), h2load $(h2load --version 2>&1 | awk '{print $NF}')"
  echo "- layout: proxy and upstream nginx (1 worker) pinned to CPU 0, load generators on CPU 1, loopback only;" \
       "one worker thread per proxy; warm-up ${WARMUP}s wrk and ${WARMUP}s h2load per target; wrk/h2load ${DURATION}s; constant rate ${CR_RATE}/s for ${CR_DURATION}s over ${CR_CONNECTIONS} connections (after 2 s unrecorded); gRPC (grpc-java client and echo upstream, 128-byte messages, upstream on CPU 0) ${WARMUP}s warm-up + ${DURATION}s per mode; TCP ${TCP_BYTES} bytes upstream→client; iperf3 client→server ${IPERF_DURATION}s after 2 s unrecorded, server on CPU 0"
  echo "- machine: load average $LOAD_BEFORE before the run; at its end $(machine_since "$RUN_MARK") over the run"
  echo "- CPU = proxy utime+stime (all its processes) per 1,000 requests, from /proc/PID/stat (system = stime alone); RSS = peak (VmHWM, reset before the workload) in MiB"
  [[ "${QUICK:-0}" == 1 ]] && echo "- QUICK mode: short runs, figures only show the harness works"
  for t in direct remora haproxy nginx; do [[ -n "${NOTE[$t]:-}" ]] && echo "- note, $t: ${NOTE[$t]}"; done
  echo
  echo "| Metric | direct | Remora | HAProxy | nginx | Remora/direct | Remora/HAProxy | Target |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  row "H1 keep-alive req/s (wrk -t1 -c50)" h1_rps "≥ 1.2× HAProxy" "$(verdict "$(get remora h1_rps)" "$(get haproxy h1_rps)" 'a>=1.2*b')"
  row "H1 latency p50 ms (wrk)" h1_p50
  row "H1 latency p90 ms (wrk)" h1_p90
  row "H1 latency p99 ms (wrk)" h1_p99
  row "H1 errors (non-2xx + socket)" h1_errors
  row "H1 proxy CPU s / 1k req" h1_cpu "≤ HAProxy" "$(verdict "$(get remora h1_cpu)" "$(get haproxy h1_cpu)" 'a<=b')"
  row "H1 proxy system (kernel) CPU s / 1k req" h1_sys
  row "H1 upstream nginx CPU s / 1k req (on the proxy's CPU)" h1_up_cpu
  row "H1 proxy peak RSS MiB" h1_rss
  row "H2 req/s (h2load -c50 -m10, h2c)" h2_rps "≥ HAProxy" "$(verdict "$(get remora h2_rps)" "$(get haproxy h2_rps)" 'a>=b')"
  row "H2 mean latency ms (h2load)" h2_mean
  row "H2 failed requests" h2_errors
  row "H2 proxy CPU s / 1k req" h2_cpu
  row "gRPC unary calls/s (10 connections, 100 in flight)" grpc_unary_rate "≥ HAProxy" "$(verdict "$(get remora grpc_unary_rate)" "$(get haproxy grpc_unary_rate)" 'a>=b')"
  row "gRPC unary p99 ms" grpc_unary_p99
  row "gRPC unary errors" grpc_unary_errors
  row "gRPC unary proxy CPU s / 1k calls" grpc_unary_cpu
  row "gRPC streaming messages/s (100 ping-pong streams)" grpc_stream_rate "≥ HAProxy" "$(verdict "$(get remora grpc_stream_rate)" "$(get haproxy grpc_stream_rate)" 'a>=b')"
  row "gRPC streaming p99 ms" grpc_stream_p99
  row "gRPC streaming errors" grpc_stream_errors
  row "gRPC streaming proxy CPU s / 1k messages" grpc_stream_cpu
  row "TCP transfer MB/s ($((TCP_BYTES / 1048576)) MiB, upstream→client)" tcp_mbs "≥ 90% of direct" "$(verdict "$(get remora tcp_mbs)" "$(get direct tcp_mbs)" 'a>=0.9*b')"
  row "TCP proxy CPU s / GB" tcp_cpu
  row "TCP iperf3 Gbit/s (client→server, ${IPERF_DURATION} s)" iperf_gbit "≥ 90% of direct" "$(verdict "$(get remora iperf_gbit)" "$(get direct iperf_gbit)" 'a>=0.9*b')"
  row "TCP iperf3 proxy CPU s / GB" iperf_cpu
  row "@${CR_RATE}/s achieved req/s" cr_rate
  row "@${CR_RATE}/s p50 ms (from intended send)" cr_p50
  row "@${CR_RATE}/s p90 ms" cr_p90
  row "@${CR_RATE}/s p99 ms" cr_p99 "added p99 < 0.5 ms over direct (Remora: ${added_p99:-–} ms)" \
    "$(verdict "${added_p99:-x}" 0 'a<0.5')"
  row "@${CR_RATE}/s p99.9 ms" cr_p999
  row "@${CR_RATE}/s max ms" cr_max
  row "@${CR_RATE}/s errors" cr_errors
  row "@${CR_RATE}/s proxy CPU s / 1k req" cr_cpu "≤ HAProxy" "$(verdict "$(get remora cr_cpu)" "$(get haproxy cr_cpu)" 'a<=b')"
  row "@${CR_RATE}/s proxy peak RSS MiB" cr_rss "Remora < 96 MB" "$(verdict "$(get remora cr_rss)" 96 'a*1.048576<96')"
} | tee "$OUTFILE"
log "written $OUTFILE (raw outputs in $WORK)"
