#!/usr/bin/env bash
# Memory per idle established TLS connection at 10,000 and 50,000 connections, Tollgate vs nginx vs
# HAProxy: a Python client (bench/peers/idle_clients.py, on CLIENT_CPUS) opens N TLS 1.3 connections
# through the proxy's TLS-terminating L4 listener (198.18.0.1:8443, ECDSA P-256) to an epoll echo backend
# (bench/peers/idle_backend.py on 198.19.0.11-13:7100; every client connection also holds a backend
# connection) and keeps them idle. Counted: the proxy's resident memory growth (RSS after − RSS before,
# after a warm-up) per connection — Tollgate: the dataplane process (the TLS sessions; TCP state is
# preallocated per core, max_connections, and already resident, so it does not show); nginx: master and
# worker; HAProxy: its process. The machine's kernel slab growth is shown too: for Tollgate it is the
# client's and backend's sockets only, for the peers also their own two sockets per connection.
# Each proxy starts afresh for each N, on the same worker core (CPU 1). Configs:
# bench/peers/tollgate-tls-idle.toml; nginx-tls.conf (stream ssl; one worker per 6,000 connections, all on
# CPU 1 sharing the port by reuseport, as no process may hold more descriptors than the hard
# RLIMIT_NOFILE, 20,000 here, not raisable without CAP_SYS_RESOURCE); haproxy-tls.cfg (one process with 2
# descriptors per connection: it holds at most (RLIMIT_NOFILE - 1400) / 2, 9,300 here, and is not run at
# 50,000). 50,000 connections use a wider ephemeral port range in the client namespace (10000-65000, set
# here) and several client processes (7,000 connections each, at least 4), each from its own address
# 198.18.0.11, .12, ... added to the client namespace.
#   bench/tls_idle_memory.sh [--quick] [--json FILE] [--raw DIR] [--connections N,N,...] [--no-peers]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
HELP_LINES=18
RAW_NAME=tls-idle-memory
# shellcheck source=peers/lib.sh
. "$ROOT/bench/peers/lib.sh"  # the lab (prefix $P) and the peers, torn down on exit
common_args "$@"
COUNTS=$(opt connections 10000,50000 10000)
PEERS=1; [ -n "${OPT[no-peers]:-}" ] && PEERS=0
# Descriptors: no process may exceed the hard RLIMIT_NOFILE (20,000 on the lab VM, and without
# CAP_SYS_RESOURCE it cannot be raised), so the clients, the backend and nginx's workers are split into
# processes; HAProxy is one process needing 2 per connection, so it holds at most HAPROXY_MAX.
NOFILE=$(ulimit -Hn)
ulimit -n "$NOFILE"
HAPROXY_MAX=$(( (NOFILE - 1400) / 2 ))
MAXN=$(tr ',' '\n' <<<"$COUNTS" | sort -n | tail -1)
MAX_HOLDERS=$(( (MAXN + 6999) / 7000 )); [ "$MAX_HOLDERS" -ge 4 ] || MAX_HOLDERS=4
[ "$MAX_HOLDERS" -le 200 ] || { echo "at most 1,400,000 connections" >&2; exit 2; }
HOLDERS=()
stop_holder() {
  local pid
  for pid in "${HOLDERS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${HOLDERS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  HOLDERS=()
}
trap 'stop_holder; cleanup' EXIT
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
tree_rss_kib() { local t=0 p; for p in $1 $(pgrep -P "$1"); do t=$((t + $(rss_kib "$p"))); done; echo $t; }
slab_kib() { awk '/^Slab:/ {print $2}' /proc/meminfo; }

# The lab with Tollgate's idle-connection config and the epoll echo backend.
lab_up() {
  "$LAB" up --prefix "$P" --cores 1 --config "$ROOT/bench/peers/tollgate-tls-idle.toml" >"$RAW/lab-up.log" ||
    { cat "$RAW/lab-up.log" >&2; return 1; }
  ip netns exec "$P-client" sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
  local i
  for i in $(seq 11 $((10 + MAX_HOLDERS))); do ip -n "$P-client" addr add "198.18.0.$i/24" dev "$P-cli0"; done
  local a
  for a in 11 12 13; do  # one process per address: each holds a third of the backend connections
    peer_start "$P-backend" "$BACKEND_CPUS" "$RAW/idle-backend-$a.log" "$PY" "$ROOT/bench/peers/idle_backend.py" 7100 \
      198.19.0.$a
  done
}
warm_up() {  # first-use allocations (OpenSSL tables, first growth of session pools) are not counted
  local i
  for i in 1 2 3; do
    ip netns exec "$P-client" "$PY" "$ROOT/tests/integration/tls_client.py" echo 198.18.0.1 8443 100 \
      --ca "$RUN/certs/ca.pem" >/dev/null
  done
  sleep 1
}

