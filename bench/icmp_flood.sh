#!/usr/bin/env bash
# ICMP echo replies per second on one worker core under a bounded flood, af_xdp vs af_packet, with the
# same flood answered by the Linux kernel on the same veth for comparison.
#
#   bench/icmp_flood.sh [--count N] [--streams S] [--preload L]
#
# The flood: S concurrent `ping -f -l L -c N` from the client namespace (bounded: N each, 120 s cap).
# Tollgate's cost is its worker's busy cycles per packet (a polling core always shows 100% CPU); the
# machine-wide CPU seconds (from /proc/stat) cover the client and the kernel's veth path for every row.
# Prints a Markdown table and writes bench/results/icmp-flood-<date>-<host>.json.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
COUNT=100000
STREAMS=2
PRELOAD=32
while [ $# -gt 0 ]; do
  case "$1" in
    --count) COUNT=$2; shift 2 ;;
    --streams) STREAMS=$2; shift 2 ;;
    --preload) PRELOAD=$2; shift 2 ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
  esac
done
P=${P:-tb}
RUN=${TOLLGATE_RUN_DIR:-/run/tollgate}/lab-$P
LAB="$ROOT/scripts/lab.sh"
cleanup() {
  ip netns del $P-kernel 2>/dev/null || true
  "$LAB" down --prefix $P >/dev/null 2>&1 || true
}
trap cleanup EXIT

cpu_busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }

# flood NAMESPACE → prints "replies seconds cpu_seconds"
flood() {
  local ns=$1 start end t0 t1 pids=() total=0 dir
  dir=$(mktemp -d)
  t0=$(cpu_busy_ticks); start=$(date +%s.%N)
  for s in $(seq "$STREAMS"); do
    ip netns exec "$ns" timeout 120 ping -f -l "$PRELOAD" -c "$COUNT" -W 1 -q 198.18.0.1 >"$dir/$s" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  end=$(date +%s.%N); t1=$(cpu_busy_ticks)
  for s in $(seq "$STREAMS"); do
    total=$((total + $(sed -n 's/.* \([0-9]\+\) received.*/\1/p' "$dir/$s")))
  done
  rm -rf "$dir"
  echo "$total $(echo "$end - $start" | bc) $(echo "($t1 - $t0) / $(getconf CLK_TCK)" | bc -l)"
}

declare -A R
for driver in af_xdp af_packet; do
  cleanup
  "$LAB" up --prefix $P --cores 1 --driver "$driver" >/dev/null
  sleep 1
  before=$("$PY" -c 'import json,sys; c=json.load(open(sys.argv[1]))["cores"][0]; print(c["cycles_busy"], c["packets"], c["iterations_busy"])' "$RUN/stats.json")
  read -r replies secs cpu <<<"$(flood $P-client)"
  sleep 1
  after=$("$PY" -c 'import json,sys; c=json.load(open(sys.argv[1]))["cores"][0]; print(c["cycles_busy"], c["packets"], c["iterations_busy"], json.load(open(sys.argv[1]))["tsc_hz"])' "$RUN/stats.json")
  read -r b_cyc b_pkt b_it <<<"$before"
  read -r a_cyc a_pkt a_it hz <<<"$after"
  pkts=$((a_pkt - b_pkt)); cyc=$((a_cyc - b_cyc)); its=$((a_it - b_it))
  R[$driver]="$replies $secs $cpu $(echo "$cyc / $pkts" | bc -l) $(echo "$pkts / $its" | bc -l) $hz"
  "$LAB" down --prefix $P >/dev/null
done

# Kernel baseline: the same veth pair, its front end moved into a namespace that holds the VIP.
"$LAB" up --prefix $P --cores 1 >/dev/null
kill -TERM "$(cat "$RUN/dataplane.pid")"; sleep 1
ip netns add $P-kernel
ip link set $P-front netns $P-kernel
ip -n $P-kernel addr add 198.18.0.1/24 dev $P-front
ip -n $P-kernel link set $P-front up
ip -n $P-kernel link set lo up
ip netns exec $P-kernel sysctl -qw net.ipv4.icmp_ratelimit=0
ip netns exec $P-client ip neigh flush dev $P-cli0
ip netns exec $P-client ping -c 1 -W 2 -q 198.18.0.1 >/dev/null
read -r replies secs cpu <<<"$(flood $P-client)"
R[kernel]="$replies $secs $cpu - - -"

cpu_model=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
stem="$ROOT/bench/results/icmp-flood-$(date +%Y-%m-%d)-$(hostname -s)"
{
sent=$((COUNT * STREAMS))
echo "ICMP echo flood: $STREAMS x ping -f -l $PRELOAD -c $COUNT ($sent requests per row), one Tollgate worker core"
echo "Machine: $cpu_model, $(nproc) cores, kernel $(uname -r)"
echo
echo "| responder | replies | loss | replies/s | vs kernel | machine CPU s | worker busy cycles/packet | worker busy ns/packet | packets/busy iteration |"
echo "|---|---|---|---|---|---|---|---|---|"
read -r k_rep k_secs _ <<<"${R[kernel]}"
k_rate=$(echo "$k_rep / $k_secs" | bc -l)
json="{\"count_per_stream\": $COUNT, \"streams\": $STREAMS, \"preload\": $PRELOAD, \"cpu\": \"$cpu_model\", \"rows\": {"
first=1
for row in af_xdp af_packet kernel; do
  read -r rep secs cpu cpp ppi hz <<<"${R[$row]}"
  rate=$(echo "$rep / $secs" | bc -l)
  loss=$(echo "100 * ($sent - $rep) / $sent" | bc -l)
  if [ "$cpp" = "-" ]; then ns="-"; cppf="-"; ppif="-"; else
    ns=$(printf '%.0f' "$(echo "$cpp * 1000000000 / $hz" | bc -l)"); cppf=$(printf '%.0f' "$cpp"); ppif=$(printf '%.2f' "$ppi"); fi
  printf '| %s | %d | %.2f%% | %.0f | %.2fx | %.2f | %s | %s | %s |\n' "$row" "$rep" "$loss" "$rate" \
    "$(echo "$rate / $k_rate" | bc -l)" "$cpu" "$cppf" "$ns" "$ppif"
  [ $first -eq 1 ] || json+=", "
  first=0
  json+="\"$row\": {\"replies\": $rep, \"seconds\": $secs, \"replies_per_s\": $rate, \"machine_cpu_s\": $cpu, \"busy_cycles_per_packet\": \"$cpp\", \"packets_per_busy_iteration\": \"$ppi\"}"
done
json+="}}"
echo "$json" | "$PY" -m json.tool >"$stem.json"
} | tee "$stem.md"
echo
echo "raw numbers: $stem.json"
