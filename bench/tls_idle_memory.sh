#!/usr/bin/env bash
# Memory per idle established TLS connection: N clients complete a handshake through the TLS listener
# (198.18.0.1:8443, one worker) and stay idle; the dataplane's resident memory before and after. Then the
# same N idle connections against nginx (stream, ssl termination → the same echo pool, two workers pinned
# to core 1) on the same veths: the nginx workers' RSS before and after. For both runs the machine's kernel
# slab before and after is shown too (client, backend and, for nginx, the proxy's own sockets).
#   bench/tls_idle_memory.sh [--connections N] [--no-peers]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
N=10000
PEERS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) N=$2; shift 2 ;;
    --no-peers) PEERS=0; shift ;;
    *) sed -n '2,7p' "$0"; exit 2 ;;
  esac
done
# shellcheck source=peers/lib.sh
. "$ROOT/bench/peers/lib.sh"  # the lab (prefix tb) and the peers, torn down on exit
HOLDER=""
stop_holder() {
  [ -n "$HOLDER" ] || return 0
  kill "$HOLDER" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$HOLDER" 2>/dev/null || break; sleep 0.1; done
  HOLDER=""
  rm -f "$RUN/held"
}
trap 'stop_holder; cleanup' EXIT
"$LAB" up --prefix $P --cores 1 >/dev/null
DP=$(cat "$RUN/dataplane.pid")
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
slab_kib() { awk '/^Slab:/ {print $2}' /proc/meminfo; }
warm_up() {  # first-use allocations (OpenSSL tables, session objects' first growth) are not counted
  ip netns exec $P-client "$PY" "$ROOT/tests/integration/tls_client.py" echo 198.18.0.1 8443 100 \
    --ca "$RUN/certs/ca.pem" >/dev/null
  sleep 1
}
ulimit -n $((N + 1000))

# hold: N clients (core 0) handshake and stay idle, up to 600 s; returns once all are connected.
hold() {
  rm -f "$RUN/held"
  ip netns exec $P-client taskset -c 0 "$PY" - "$N" "$RUN/certs/ca.pem" "$RUN/held" <<'PYEOF' &
import socket, ssl, sys, time
n, ca, flag = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(ca)
held = []
for i in range(n):
    s = ctx.wrap_socket(socket.create_connection(("198.18.0.1", 8443), timeout=10), server_hostname="lab.tollgate.test")
    held.append(s)
open(flag, "w").write(str(len(held)))
time.sleep(600)
PYEOF
  HOLDER=$!
  for _ in $(seq 600); do [ -f "$RUN/held" ] && break; kill -0 "$HOLDER" 2>/dev/null || break; sleep 0.5; done
  [ -f "$RUN/held" ] || { echo "clients did not connect" >&2; exit 1; }
  sleep 2
}

warm_up
before=$(rss_kib "$DP"); slab0=$(slab_kib)
hold
after=$(rss_kib "$DP"); slab1=$(slab_kib)
held=$(cat "$RUN/held")
active=$(stat_get cores.0.tls_listeners.0.sessions_active)
stop_holder
printf 'Idle TLS connections, %s held open by Python ssl clients on core 0\n' "$N"
machine_line
echo
printf 'Tollgate: %s established (%s sessions active in the dataplane)\n' "$held" "$active"
printf 'dataplane RSS: %s KiB before, %s KiB after: %.0f bytes per connection\n' "$before" "$after" \
  "$(echo "($after - $before) * 1024 / $active" | bc -l)"
printf 'kernel slab: %s KiB before, %s KiB after (client and echo-server sockets): %.0f bytes per connection\n' \
  "$slab0" "$slab1" "$(echo "($slab1 - $slab0) * 1024 / $held" | bc -l)"
printf '(each client connection also holds a backend TCP connection to the echo pool)\n'
[ $PEERS = 1 ] || { noise_line; exit 0; }

sleep 2
move_to_proxy_ns
# The same config as bench/tls_handshakes.sh's nginx peer, but two workers (both pinned to core 1, the
# listening socket shared by reuseport): each client connection costs nginx two descriptors (client and
# echo server) and this machine's hard RLIMIT_NOFILE (20,000) would not hold 2 x 10,000 in one worker.
render "$ROOT/bench/peers/nginx-tls.conf" "$RUN/nginx-tls.conf"
sed -i 's/^worker_processes 1;/worker_processes 2;/; s/listen 198.18.0.1:8443 ssl;/listen 198.18.0.1:8443 ssl reuseport;/' \
  "$RUN/nginx-tls.conf"
peer_start $P-proxy 1 "$RUN/nginx-tls.log" nginx -p "$RUN" -c "$RUN/nginx-tls.conf" -e stderr -g 'daemon off;'
NGINX=$PEER_PID
wait_tcp $P-client 198.18.0.1 8443
workers_rss_kib() { local t=0 w; for w in $(pgrep -P "$NGINX"); do t=$((t + $(rss_kib "$w"))); done; echo $t; }
for _ in 1 2 3 4; do warm_up; done
nbefore=$(workers_rss_kib); nslab0=$(slab_kib)
hold
nafter=$(workers_rss_kib); nslab1=$(slab_kib)
nheld=$(cat "$RUN/held")
nworkers=$(pgrep -P "$NGINX" | wc -l)
stop_holder
echo
printf 'nginx (%s workers, stream ssl → echo pool): %s established\n' "$nworkers" "$nheld"
printf 'nginx workers RSS: %s KiB before, %s KiB after: %.0f bytes per connection\n' "$nbefore" "$nafter" \
  "$(echo "($nafter - $nbefore) * 1024 / $nheld" | bc -l)"
printf 'kernel slab: %s KiB before, %s KiB after (client, echo-server and nginx sockets): %.0f bytes per connection\n' \
  "$nslab0" "$nslab1" "$(echo "($nslab1 - $nslab0) * 1024 / $nheld" | bc -l)"
printf "kernel slab for nginx's own two sockets per connection (difference of the two runs): %.0f bytes\n" \
  "$(echo "(($nslab1 - $nslab0) - ($slab1 - $slab0)) * 1024 / $nheld" | bc -l)"
printf 'nginx total (worker RSS + its kernel sockets): %.0f bytes per connection\n' \
  "$(echo "(($nafter - $nbefore) + ($nslab1 - $nslab0) - ($slab1 - $slab0)) * 1024 / $nheld" | bc -l)"
noise_line