# hold N NAME: the clients connect N and stay idle (up to 600 s); HELD = "held resumed seconds". One client
# process per 7,000 connections (under the descriptor limit), at least 4, each from its own address
# 198.18.0.(10 + i) (the kernel's search for a free port to one destination slows as the range fills: 50,000
# from one address took 4 minutes). Not to be called in $(...): the clients stay.
hold() {
  local n=$1 name=$2 k i t0 share
  k=$(( (n + 6999) / 7000 )); [ "$k" -ge 4 ] || k=4
  t0=$(date +%s.%N)
  for i in $(seq "$k"); do
    share=$((n / k)); [ "$i" = 1 ] && share=$((share + n % k))
    rm -f "$RAW/held-$name-$i"
    ip netns exec "$P-client" taskset -c "$CLIENT_CPUS" "$PY" "$ROOT/bench/peers/idle_clients.py" 198.18.0.1 8443 \
      "$share" "$RUN/certs/ca.pem" "$RAW/held-$name-$i" 600 "198.18.0.$((10 + i))" >/dev/null 2>"$RAW/clients-$name-$i.log" &
    HOLDERS+=($!)
  done
  for i in $(seq "$k"); do
    for _ in $(seq 2400); do [ -s "$RAW/held-$name-$i" ] && break; kill -0 "${HOLDERS[i-1]}" 2>/dev/null || break; sleep 0.25; done
    [ -s "$RAW/held-$name-$i" ] || { echo "clients did not connect ($name-$i):" >&2; cat "$RAW/clients-$name-$i.log" >&2; return 1; }
  done
  HELD="$(cat "$RAW/held-$name"-* | awk '{h += $1; r += $2} END {print h, r}') $(calc "$(date +%s.%N) - $t0")"
}

# measure WHO N PID: before/after of the proxy's RSS and the kernel slab around holding N connections.
declare -A R  # R[WHO-N] = "held resumed seconds rss0 rss1 slab0 slab1 sessions_active"
declare -A NGINX_WORKERS
# (a 4th argument: the N of the row, when fewer connections were held)
measure() {
  local who=$1 n=$2 pid=$3 r0 r1 s0 s1 active=n/a row=${4:-$2}
  warm_up
  r0=$(tree_rss_kib "$pid"); s0=$(slab_kib)
  hold "$n" "${who,,}-$n"
  sleep 2
  r1=$(tree_rss_kib "$pid"); s1=$(slab_kib)
  if [ "$who" = Tollgate ]; then settle; active=$(stat_get cores.0.tls_listeners.0.sessions_active); fi
  stop_holder
  R[$who-$row]="$HELD $r0 $r1 $s0 $s1 $active"
}

