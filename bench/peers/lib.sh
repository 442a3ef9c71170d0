# Shared by the lab benchmarks that compare Tollgate with kernel-path peers (nginx, HAProxy) on the same
# veths: source it after setting ROOT and PY; it sets P (lab prefix, from the environment, default tb),
# RUN and LAB and an EXIT trap. Every namespace and interface name derives from P, so P=xx runs a lab
# that does not collide with another prefix's.
#
# CPU placement (environment, for boxes larger than the 2-vCPU lab VM): Tollgate's N workers run on
# CPUs 1..N (eal_args.cc: worker w on CPU w mod ncpus; the main lcore on CPU 0) and the peers are pinned
# to the same list (worker_cpus N). CLIENT_CPUS (default 0) and BACKEND_CPUS (default 0) place the load
# clients and the nginx backend; CLIENT_THREADS (default 1) is the client's thread count. On a box with
# more cores, e.g. 16: P=xx CLIENT_CPUS=9-15 CLIENT_THREADS=7 BACKEND_CPUS=5-8 bench/http_scaling.sh --cores-list 1,2,4
#
# The peers run in $P-proxy, a namespace that takes over both root-namespace veth ends (and the VIP and
# gateway addresses) once the dataplane has stopped, so the clients and backends see the same topology.

PEER_PIDS=()   # processes started by peer_start, stopped by peers_cleanup
CLIENT_CPUS=${CLIENT_CPUS:-0}
BACKEND_CPUS=${BACKEND_CPUS:-0}
CLIENT_THREADS=${CLIENT_THREADS:-1}

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

# Seconds of the workers' busy cycles, all cores summed (a polling worker always shows 100% CPU; its cost
# is its busy cycles). They are TSC time of busy poll iterations: a worker preempted inside one (a CPU
# shared with other processes) counts the preempted time as busy, unlike the peers' utime + stime.
busy_seconds() {
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.6f" % (sum(c["cycles_busy"] for c in d["cores"]) / d["tsc_hz"]))' \
    "$RUN/stats.json"
}

# worker_cpus N: the CPUs Tollgate's N workers run on (1..N modulo the CPU count), as a taskset list.
worker_cpus() {
  local n ncpu w out=""
  n=$1; ncpu=$(nproc)
  for w in $(seq 1 "$n"); do out+="${out:+,}$((w % ncpu))"; done
  echo "$out"
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

# render TEMPLATE OUT: the peer config with @RUN@ replaced by the lab's run dir and @FILES@ by $FILES (the
# directory the backend serves /files/ from; the run dir unless a script sets it).
render() { mkdir -p "$RUN/nginx-tmp"; sed "s#@RUN@#$RUN#g; s#@FILES@#${FILES:-$RUN}#g" "$1" >"$2"; }

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

# ---- The HTTP comparisons (http_proxy, https_connections, http_latency, bulk_download, http_scaling) ----

# common_args ARGS...: the options every lab section script takes — [--quick] [--json FILE] [--raw DIR] —
# into QUICK, JSON and RAW (RAW defaults to $TMPDIR/tollgate-$RAW_NAME), and the ones most of them take
# into OPT[seconds|connections|cores|procs|runs|loads|fractions|cores-list] (the script applies its
# defaults); --help and anything else print the script's header (its lines 2 to HELP_LINES).
common_args() {
  QUICK=0
  declare -gA OPT=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --quick) QUICK=1; shift ;;
      --json) JSON=$(readlink -f "$2"); shift 2 ;;
      --raw) RAW=$2; shift 2 ;;
      --seconds|--connections|--cores|--procs|--runs|--megabytes|--loads|--fractions|--cores-list)
        OPT[${1#--}]=$2; shift 2 ;;
      --no-peers) OPT[no-peers]=1; shift ;;
      *) sed -n "2,${HELP_LINES:-12}p" "$0"; exit 2 ;;
    esac
  done
  RAW=${RAW:-${TMPDIR:-/tmp}/tollgate-$RAW_NAME}
  rm -rf "$RAW"; mkdir -p "$RAW"; RAW=$(readlink -f "$RAW")
  JSON=${JSON:-$RAW/section.json}
}
# opt NAME DEFAULT QUICK_DEFAULT: the option's value, else the default for this mode.
opt() { if [ -n "${OPT[$1]:-}" ]; then echo "${OPT[$1]}"; elif [ "$QUICK" = 1 ]; then echo "${3:-$2}"; else echo "$2"; fi; }

