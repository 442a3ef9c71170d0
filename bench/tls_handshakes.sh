#!/usr/bin/env bash
# TLS handshakes through the lab's TLS listener (198.18.0.1:8443, one worker core): full and resumed,
# from several client processes, with the worker's busy CPU per handshake (a polling worker always shows
# 100%; its cost is the busy cycles it counts). ECDSA P-256 certificate, X25519, TLS 1.3 and TLS 1.2.
#   bench/tls_handshakes.sh [--seconds S] [--procs N]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
SECS=10
PROCS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECS=$2; shift 2 ;;
    --procs) PROCS=$2; shift 2 ;;
    *) sed -n '2,6p' "$0"; exit 2 ;;
  esac
done
P=tb
RUN=${TOLLGATE_RUN_DIR:-/run/tollgate}/lab-$P
LAB="$ROOT/scripts/lab.sh"
trap '"$LAB" down --prefix $P >/dev/null 2>&1 || true' EXIT
"$LAB" up --prefix $P --cores 1 >/dev/null

stat() { "$PY" "$ROOT/scripts/lab/stats.py" get "$RUN/stats.json" "$1"; }
busy_s() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.6f" % (d["cores"][0]["cycles_busy"] / d["tsc_hz"]))' "$RUN/stats.json"; }
settle() { sleep 1.2; }  # two stats snapshots (500 ms each in the lab config)

printf 'TLS handshakes through the TLS listener, 1 worker core, %s client processes, %s s per run\n' "$PROCS" "$SECS"
printf 'Machine: %s, %s cores, kernel %s\n\n' "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)" "$(nproc)" "$(uname -r)"
echo "| run | handshakes/s | resumed | worker busy CPU per handshake (us) | client-bound? |"
echo "|---|---|---|---|---|"
for v in 1.3 1.2; do
  for mode in full resume; do
    settle
    b0=$(busy_s)
    h0=$(stat cores.0.tls_listeners.0.handshakes)
    extra=()
    [ $mode = resume ] && extra=(--resume)
    out=$(ip netns exec $P-client "$PY" "$ROOT/tests/integration/tls_client.py" handshakes 198.18.0.1 8443 "$SECS" \
          --procs "$PROCS" --tls $v --ca "$RUN/certs/ca.pem" "${extra[@]}")
    settle
    b1=$(busy_s)
    h1=$(stat cores.0.tls_listeners.0.handshakes)
    n=$((h1 - h0))
    rate=$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["per_second"])' "$out")
    resumed=$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["resumed"])' "$out")
    us=$(echo "($b1 - $b0) * 1000000 / $n" | bc -l)
    util=$(echo "($b1 - $b0) / ($SECS + 2.4)" | bc -l)
    printf '| TLS %s %s | %s | %s | %.0f | worker %.0f%% busy |\n' "$v" "$mode" "$rate" "$resumed" "$us" "$(echo "$util * 100" | bc -l)"
  done
done
echo
echo "Per-handshake CPU counts the worker's busy cycles only (TCP, TLS, the handshake's crypto, and the"
echo "af_xdp TX kicks that run the client namespace's receive path); the Python clients are the bottleneck"
echo "for the rate on a 2-core machine (the worker holds one core)."
