#!/usr/bin/env bash
# L7 keep-alive requests/s, Tollgate vs nginx vs HAProxy: HTTPS (TLS 1.3, ECDSA P-256 lab certificate) and
# plain HTTP → proxy → keep-alive HTTP/1.1 to a fast backend (nginx answering a 64-byte body on
# 198.19.0.11-13:8081, bench/peers/nginx-backend.conf). Each proxy on the same worker core(s) (Tollgate's
# CPUs 1..N; nginx worker_processes N, HAProxy nbthread N, pinned there), the same veths and backend, the
# same client runs: wrk (CLIENT_THREADS threads on CLIENT_CPUS, default 1 on core 0) with C connections.
# Configs: bench/peers/tollgate-http.toml, nginx-http.conf, haproxy-http.cfg.
# CPU: Tollgate = its workers' busy cycles (a polling worker always shows 100%); nginx/HAProxy = utime +
# stime of all their processes; the machine's softirq time (where the kernel's TCP work for the peers runs,
# and for Tollgate the clients' and backend's side of the veths) is shown beside it.
# New TLS connections per second: bench/https_connections.sh; 1 vs 2 cores: bench/http_scaling.sh.
#   bench/http_proxy.sh [--quick] [--json FILE] [--raw DIR] [--seconds S] [--connections C] [--cores N]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
HELP_LINES=12
RAW_NAME=http-proxy
# shellcheck source=peers/lib.sh
. "$ROOT/bench/peers/lib.sh"  # the lab (prefix $P) and the peers, torn down on exit
common_args "$@"
SECS=$(opt seconds 10 2)
CONNS=$(opt connections 32)
CORES=$(opt cores 1)
command -v wrk >/dev/null || { echo "wrk is missing: scripts/setup.sh" >&2; exit 1; }

declare -A R  # R[WHO-MODE] = wrk_measure's fields
measure() {
  local who=$1 pid=$2
  wrk_warm "$who" https://198.18.0.1/
  R[$who-https]=$(wrk_measure "${who,,}-https" "$who" "$pid" https://198.18.0.1/)
  R[$who-http]=$(wrk_measure "${who,,}-http" "$who" "$pid" http://198.18.0.1/)
}
each_proxy "$CORES" measure

sec init http_proxy "HTTP(S) keep-alive requests/s: Tollgate vs nginx vs HAProxy"
sec text "$(machine_line). Each proxy on $CORES worker core(s) (CPUs $(worker_cpus "$CORES")), in turn on the same veths, nginx backend (64-byte body, keep-alive upstream) and client: \`wrk -t$CLIENT_THREADS -c$CONNS -d${SECS}s --latency\` on CPUs $CLIENT_CPUS against https://198.18.0.1/ (TLS 1.3, ECDSA P-256, X25519) and http://198.18.0.1/, after a warm-up. Configs: bench/peers/tollgate-http.toml, nginx-http.conf, haproxy-http.cfg."
sec text "CPU: Tollgate = its workers' busy cycles (a polling worker always shows 100% CPU; the busy cycles include the af_xdp copies and TX kicks, which on veths run the client's and backend's kernel receive path; on a busy machine, time the worker spends preempted inside a busy iteration counts too); nginx/HAProxy = utime + stime of all their processes. Machine softirq = the kernel's softirq time on all cores during the run (for the peers mostly their own TCP/IP work). On this 2-core machine the client and the backend share core 0: rates can be client-bound; CPU per request is the comparable figure."
sec table "keep-alive requests ($CORES core(s))" run proxy "requests/s" "p50 ms" "p99 ms" errors "proxy CPU s" "CPU s per 1,000 requests" "machine softirq s" "Tollgate / this (req/s)" "Tollgate / this (CPU per request)"
sec plot http_proxy_rps "Keep-alive requests/s, $CORES core(s)" proxy "requests/s" --kind bars
for mode in https http; do
  run="HTTPS keep-alive"; [ $mode = http ] && run="plain HTTP keep-alive"
  read -r -a t <<<"${R[Tollgate-$mode]}"
  tk=$(calc "${t[5]} * 1000 / ${t[0]}")
  for who in Tollgate nginx HAProxy; do
    read -r -a v <<<"${R[$who-$mode]}"
    k=$(calc "${v[5]} * 1000 / ${v[0]}")
    sec row "$run" "$who" "$(fix "${v[1]}" 0)" "$(fix "${v[2]}" 3)" "$(fix "${v[3]}" 3)" "${v[4]}" "$(fix "${v[5]}" 2)" \
      "$(fix "$k" 4)" "$(fix "${v[6]}" 2)" "$(ratio "${t[1]}" "${v[1]}")" "$(ratio "$tk" "$k")"
    sec point http_proxy_rps "$run" "$who" "$(fix "${v[1]}" 0)"
    sec raw "$who $run" "{\"requests\": ${v[0]}, \"rps\": ${v[1]}, \"p50_ms\": ${v[2]}, \"p99_ms\": ${v[3]}, \"errors\": ${v[4]}, \"cpu_s\": ${v[5]}, \"softirq_s\": ${v[6]}}"
  done
done
counters=$("$PY" - "$RAW/tollgate-stats-${CORES}core.json" <<'PYEOF'
import json, sys
cores = json.load(open(sys.argv[1]))["cores"]
s = lambda f: sum(f(c) for c in cores)
print(f"Tollgate counters after its runs (all cores): HTTPS requests {s(lambda c: c['http_listeners'][0]['requests'])}, "
      f"plain HTTP requests {s(lambda c: c['http_listeners'][1]['requests'])}, TLS handshakes "
      f"{s(lambda c: c['http_listeners'][0]['tls']['handshakes'])} (failures "
      f"{s(lambda c: c['http_listeners'][0]['tls']['handshake_failures'])}), upstream connects "
      f"{s(lambda c: c['upstreams']['connects'])}, reuses {s(lambda c: c['upstreams']['reuses'])}, "
      f"TCP retransmits {s(lambda c: c['tcp']['retransmits'])}.")
PYEOF
)
sec text "$counters Raw wrk output and Tollgate's last stats snapshot: $RAW."
sec text "$(noise_line)"
sec raw settings "{\"seconds\": $SECS, \"connections\": $CONNS, \"cores\": $CORES, \"client_cpus\": \"$CLIENT_CPUS\", \"quick\": $QUICK}"
sec markdown
