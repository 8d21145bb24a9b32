# Sourced by the load scripts (after they set WORK): the processes they start in the background
# are stopped on any exit and WORK is removed (unless KEEP_WORK is set: run.sh keeps its raw
# outputs there), the ports they pick are free and handed out once, the templates beside them are
# rendered with those ports, wait_port waits for a listener and http_ok checks that a port answers.

STARTED=()
cleanup() {
  local p
  for p in "${STARTED[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${STARTED[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'cleanup; [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

port_in_use() { grep -qi "$(printf ':%04X ' "$1")" /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
# PORT_RANGE=LOW-HIGH keeps the ports inside a range (a shared machine hands each user its own)
PORT_RANGE=${PORT_RANGE:-20000-49999}
# Called as $(free_port), a subshell: the ports already handed out are kept in a file, since a
# variable set there would not reach the next call.
free_port() {
  local p lo=${PORT_RANGE%-*} hi=${PORT_RANGE#*-}
  while :; do
    p=$((lo + RANDOM % (hi - lo + 1)))
    grep -qx "$p" "$WORK/.ports" 2>/dev/null && continue
    port_in_use "$p" || { echo "$p" >>"$WORK/.ports"; echo "$p"; return; }
  done
}

# The machine's share of the run: cpu_mark prints the CPUs' stolen and total ticks so far
# (/proc/stat); machine_since MARK says the load average now and the share of CPU time the
# hypervisor took from this machine since MARK. On a shared host every peer reads lower when the
# steal is high, so a run's figures compare only with runs of a similar steal.
cpu_mark() { awk '/^cpu / {print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
machine_since() {
  local s0 t0 s1 t1
  read -r s0 t0 <<<"$1"
  read -r s1 t1 < <(cpu_mark)
  awk -v s="$((s1 - s0))" -v t="$((t1 - t0))" -v l="$(cut -d' ' -f1-3 /proc/loadavg)" \
    'BEGIN { printf "load average %s, CPU time stolen by the hypervisor %.1f %%", l, (t > 0 ? 100 * s / t : 0) }'
}

# The templates' ports (@HTTP_PORT@ ... in remora-*.yaml, haproxy.cfg, nginx-*.conf): pick_ports
# gives each its own free port in PORT[KEY]; render TEMPLATE OUT writes the template with them,
# @DIR@ as $WORK and @STREAM_MODULE@ as Debian's nginx stream module.
TEMPLATE_PORTS="HTTP_PORT H2_PORT TCP_PORT ADMIN_PORT UPSTREAM_PORT UPSTREAM_H2_PORT TCP_UPSTREAM_PORT GRPC_PORT GRPC_UPSTREAM_PORT IPERF_PORT IPERF_UPSTREAM_PORT"
declare -A PORT
pick_ports() {
  local k
  for k in $TEMPLATE_PORTS; do PORT[$k]=$(free_port); done
}
render() {
  local s k
  s=$(<"$1")
  for k in $TEMPLATE_PORTS; do s=${s//@$k@/${PORT[$k]}}; done
  s=${s//@DIR@/$WORK}
  s=${s//@STREAM_MODULE@//usr/lib/nginx/modules/ngx_stream_module.so}
  printf '%s\n' "$s" >"$2"
}

# wait_port PORT [SECONDS=10] [PID]: until something accepts on 127.0.0.1:PORT; false after
# SECONDS, or as soon as PID (the process that should listen) has exited.
wait_port() {
  local deadline=$((SECONDS + ${2:-10}))
  while ((SECONDS < deadline)); do
    if [[ -n "${3:-}" ]] && ! kill -0 "$3" 2>/dev/null; then return 1; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# http_ok PORT [SECONDS=2]: one HTTP/1.1 GET to 127.0.0.1:PORT, true on a 200.
http_ok() {
  local line
  line=$(timeout "${2:-2}" bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; printf 'GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n' >&3; head -1 <&3" 2>/dev/null || true)
  [[ "$line" == *" 200"* ]]
}
