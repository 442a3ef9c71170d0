#!/usr/bin/env bash
# The TCP listener (L4 proxy) against HAProxy in mode tcp on the same veths, one core each:
# single-connection bulk throughput (iperf3 both directions) and connections per second (open, 1 KiB
# echo, close), with the CPU each proxy used. Tollgate's CPU is its worker's busy cycles (a polling
# core always shows 100%); HAProxy's is its process CPU time plus, separately, the machine's softirq
# time (where the kernel's TCP work for it happens).
#   bench/tcp_proxy.sh [--seconds S] [--procs N]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
SECS=10
PROCS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECS=$2; shift 2 ;;
    --procs) PROCS=$2; shift 2 ;;
    *) sed -n '2,8p' "$0"; exit 2 ;;
  esac
done
P=${P:-tb}
RUN=${TOLLGATE_RUN_DIR:-/run/tollgate}/lab-$P
LAB="$ROOT/scripts/lab.sh"
HAPROXY_PID=""
cleanup() {
  [ -n "$HAPROXY_PID" ] && kill "$HAPROXY_PID" 2>/dev/null || true
  [ -f "$RUN/iperf3.pid" ] && kill "$(cat "$RUN/iperf3.pid")" 2>/dev/null || true
  ip netns del $P-proxy 2>/dev/null || true
  "$LAB" down --prefix $P >/dev/null 2>&1 || true
}
trap cleanup EXIT

busy_seconds() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.6f" % (d["cores"][0]["cycles_busy"] / d["tsc_hz"]))' "$RUN/stats.json"; }
proc_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
softirq_seconds() { awk -v hz="$(getconf CLK_TCK)" '/^cpu /{print ($7 + $8) / hz}' /proc/stat; }
iperf() { ip netns exec $P-client timeout $((SECS + 20)) iperf3 -c 198.18.0.1 -p 5201 -t "$SECS" -J "$@" | "$PY" -c 'import json,sys; print("%.4f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'; }
cps() { ip netns exec $P-client "$PY" "$ROOT/tests/integration/tcp_client.py" cps 198.18.0.1 7000 "$SECS" "$PROCS" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["per_second"])'; }
start_iperf_server() {
  ip netns exec $P-backend iperf3 -s -B 198.19.0.11 -p 5201 -D -I "$RUN/iperf3.pid"
  sleep 0.5
}

# measure COST_FN → "upload_gbps upload_cpu download_gbps download_cpu cps cps_cpu"
measure() {
  local cost=$1 out=() t0 v
  for dir in "" "-R"; do
    t0=$($cost); sleep 0.6
    v=$(iperf $dir); sleep 0.6
    out+=("$v" "$(echo "$($cost) - $t0" | bc -l)")
  done
  t0=$($cost); sleep 0.6
  v=$(cps); sleep 0.6
  out+=("$v" "$(echo "$($cost) - $t0" | bc -l)")
  echo "${out[@]}"
}

"$LAB" up --prefix $P --cores 1 --config "$ROOT/bench/peers/tollgate-tcp.toml" >/dev/null
start_iperf_server
read -r tu tuc td tdc tc tcc <<<"$(measure busy_seconds)"
kill "$(cat "$RUN/iperf3.pid")"; rm -f "$RUN/iperf3.pid"

# HAProxy on the same veth pair: both root-namespace ends move into a namespace that holds the VIPs.
kill -TERM "$(cat "$RUN/dataplane.pid")"; sleep 1
ip netns add $P-proxy
for dev in $P-front:198.18.0.1/24 $P-back:198.19.0.1/24; do
  ip link set "${dev%%:*}" netns $P-proxy
  ip -n $P-proxy addr add "${dev#*:}" dev "${dev%%:*}"
  ip -n $P-proxy link set "${dev%%:*}" up
done
ip -n $P-proxy link set lo up
ip netns exec $P-client ip neigh flush all
ip netns exec $P-backend ip neigh flush all
start_iperf_server
ip netns exec $P-proxy taskset -c 1 haproxy -f "$ROOT/bench/peers/haproxy-tcp.cfg" -db >"$RUN/haproxy.log" 2>&1 &
HAPROXY_PID=$!
sleep 1
kill -0 "$HAPROXY_PID" 2>/dev/null || { echo "haproxy did not start:" >&2; cat "$RUN/haproxy.log" >&2; exit 1; }
s0=$(softirq_seconds)
read -r hu huc hd hdc hc hcc <<<"$(measure "proc_seconds $HAPROXY_PID")"
hsoft=$(echo "$(softirq_seconds) - $s0" | bc -l)

cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
printf 'TCP listener vs HAProxy (mode tcp), one core each, %s s per run, CPS with %s client processes\n' "$SECS" "$PROCS"
printf 'Machine: %s, %s cores, kernel %s\n\n' "$cpu" "$(nproc)" "$(uname -r)"
echo "| run | Tollgate | CPU s (busy) | HAProxy | CPU s (process) | Tollgate / HAProxy |"
echo "|---|---|---|---|---|---|"
printf '| upload Gbit/s | %.2f | %.2f | %.2f | %.2f | %.2fx |\n' "$tu" "$tuc" "$hu" "$huc" "$(echo "$tu / $hu" | bc -l)"
printf '| download Gbit/s | %.2f | %.2f | %.2f | %.2f | %.2fx |\n' "$td" "$tdc" "$hd" "$hdc" "$(echo "$td / $hd" | bc -l)"
printf '| connections/s (1 KiB echo) | %.0f | %.2f | %.0f | %.2f | %.2fx |\n' "$tc" "$tcc" "$hc" "$hcc" "$(echo "$tc / $hc" | bc -l)"
printf '\nHAProxy runs also used %.2f s of machine softirq time (the kernel TCP/IP work on its behalf).\n' "$hsoft"
printf 'Tollgate CPU per connection: %.1f us; HAProxy process CPU per connection: %.1f us.\n' \
  "$(echo "$tcc * 1000000 / ($tc * $SECS)" | bc -l)" "$(echo "$hcc * 1000000 / ($hc * $SECS)" | bc -l)"
