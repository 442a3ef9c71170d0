#!/usr/bin/env bash
# Memory per idle established TLS connection: N clients complete a handshake through the TLS listener
# (198.18.0.1:8443, one worker) and stay idle; the dataplane's resident memory before and after, and the
# engine's own accounting (bytes per idle session from the unit test's TlsProxy::session_bytes figure).
#   bench/tls_idle_memory.sh [--connections N]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
N=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) N=$2; shift 2 ;;
    *) sed -n '2,5p' "$0"; exit 2 ;;
  esac
done
P=tb
RUN=${TOLLGATE_RUN_DIR:-/run/tollgate}/lab-$P
LAB="$ROOT/scripts/lab.sh"
HOLDER=""
cleanup() {
  [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null || true
  "$LAB" down --prefix $P >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$LAB" up --prefix $P --cores 1 >/dev/null
DP=$(cat "$RUN/dataplane.pid")
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$DP/status"; }
stat() { "$PY" "$ROOT/scripts/lab/stats.py" get "$RUN/stats.json" "$1"; }

# Warm up once so first-use allocations (OpenSSL tables, session objects' first growth) are not counted.
ip netns exec $P-client "$PY" "$ROOT/tests/integration/tls_client.py" echo 198.18.0.1 8443 100 \
  --ca "$RUN/certs/ca.pem" >/dev/null
sleep 1
before=$(rss_kib)
ulimit -n $((N + 1000))
ip netns exec $P-client "$PY" - "$N" "$RUN/certs/ca.pem" "$RUN/held" <<'PYEOF' &
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
for _ in $(seq 600); do [ -f "$RUN/held" ] && break; sleep 0.5; done
[ -f "$RUN/held" ] || { echo "clients did not connect" >&2; exit 1; }
sleep 2
after=$(rss_kib)
active=$(stat cores.0.tls_listeners.0.sessions_active)
printf 'TLS idle connections: %s established (%s sessions active in the dataplane)\n' "$(cat "$RUN/held")" "$active"
printf 'dataplane RSS: %s KiB before, %s KiB after: %.0f bytes per connection\n' "$before" "$after" \
  "$(echo "($after - $before) * 1024 / $active" | bc -l)"
printf '(each client connection also holds a backend TCP connection to the echo pool)\n'
rm -f "$RUN/held"