# sec CMD ARGS...: bench/peers/section.py CMD "$JSON" ARGS... (the section this script writes).
sec() { local c=$1; shift; "$PY" "$ROOT/bench/peers/section.py" "$c" "$JSON" "$@"; }
ratio() { "$PY" "$ROOT/bench/peers/section.py" ratio "$1" "$2"; }
calc() { echo "$1" | bc -l | sed 's/^\./0./; s/^-\./-0./'; }
fix() { printf "%.${2:-1}f" "$1"; }  # fix NUMBER [DECIMALS]

# in_client CMD...: CMD in the client namespace on the client CPUs.
in_client() { ip netns exec "$P-client" taskset -c "$CLIENT_CPUS" "$@"; }

# http_lab_up CORES: the lab with bench/peers/tollgate-http.toml on CORES worker cores, and the nginx
# backend (bench/peers/nginx-backend.conf, on BACKEND_CPUS) answering on 198.19.0.11-13:8081.
http_lab_up() {
  "$LAB" up --prefix "$P" --cores "$1" --config "$ROOT/bench/peers/tollgate-http.toml" >"$RAW/lab-up.log" ||
    { cat "$RAW/lab-up.log" >&2; return 1; }
  render "$ROOT/bench/peers/nginx-backend.conf" "$RUN/nginx-backend.conf"
  peer_start "$P-backend" "$BACKEND_CPUS" "$RAW/nginx-backend.log" nginx -p "$RUN" -c "$RUN/nginx-backend.conf" \
    -e stderr -g 'daemon off;'
  BACKEND_PID=$PEER_PID
  local a
  for a in 11 12 13; do wait_tcp "$P-backend" 198.19.0.$a 8081; done
  wait_tcp "$P-client" 198.18.0.1 443
}

# http_peer_start nginx|haproxy CORES: after move_to_proxy_ns, the peer with CORES workers (nginx
# worker_processes, HAProxy nbthread) pinned to worker_cpus CORES; its PID in PEER_PID. PEER_TWEAK, when a
# script sets it, names a function called as FN nginx|haproxy FILE on the rendered config before the start
# (bench/hostile.sh: the same timeouts as Tollgate's).
http_peer_start() {
  local cpus
  cpus=$(worker_cpus "$2")
  if [ "$1" = nginx ]; then
    render "$ROOT/bench/peers/nginx-http.conf" "$RUN/nginx-http.conf"
    sed -i "s/^worker_processes 1;/worker_processes $2;/" "$RUN/nginx-http.conf"
    [ -z "${PEER_TWEAK:-}" ] || "$PEER_TWEAK" nginx "$RUN/nginx-http.conf"
    peer_start "$P-proxy" "$cpus" "$RAW/nginx-proxy.log" nginx -p "$RUN" -c "$RUN/nginx-http.conf" -e stderr \
      -g 'daemon off;'
  else
    haproxy_pem
    render "$ROOT/bench/peers/haproxy-http.cfg" "$RUN/haproxy-http.cfg"
    sed -i "s/^    nbthread 1$/    nbthread $2/" "$RUN/haproxy-http.cfg"
    [ -z "${PEER_TWEAK:-}" ] || "$PEER_TWEAK" haproxy "$RUN/haproxy-http.cfg"
    peer_start "$P-proxy" "$cpus" "$RAW/haproxy.log" haproxy -f "$RUN/haproxy-http.cfg" -db
  fi
  wait_tcp "$P-client" 198.18.0.1 443
}

# proxy_cpu_seconds NAME PID: Tollgate's workers' busy seconds, or a peer's process tree utime + stime.
proxy_cpu_seconds() { if [ "$1" = Tollgate ]; then busy_seconds; else tree_cpu_seconds "$2"; fi; }

# each_proxy CORES FN: FN WHO PID for WHO = Tollgate, nginx, HAProxy in turn, each with CORES worker cores
# on the same veths, backend and clients: the lab comes up (Tollgate), then the peers take over the veths
# one after the other; everything is down again afterwards. Tollgate's last stats snapshot is kept in RAW.
each_proxy() {
  local cores=$1 fn=$2 who
  http_lab_up "$cores"
  settle
  "$fn" Tollgate "$(cat "$RUN/dataplane.pid")"
  cp "$RUN/stats.json" "$RAW/tollgate-stats-${cores}core.json"
  move_to_proxy_ns
  for who in nginx HAProxy; do
    http_peer_start "${who,,}" "$cores"
    "$fn" "$who" "$PEER_PID"
    peer_stop "$PEER_PID"
  done
  peers_cleanup
  "$LAB" down --prefix "$P" >/dev/null 2>&1
}

