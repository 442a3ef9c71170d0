# Shared by the lab benchmarks that compare Tollgate with kernel-path peers (nginx, HAProxy) on the same
# veths: source it after setting ROOT and PY; it sets P (lab prefix tb), RUN and LAB and an EXIT trap.
#
# The peers run in $P-proxy, a namespace that takes over both root-namespace veth ends (and the VIP and
# gateway addresses) once the dataplane has stopped, so the clients and backends see the same topology.

PEER_PIDS=()   # processes started by peer_start, stopped by peers_cleanup

# The lab these benchmarks run on, and what undoes it (and the peers) however the script ends.
P=${P:-tb}
RUN=${TOLLGATE_RUN_DIR:-/run/tollgate}/lab-$P
LAB="$ROOT/scripts/lab.sh"
cleanup() {
  peers_cleanup
  "$LAB" down --prefix $P >/dev/null 2>&1 || true
}
trap cleanup EXIT

machine_line() {
  printf 'Machine: %s, %s cores, kernel %s\n' "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)" \
    "$(nproc)" "$(uname -r)"
}

# Seconds of worker 0's busy cycles (a polling worker always shows 100% CPU; its cost is its busy cycles).
busy_seconds() {
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.6f" % (d["cores"][0]["cycles_busy"] / d["tsc_hz"]))' \
    "$RUN/stats.json"
}
stat_get() { "$PY" "$ROOT/scripts/lab/stats.py" get "$RUN/stats.json" "$1"; }
settle() { sleep 1.2; }  # two stats snapshots (500 ms each)

# CPU seconds of niced processes machine-wide (other jobs' compilers run at nice 19): a noise indicator.
nice_seconds() { awk -v hz="$(getconf CLK_TCK)" '/^cpu /{print $3 / hz}' /proc/stat; }
NICE0=$(nice_seconds)
noise_line() {
  printf 'Other load during this invocation: %.1f s of CPU time in niced processes (e.g. other jobs'"'"' compilers).\n' \
    "$(echo "$(nice_seconds) - $NICE0" | bc -l)"
}

softirq_seconds() { awk -v hz="$(getconf CLK_TCK)" '/^cpu /{print ($7 + $8) / hz}' /proc/stat; }

# User + system CPU seconds of PID and its children (nginx: master and workers; HAProxy: one process).
tree_cpu_seconds() {
  local hz pids p total=0
  hz=$(getconf CLK_TCK)
  pids="$1 $(pgrep -P "$1" | tr '\n' ' ')"
  for p in $pids; do
    [ -r "/proc/$p/stat" ] || continue
    # Fields after the ")" of the command name: utime is the 12th, stime the 13th.
    total=$(awk -v t="$total" -v hz="$hz" '{sub(/^.*\) /, ""); print t + ($12 + $13) / hz}' "/proc/$p/stat")
  done
  echo "$total"
}

# Stops the dataplane and moves both root-namespace veth ends into $P-proxy with the VIP and gateway.
move_to_proxy_ns() {
  local pid
  pid=$(cat "$RUN/dataplane.pid")
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  ip netns add "$P-proxy"
  for dev in "$P-front:198.18.0.1/24" "$P-back:198.19.0.1/24"; do
    ip link set "${dev%%:*}" netns "$P-proxy"
    ip -n "$P-proxy" addr add "${dev#*:}" dev "${dev%%:*}"
    ip -n "$P-proxy" link set "${dev%%:*}" up
  done
  ip -n "$P-proxy" link set lo up
  ip netns exec "$P-client" ip neigh flush all
  ip netns exec "$P-backend" ip neigh flush all
}

# render TEMPLATE OUT: the peer config with @RUN@ replaced by the lab's run dir.
render() { mkdir -p "$RUN/nginx-tmp"; sed "s#@RUN@#$RUN#g" "$1" >"$2"; }

# haproxy_pem: HAProxy's crt file (the ECDSA chain followed by its key).
haproxy_pem() { cat "$RUN/certs/lab-ecdsa-chain.pem" "$RUN/certs/lab-ecdsa.key" >"$RUN/haproxy.pem"; chmod 600 "$RUN/haproxy.pem"; }

# peer_start NS CPU LOG CMD...: starts CMD in namespace NS pinned to CPU; the PID lands in PEER_PID.
peer_start() {
  local ns=$1 cpu=$2 log=$3
  shift 3
  ip netns exec "$ns" taskset -c "$cpu" "$@" >"$log" 2>&1 &
  PEER_PID=$!
  PEER_PIDS+=("$PEER_PID")
  sleep 1
  kill -0 "$PEER_PID" 2>/dev/null || { echo "peer did not start: $*" >&2; cat "$log" >&2; return 1; }
}

# peer_stop PID: TERM, wait up to 5 s, then KILL.
peer_stop() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

peers_cleanup() {
  local pid
  for pid in "${PEER_PIDS[@]}"; do peer_stop "$pid"; done
  PEER_PIDS=()
  ip netns del "$P-proxy" 2>/dev/null || true
}

# wait_tcp NS ADDR PORT: until something listens there (up to 10 s).
wait_tcp() {
  for _ in $(seq 100); do
    ip netns exec "$1" "$PY" -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=0.5).close()' \
      "$2" "$3" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing answers on $2:$3 in $1" >&2
  return 1
}

# wrk_fields FILE → "requests rps p50_ms p99_ms non2xx socket_errors"
wrk_fields() {
  "$PY" - "$1" <<'PYEOF'
import re, sys
t = open(sys.argv[1]).read()
def ms(v, u):
    return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[u]
req = int(re.search(r"(\d+) requests in", t).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
lat = {p: ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", t, re.M)}
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
err = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
errs = sum(int(x) for x in err.groups()) if err else 0
print(req, rps, lat.get("50", 0), lat.get("99", 0), int(non2xx.group(1)) if non2xx else 0, errs)
PYEOF
}
