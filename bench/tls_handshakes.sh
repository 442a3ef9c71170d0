#!/usr/bin/env bash
# TLS handshakes through the lab's TLS listener (198.18.0.1:8443, one worker core): full and resumed,
# from several client processes (pinned to core 0), with the worker's busy CPU per handshake (a polling
# worker always shows 100%; its cost is the busy cycles it counts). ECDSA P-256 certificate, X25519,
# TLS 1.3 and TLS 1.2. Then the same TLS 1.3 client runs against nginx (stream, ssl → echo pool) and
# HAProxy (mode tcp, ssl → echo pool) pinned to core 1 on the same veths: their process CPU per handshake.
#   bench/tls_handshakes.sh [--seconds S] [--procs N] [--no-peers]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
SECS=10
PROCS=2
PEERS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECS=$2; shift 2 ;;
    --procs) PROCS=$2; shift 2 ;;
    --no-peers) PEERS=0; shift ;;
    *) sed -n '2,8p' "$0"; exit 2 ;;
  esac
done
# shellcheck source=peers/lib.sh
. "$ROOT/bench/peers/lib.sh"  # the lab (prefix tb) and the peers, torn down on exit
"$LAB" up --prefix $P --cores 1 >/dev/null

# clients V MODE → the client's JSON (connections, resumed, failed, per_second)
clients() {
  local extra=()
  [ "$2" = resume ] && extra=(--resume)
  ip netns exec $P-client timeout $((SECS + 60)) taskset -c 0 "$PY" "$ROOT/tests/integration/tls_client.py" handshakes \
    198.18.0.1 8443 "$SECS" --procs "$PROCS" --tls "$1" --ca "$RUN/certs/ca.pem" "${extra[@]}"
}
field() { "$PY" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

printf 'TLS handshakes through the TLS listener, 1 worker core, %s client processes on core 0, %s s per run\n' "$PROCS" "$SECS"
machine_line
echo
echo "| run | handshakes/s | resumed | worker busy CPU per handshake (us) | client-bound? |"
echo "|---|---|---|---|---|"
declare -A TG
for v in 1.3 1.2; do
  for mode in full resume; do
    settle
    b0=$(busy_seconds)
    h0=$(stat_get cores.0.tls_listeners.0.handshakes)
    out=$(clients $v $mode)
    settle
    b1=$(busy_seconds)
    h1=$(stat_get cores.0.tls_listeners.0.handshakes)
    n=$((h1 - h0))
    us=$(echo "($b1 - $b0) * 1000000 / $n" | bc -l)
    util=$(echo "($b1 - $b0) / ($SECS + 2.4)" | bc -l)
    TG[$v-$mode]="$(field "$out" per_second) $(field "$out" resumed) $us"
    printf '| TLS %s %s | %s | %s | %.0f | worker %.0f%% busy |\n' "$v" "$mode" "$(field "$out" per_second)" \
      "$(field "$out" resumed)" "$us" "$(echo "$util * 100" | bc -l)"
  done
done
echo
echo "Per-handshake CPU counts the worker's busy cycles only (TCP, TLS, the handshake's crypto, and the"
echo "af_xdp TX kicks that run the client namespace's receive path); the Python clients are the bottleneck"
echo "for the rate on a 2-core machine (the worker holds one core)."
[ $PEERS = 1 ] || { noise_line; exit 0; }

# The same TLS 1.3 client runs against nginx and HAProxy on the same veths (the dataplane stopped).
move_to_proxy_ns
haproxy_pem
render "$ROOT/bench/peers/nginx-tls.conf" "$RUN/nginx-tls.conf"
render "$ROOT/bench/peers/haproxy-tls.cfg" "$RUN/haproxy-tls.cfg"
declare -A PR
for peer in nginx haproxy; do
  if [ $peer = nginx ]; then
    peer_start $P-proxy 1 "$RUN/nginx-tls.log" nginx -p "$RUN" -c "$RUN/nginx-tls.conf" -e stderr -g 'daemon off;'
  else
    peer_start $P-proxy 1 "$RUN/haproxy-tls.log" haproxy -f "$RUN/haproxy-tls.cfg" -db
  fi
  pid=$PEER_PID
  wait_tcp $P-client 198.18.0.1 8443
  for mode in full resume; do
    settle
    c0=$(tree_cpu_seconds "$pid"); s0=$(softirq_seconds)
    out=$(clients 1.3 $mode)
    settle
    c1=$(tree_cpu_seconds "$pid"); s1=$(softirq_seconds)
    n=$(field "$out" connections)
    [ "$(field "$out" failed)" = 0 ] || echo "warning: $peer $mode: $(field "$out" failed) failed connections" >&2
    PR[$peer-$mode]="$(field "$out" per_second) $(field "$out" resumed) $(echo "($c1 - $c0) * 1000000 / $n" | bc -l) $(echo "($s1 - $s0) * 1000000 / $n" | bc -l)"
  done
  peer_stop "$pid"
done

echo
echo "## TLS 1.3 handshakes: Tollgate vs nginx vs HAProxy (same client runs, same veths, one proxy core each)"
echo
echo "| run | proxy | handshakes/s | resumed | proxy CPU per handshake (us) | machine softirq per handshake (us) | proxy CPU / Tollgate CPU |"
echo "|---|---|---|---|---|---|---|"
for mode in full resume; do
  read -r tr tres tus <<<"${TG[1.3-$mode]}"
  printf '| TLS 1.3 %s | Tollgate (worker busy) | %s | %s | %.0f | - | 1.00x |\n' "$mode" "$tr" "$tres" "$tus"
  for peer in nginx haproxy; do
    read -r r res us sus <<<"${PR[$peer-$mode]}"
    name=nginx; [ $peer = haproxy ] && name=HAProxy
    printf '| TLS 1.3 %s | %s (process) | %s | %s | %.0f | %.0f | %.2fx |\n' "$mode" "$name" "$r" "$res" "$us" "$sus" \
      "$(echo "$us / $tus" | bc -l)"
  done
done
echo
echo "Peers: nginx 1.22 stream (ssl termination → echo pool) and HAProxy 2.6 (mode tcp, ssl → echo pool),"
echo "each pinned to core 1 with one worker/thread; their CPU is utime + stime of all their processes. The"
echo "kernel's TCP work for them runs mostly in softirq (machine-wide, shown per handshake); Tollgate's"
echo "equivalent kernel work (the af_xdp copies and TX kicks) is inside its busy time."
noise_line
