#!/usr/bin/env bash
# L7 end to end: HTTPS (TLS 1.3, ECDSA P-256 lab certificate) → proxy → keep-alive HTTP/1.1 to a fast
# backend (nginx answering a 64-byte body on 198.19.0.11-13:8081), Tollgate vs nginx vs HAProxy, one core
# each, on the same veths, backends and client (wrk pinned to core 0, 1 thread):
#   (a) keep-alive requests/s with -c CONNS, p50/p99 latency;  (b) new TLS connections/s
#   (wrk -H 'Connection: close'); CPU per request: Tollgate = worker busy cycles, peers = process CPU time
#   (utime + stime of all their processes) with the machine's softirq time shown beside it.
#   bench/http_proxy.sh [--seconds S] [--connections C] [--raw DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
SECS=10
CONNS=32
RAW=${TMPDIR:-/tmp}/tollgate-http-proxy
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECS=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --raw) RAW=$2; shift 2 ;;
    *) sed -n '2,9p' "$0"; exit 2 ;;
  esac
done
# shellcheck source=peers/lib.sh
. "$ROOT/bench/peers/lib.sh"  # the lab (prefix tb) and the peers, torn down on exit
command -v wrk >/dev/null || { echo "wrk is missing: scripts/setup.sh" >&2; exit 1; }
rm -rf "$RAW"; mkdir -p "$RAW"
URL=https://198.18.0.1/

# wrk_run NAME [wrk args...]: one bounded wrk run from the client namespace on core 0; raw output in $RAW.
wrk_run() {
  local name=$1
  shift
  ip netns exec $P-client timeout $((SECS + 30)) taskset -c 0 wrk -t1 -c"$CONNS" -d"${SECS}s" --timeout 5s --latency \
    "$@" "$URL" >"$RAW/$name.txt" 2>&1 || { echo "wrk failed ($name):" >&2; cat "$RAW/$name.txt" >&2; return 1; }
}
warm() { ip netns exec $P-client timeout 20 taskset -c 0 wrk -t1 -c"$CONNS" -d2s "$URL" >/dev/null 2>&1 || true; }


# measure NAME COST_FN → "ka_req ka_rps ka_p50 ka_p99 ka_non2xx ka_err ka_cpu ka_soft cl_req cl_rps ... cl_soft"
measure() {
  local name=$1 cost=$2 out=() c0 s0 mode
  warm
  for mode in keepalive close; do
    settle
    c0=$($cost); s0=$(softirq_seconds)
    if [ $mode = close ]; then wrk_run "$name-$mode" -H 'Connection: close'; else wrk_run "$name-$mode"; fi
    settle
    out+=($(wrk_fields "$RAW/$name-$mode.txt") "$(echo "$($cost) - $c0" | bc -l)" "$(echo "$(softirq_seconds) - $s0" | bc -l)")
  done
  echo "${out[@]}"
}

"$LAB" up --prefix $P --cores 1 --config "$ROOT/bench/peers/tollgate-http.toml" >/dev/null
render "$ROOT/bench/peers/nginx-backend.conf" "$RUN/nginx-backend.conf"
peer_start $P-backend 0 "$RAW/nginx-backend.log" nginx -p "$RUN" -c "$RUN/nginx-backend.conf" -e stderr -g 'daemon off;'
for a in 11 12 13; do wait_tcp $P-backend 198.19.0.$a 8081; done

# Tollgate.
read -r -a T <<<"$(measure tollgate busy_seconds)"
[ ${#T[@]} -eq 16 ] || { echo "Tollgate runs failed (raw output in $RAW)" >&2; exit 1; }
cp "$RUN/stats.json" "$RAW/tollgate-stats.json"
"$PY" - "$RUN/stats.json" >"$RAW/tollgate-counters.txt" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))["cores"][0]
l = d["http_listeners"][0]
t = l["tls"]
print(f"requests {l['requests']}, responses {l['responses']}, local errors "
      f"{ {k: v for k, v in l['local_errors'].items() if v} or 0}, retries {l['retries']}; "
      f"TLS handshakes {t['handshakes']} ({t['handshakes_resumed']} resumed), failures {t['handshake_failures']}; "
      f"upstream connects {d['upstreams']['connects']}, reuses {d['upstreams']['reuses']}, "
      f"connect failures {d['upstreams']['connect_failures']}; TCP resets sent {d['tcp']['resets_sent']}, "
      f"retransmits {d['tcp']['retransmits']}")
PYEOF

# The peers on the same veths, backends and client.
move_to_proxy_ns
render "$ROOT/bench/peers/nginx-http.conf" "$RUN/nginx-http.conf"
peer_start $P-proxy 1 "$RAW/nginx-proxy.log" nginx -p "$RUN" -c "$RUN/nginx-http.conf" -e stderr -g 'daemon off;'
NGINX=$PEER_PID
wait_tcp $P-client 198.18.0.1 443
read -r -a N <<<"$(measure nginx "tree_cpu_seconds $NGINX")"
[ ${#N[@]} -eq 16 ] || { echo "nginx runs failed (raw output in $RAW)" >&2; exit 1; }
peer_stop "$NGINX"

haproxy_pem
render "$ROOT/bench/peers/haproxy-http.cfg" "$RUN/haproxy-http.cfg"
peer_start $P-proxy 1 "$RAW/haproxy.log" haproxy -f "$RUN/haproxy-http.cfg" -db
HAPROXY=$PEER_PID
wait_tcp $P-client 198.18.0.1 443
read -r -a H <<<"$(measure haproxy "tree_cpu_seconds $HAPROXY")"
[ ${#H[@]} -eq 16 ] || { echo "HAProxy runs failed (raw output in $RAW)" >&2; exit 1; }
peer_stop "$HAPROXY"

# Report. Indices: 0 req, 1 rps, 2 p50, 3 p99, 4 non2xx, 5 socket errors, 6 CPU s, 7 softirq s; +8 for close.
us() { echo "$1 * 1000000 / $2" | bc -l; }
printf 'HTTPS (TLS 1.3, ECDSA P-256) → proxy → HTTP/1.1 keep-alive to nginx (64-byte body), one proxy core each,\n'
printf 'wrk 1 thread on core 0, %s connections, %s s per run\n' "$CONNS" "$SECS"
machine_line
echo
echo "| run | proxy | requests/s | p50 ms | p99 ms | non-2xx | socket errors | proxy CPU s | CPU us/request | machine softirq s | Tollgate / this (req/s) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for o in 0 8; do
  run=keep-alive; [ $o = 8 ] && run="new TLS conn/request"
  for who in Tollgate nginx HAProxy; do
    case $who in Tollgate) v=("${T[@]}"); cpu="busy" ;; nginx) v=("${N[@]}"); cpu="process" ;; HAProxy) v=("${H[@]}"); cpu="process" ;; esac
    printf '| %s | %s | %.0f | %.2f | %.2f | %s | %s | %.2f (%s) | %.1f | %.2f | %.2fx |\n' "$run" "$who" "${v[o+1]}" \
      "${v[o+2]}" "${v[o+3]}" "${v[o+4]}" "${v[o+5]}" "${v[o+6]}" "$cpu" "$(us "${v[o+6]}" "${v[o]}")" "${v[o+7]}" \
      "$(echo "${T[o+1]} / ${v[o+1]}" | bc -l)"
  done
done
echo
echo "Tollgate counters after both runs: $(cat "$RAW/tollgate-counters.txt")"
echo "Raw wrk output and Tollgate's last stats snapshot: $RAW"
noise_line
