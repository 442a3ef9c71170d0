#!/usr/bin/env bash
# What stats cost on the fast path: Tollgate built twice — build/ (stats on) and build-nostats/
# (meson -Dstats=false: the latency histograms and the per-core export of every counter to the shared
# segment compiled out; the plain per-connection counters stay, the engine's own logic reads them) — and
# measured alternately in the same invocation (on, off, on, off, ...) on the setup of bench/http_proxy.sh:
# HTTPS (TLS 1.3) keep-alive through the proxy to nginx backends, wrk 1 thread on core 0, one worker core.
# Cost per request = the worker's busy cycles (a polling worker always shows 100% CPU) / requests.
#   bench/stats_cost.sh [--seconds S] [--connections C] [--rounds N]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
SECS=10
CONNS=32
ROUNDS=3
RAW=${TMPDIR:-/tmp}/tollgate-stats-cost
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECS=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    *) sed -n '2,9p' "$0"; exit 2 ;;
  esac
done
# shellcheck source=peers/lib.sh
. "$ROOT/bench/peers/lib.sh"  # the lab (prefix tb) and the peers, torn down on exit
command -v wrk >/dev/null || { echo "wrk is missing: scripts/setup.sh" >&2; exit 1; }
rm -rf "$RAW"; mkdir -p "$RAW"
URL=https://198.18.0.1/

# The two builds: the usual one and one with stats compiled out (programs only).
[ -f "$ROOT/build/build.ninja" ] || meson setup "$ROOT/build" "$ROOT" >/dev/null
[ -f "$ROOT/build-nostats/build.ninja" ] ||
  meson setup "$ROOT/build-nostats" "$ROOT" -Dstats=false -Dtests=disabled -Dbench=disabled >/dev/null
for b in build build-nostats; do
  ninja -C "$ROOT/$b" dataplane/tollgate-dataplane controlplane/tollgate-controlplane controlplane/tollgatectl >/dev/null
done

# run NAME BUILD_DIR → "requests rps busy_seconds": one lab with that build's dataplane, warmed, measured.
run() {
  local name=$1 build=$2 c0 c1
  TOLLGATE_BUILD_DIR=$build "$LAB" up --prefix $P --cores 1 --config "$ROOT/bench/peers/tollgate-http.toml" >/dev/null
  render "$ROOT/bench/peers/nginx-backend.conf" "$RUN/nginx-backend.conf"
  peer_start $P-backend 0 "$RAW/nginx-backend-$name.log" nginx -p "$RUN" -c "$RUN/nginx-backend.conf" -e stderr \
    -g 'daemon off;'
  for a in 11 12 13; do wait_tcp $P-backend 198.19.0.$a 8081; done
  ip netns exec $P-client timeout 20 taskset -c 0 wrk -t1 -c"$CONNS" -d2s "$URL" >/dev/null 2>&1 || true
  settle
  c0=$(busy_seconds)
  ip netns exec $P-client timeout $((SECS + 30)) taskset -c 0 wrk -t1 -c"$CONNS" -d"${SECS}s" --timeout 5s \
    "$URL" >"$RAW/$name.txt" 2>&1
  settle
  c1=$(busy_seconds)
  peers_cleanup
  "$LAB" down --prefix $P >/dev/null 2>&1
  local f
  read -r -a f <<<"$(wrk_fields "$RAW/$name.txt")"
  [ "${f[4]}" -eq 0 ] && [ "${f[5]}" -eq 0 ] || { echo "$RAW/$name.txt: errors in the run" >&2; return 1; }
  echo "${f[0]} ${f[1]} $(echo "$c1 - $c0" | bc -l)"
}

printf 'Stats on (build/) vs compiled out (build-nostats/, -Dstats=false), alternating, %s rounds\n' "$ROUNDS"
printf 'HTTPS (TLS 1.3, ECDSA P-256) keep-alive → proxy → nginx (64-byte body), one worker core, wrk 1 thread on core 0, %s connections, %s s per run\n' \
  "$CONNS" "$SECS"
machine_line
echo
echo "| round | stats | requests/s | busy µs/request |"
echo "|---|---|---|---|"
on=(); off=()
for r in $(seq "$ROUNDS"); do
  for mode in on off; do
    b=$ROOT/build; [ $mode = off ] && b=$ROOT/build-nostats
    read -r req rps busy <<<"$(run "$mode-$r" "$b")"
    us=$(echo "$busy * 1000000 / $req" | bc -l)
    printf '| %s | %s | %.0f | %.2f |\n' "$r" "$mode" "$rps" "$us"
    if [ $mode = on ]; then on+=("$us $rps"); else off+=("$us $rps"); fi
  done
done
"$PY" - "${on[@]/#/on:}" "${off[@]/#/off:}" <<'PYEOF'
import statistics, sys
runs = {"on": [], "off": []}
for a in sys.argv[1:]:
    mode, v = a.split(":")
    us, rps = map(float, v.split())
    runs[mode].append((us, rps))
med = {m: (statistics.median(u for u, _ in r), statistics.median(p for _, p in r)) for m, r in runs.items()}
print()
print(f"Median busy µs/request: on {med['on'][0]:.2f}, off {med['off'][0]:.2f} "
      f"(stats cost {100 * (med['on'][0] / med['off'][0] - 1):+.1f}%); median requests/s: on {med['on'][1]:.0f}, "
      f"off {med['off'][1]:.0f} (on/off {med['on'][1] / med['off'][1]:.3f})")
PYEOF
noise_line
echo "Raw wrk output: $RAW"