for n in ${COUNTS//,/ }; do
  lab_up
  measure Tollgate "$n" "$(cat "$RUN/dataplane.pid")"
  if [ $PEERS = 1 ]; then
    sleep 2
    move_to_proxy_ns
    ip netns exec "$P-proxy" sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
    render "$ROOT/bench/peers/nginx-tls.conf" "$RUN/nginx-tls.conf"
    # Workers sharing the port by reuseport (hashing spreads connections roughly evenly): one per 6,000
    # connections keeps each well under the descriptor limit at 2 per connection.
    workers=$(( (n + 5999) / 6000 ))
    sed -i "s/^worker_processes 1;/worker_processes $workers;/; s/listen 198.18.0.1:8443 ssl;/listen 198.18.0.1:8443 ssl reuseport;/; s/^worker_rlimit_nofile .*/worker_rlimit_nofile $NOFILE;/; s/worker_connections [0-9]*;/worker_connections $((NOFILE - 500));/; s/:7000;/:7100;/" \
      "$RUN/nginx-tls.conf"
    NGINX_WORKERS[$n]=$workers
    peer_start "$P-proxy" 1 "$RAW/nginx-tls-$n.log" nginx -p "$RUN" -c "$RUN/nginx-tls.conf" -e stderr -g 'daemon off;'
    wait_tcp "$P-client" 198.18.0.1 8443
    measure nginx "$n" "$PEER_PID"
    peer_stop "$PEER_PID"
    if [ "$n" -le $((HAPROXY_MAX + 1000)) ]; then
      hn=$(( n < HAPROXY_MAX ? n : HAPROXY_MAX ))
      haproxy_pem
      render "$ROOT/bench/peers/haproxy-tls.cfg" "$RUN/haproxy-tls.cfg"
      sed -i "s/maxconn 9000/maxconn $((hn + 200))/; s/:7000$/:7100/" "$RUN/haproxy-tls.cfg"
      peer_start "$P-proxy" 1 "$RAW/haproxy-tls-$n.log" haproxy -f "$RUN/haproxy-tls.cfg" -db
      wait_tcp "$P-client" 198.18.0.1 8443
      measure HAProxy "$hn" "$PEER_PID" "$n"
      peer_stop "$PEER_PID"
    fi
  fi
  peers_cleanup
  "$LAB" down --prefix "$P" >/dev/null 2>&1
done

sec init tls_idle_memory "Memory per idle TLS connection: Tollgate vs nginx vs HAProxy"
sec text "$(machine_line). Python clients (bench/peers/idle_clients.py, one process per 7,000 connections and at least 4, each from its own address 198.18.0.11, .12, ..., CPUs $CLIENT_CPUS) open N TLS 1.3 connections (ECDSA P-256; the first full, the rest resuming its session) through each proxy's TLS-terminating L4 listener on 198.18.0.1:8443 to an epoll echo backend (bench/peers/idle_backend.py; each client connection also holds one backend connection) and keeps them idle. Each proxy starts afresh for each N on CPU 1 and is warmed up first. Configs: bench/peers/tollgate-tls-idle.toml; nginx-tls.conf (stream ssl, one worker per 6,000 connections sharing the port by reuseport, all on CPU 1: no process may hold more than the hard RLIMIT_NOFILE of $NOFILE descriptors, and nginx needs 2 per connection); haproxy-tls.cfg (mode tcp, ssl, one thread; one process, so it holds at most $HAPROXY_MAX connections here and is measured with that many in the 10,000 row)."
sec text "Counted: the proxy's resident memory growth per held connection (RSS after − before). Tollgate: the dataplane process — its TLS sessions and per-connection state; TCP control blocks are preallocated per core (max_connections) and already resident, so they are not in the growth (the engine's own accounting, unit test AnIdleConnectionHoldsNoRecordBuffer, is ~3.7 KB per idle connection with both TCBs). nginx: master + worker; HAProxy: its process. Kernel slab growth (machine-wide) is shown beside: for Tollgate it is the client's and backend's sockets only; for the peers it also holds their own two sockets per connection, so the last column adds the difference (peer slab − Tollgate slab at the same N) to the peer's RSS growth."
sec table "memory per idle TLS connection" connections proxy established "RSS before KiB" "RSS after KiB" "RSS bytes per connection" "kernel slab bytes per connection (machine)" "proxy total bytes per connection (RSS + own kernel sockets)" "Tollgate / this (total)" "seconds to open"
sec plot tls_idle_memory_bytes "Memory per idle TLS connection (RSS + own kernel sockets)" proxy "bytes per connection" --kind bars
for n in 10000 50000; do
  if [[ ",$COUNTS," != *",$n,"* ]]; then
    why="not run: --quick"; [ $QUICK = 1 ] || why="not run: --connections $COUNTS"
    sec row "$n" all "$why" - - - - - - -
    continue
  fi
  read -r -a t <<<"${R[Tollgate-$n]}"
  tslab=$(calc "(${t[6]} - ${t[5]}) * 1024 / ${t[0]}")
  ttotal=$(calc "(${t[4]} - ${t[3]}) * 1024 / ${t[0]}")
  for who in Tollgate nginx HAProxy; do
    if [ -z "${R[$who-$n]:-}" ]; then
      why="not run: --no-peers"
      [ $PEERS = 1 ] && why="not run: HAProxy is one process with 2 descriptors per connection and the hard RLIMIT_NOFILE is $NOFILE"
      sec row "$n" "$who" "$why" - - - - - - -
      continue
    fi
    read -r -a v <<<"${R[$who-$n]}"
    rss=$(calc "(${v[4]} - ${v[3]}) * 1024 / ${v[0]}")
    slab=$(calc "(${v[6]} - ${v[5]}) * 1024 / ${v[0]}")
    total=$rss; [ "$who" = Tollgate ] || total=$(calc "$rss + $slab - $tslab")
    est="${v[0]}"
    [ "$who" = Tollgate ] && est="${v[0]} (${v[7]} sessions active)"
    [ "$who" = nginx ] && est="${v[0]} (${NGINX_WORKERS[$n]} workers)"
    sec row "$n" "$who" "$est" "${v[3]}" "${v[4]}" "$(fix "$rss" 0)" "$(fix "$slab" 0)" "$(fix "$total" 0)" \
      "$(ratio "$ttotal" "$total")" "$(fix "${v[2]}" 1)"
    sec point tls_idle_memory_bytes "$n connections" "$who" "$(fix "$total" 0)"
    sec raw "$who $n" "{\"held\": ${v[0]}, \"resumed\": ${v[1]}, \"open_seconds\": ${v[2]}, \"rss_before_kib\": ${v[3]}, \"rss_after_kib\": ${v[4]}, \"slab_before_kib\": ${v[5]}, \"slab_after_kib\": ${v[6]}, \"sessions_active\": \"${v[7]}\"}"
  done
done
sec text "Raw client and proxy logs: $RAW. $(noise_line)"
sec raw settings "{\"connections\": [$COUNTS], \"client_cpus\": \"$CLIENT_CPUS\", \"quick\": $QUICK}"
sec markdown