# wrk_measure NAME WHO PID URL [wrk args...] → "requests rps p50_ms p99_ms errors cpu_s softirq_s": one
# bounded wrk run (WRK_SECS or SECS seconds, CONNS connections) from the client namespace, raw output in
# RAW/NAME.txt; errors = non-2xx responses + socket errors; cpu_s = proxy_cpu_seconds over the run.
# Tollgate's stats snapshot is read as it is at the start (each_proxy and every measurement end with a
# settle, so it is current) and after a settle at the end.
wrk_measure() {
  local name=$1 who=$2 pid=$3 url=$4 c0 s0 f secs=${WRK_SECS:-$SECS}
  shift 4
  c0=$(proxy_cpu_seconds "$who" "$pid"); s0=$(softirq_seconds)
  in_client timeout $((secs + 30)) wrk -t"$CLIENT_THREADS" -c"$CONNS" -d"${secs}s" --timeout 5s --latency "$@" "$url" \
    >"$RAW/$name.txt" 2>&1 || { echo "wrk failed ($name):" >&2; cat "$RAW/$name.txt" >&2; return 1; }
  if [ "$who" = Tollgate ]; then settle; fi
  read -r -a f <<<"$(wrk_fields "$RAW/$name.txt")"
  echo "${f[0]} ${f[1]} ${f[2]} ${f[3]} $((f[4] + f[5])) $(calc "$(proxy_cpu_seconds "$who" "$pid") - $c0") $(calc "$(softirq_seconds) - $s0")"
}

# wrk_warm WHO URL: 1 s (quick: none) of load first, so first-use allocations and upstream connects are not
# measured (then, for Tollgate, a settle so the next reading of its stats comes after the warm-up).
wrk_warm() {
  [ "${QUICK:-0}" = 1 ] && return 0
  in_client timeout 20 wrk -t"$CLIENT_THREADS" -c"$CONNS" -d1s "$2" >/dev/null 2>&1 || true
  if [ "$1" = Tollgate ]; then settle; fi
}

# tls_counter NAME: the HTTPS listener's TLS counter NAME, all cores summed.
tls_counter() { "$PY" -c 'import json,sys; print(sum(c["http_listeners"][0]["tls"][sys.argv[2]] for c in json.load(open(sys.argv[1]))["cores"]))' "$RUN/stats.json" "$1"; }

# s_time_measure NAME WHO PID new|reuse → "connections per_second resumed full cpu_s softirq_s server_resumed":
# PROCS `openssl s_time` processes against https://198.18.0.1/ for SECS seconds (whole seconds), each
# connection one GET /; resumed/full = the connections s_time marked 'r' / '*'; server_resumed = Tollgate's
# resumed-handshake counter over the run (n/a for the peers).
s_time_measure() {
  local name=$1 who=$2 pid=$3 mode=$4 c0 s0 h0=0 i
  if [ "$who" = Tollgate ]; then h0=$(tls_counter handshakes_resumed); fi
  c0=$(proxy_cpu_seconds "$who" "$pid"); s0=$(softirq_seconds)
  for i in $(seq "$PROCS"); do
    (
      t0=$(date +%s.%N)
      in_client timeout $((SECS + 20)) openssl s_time -connect 198.18.0.1:443 -"$mode" -www / -time "$SECS" \
        >"$RAW/$name-$i.txt" 2>&1
      echo "elapsed $(calc "$(date +%s.%N) - $t0")" >>"$RAW/$name-$i.txt"
    ) &
  done
  wait
  if [ "$who" = Tollgate ]; then settle; fi
  local c1 s1 hr=n/a
  c1=$(proxy_cpu_seconds "$who" "$pid"); s1=$(softirq_seconds)
  [ "$who" = Tollgate ] && hr=$(($(tls_counter handshakes_resumed) - h0))
  echo "$("$PY" - "$RAW/$name" "$PROCS" <<'PYEOF'
import re, sys
base, procs = sys.argv[1], int(sys.argv[2])
n = rate = resumed = full = 0
for i in range(1, procs + 1):
    t = open(f"{base}-{i}.txt").read()
    c = int(re.findall(r"(\d+) connections in [\d.]+ real seconds", t)[-1])
    n += c
    rate += c / float(re.search(r"^elapsed ([\d.]+)$", t, re.M).group(1))
    marks = "".join(re.findall(r"^[*rt3]+$", t, re.M))
    resumed += marks.count("r")
    full += marks.count("*")
print(n, f"{rate:.1f}", resumed, full)
PYEOF
)" "$(calc "$c1 - $c0")" "$(calc "$s1 - $s0")" "$hr"
}

