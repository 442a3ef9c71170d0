#!/usr/bin/env bash
# Latency at fixed offered loads through the HTTPS proxy (keep-alive, TLS 1.3), Tollgate vs nginx vs
# HAProxy on the same worker core(s), veths, backend and client (configs bench/peers/tollgate-http.toml,
# nginx-http.conf, haproxy-http.cfg). The client is h2load --h1 at a constant rate (--rps per connection
# × C connections) with --log-file: every request's response time → p50/p99/p99.9 (the first second of a
# run, with its connection set-up, is left out). The offered loads are fractions of Tollgate's saturation
# rate, measured first by an unthrottled h2load run, and the same absolute loads are offered to every
# proxy (or --loads gives them). h2load sends a connection's next request only after the previous
# response (HTTP/1.1), so past saturation its timer starts late: no wrk2-style correction for coordinated
# omission; the achieved rate column shows where a proxy fell behind. No CPU is counted here (see
# bench/http_proxy.sh).
#   bench/http_latency.sh [--quick] [--json FILE] [--raw DIR] [--seconds S] [--connections C]
#                         [--fractions F,F,...] [--loads R,R,...] [--cores N]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
HELP_LINES=13
RAW_NAME=http-latency
# shellcheck source=peers/lib.sh
. "$ROOT/bench/peers/lib.sh"  # the lab (prefix $P) and the peers, torn down on exit
common_args "$@"
SECS=$(opt seconds 9 2)
FRACTIONS=$(opt fractions 0.2,0.4,0.6,0.8,0.9 0.3,0.8)
SKIP=1; [ $QUICK = 1 ] && SKIP=0.5
CONNS=$(opt connections 32)
LOADS=$(opt loads "")
CORES=$(opt cores 1)
command -v h2load >/dev/null || { echo "h2load is missing (nghttp2-client): scripts/setup.sh" >&2; exit 1; }
URL=https://198.18.0.1/

# h2load_run NAME [h2load args...]: one bounded run, SECS seconds, CONNS connections, log in RAW/NAME.log.
h2load_run() {
  local name=$1
  shift
  in_client timeout $((SECS + 30)) h2load --h1 -t"$CLIENT_THREADS" -c"$CONNS" -D "$SECS" --log-file "$RAW/$name.log" \
    "$@" "$URL" >"$RAW/$name.txt" 2>&1 || { echo "h2load failed ($name):" >&2; cat "$RAW/$name.txt" >&2; return 1; }
  "$PY" "$ROOT/bench/peers/h2load_log.py" "$RAW/$name.log" "$SKIP"
}

SATURATION=""
declare -A R  # R[WHO-LOAD] = "requests per_second p50 p99 p999 non2xx"
measure() {
  local who=$1 load f
  if [ -z "$LOADS" ]; then
    read -r -a f <<<"$(h2load_run tollgate-saturation)"
    SATURATION=${f[1]}
    LOADS=$("$PY" -c 'import sys; s=float(sys.argv[1]); print(",".join(str(max(100, round(s * float(f) / 100) * 100)) for f in sys.argv[2].split(",")))' \
      "$SATURATION" "$FRACTIONS")
  fi
  for load in ${LOADS//,/ }; do
    R[$who-$load]=$(h2load_run "${who,,}-$load" --rps "$("$PY" -c 'import sys; print(round(int(sys.argv[1]) / int(sys.argv[2]), 2))' "$load" "$CONNS")")
  done
}
each_proxy "$CORES" measure

sec init http_latency "HTTPS latency at fixed offered loads: Tollgate vs nginx vs HAProxy"
how="offered loads given by --loads"
[ -n "$SATURATION" ] && how="offered loads = $FRACTIONS of Tollgate's saturation rate, $(fix "$SATURATION" 0) req/s by an unthrottled h2load run with the same connections, rounded to 100"
sec text "$(machine_line). Each proxy on $CORES worker core(s) (CPUs $(worker_cpus "$CORES")), in turn on the same veths, nginx backend and client: \`h2load --h1 -t$CLIENT_THREADS -c$CONNS -D $SECS --rps LOAD/$CONNS --log-file\` on CPUs $CLIENT_CPUS, keep-alive HTTPS (TLS 1.3) GET / (64-byte body); $how. Percentiles of every request's response time (nearest rank) after the first $SKIP s of each run. h2load sends a connection's next request only after the previous response, so beyond a proxy's saturation the achieved rate falls behind the offered one and the latency is understated (no wrk2-style coordinated-omission correction)."
sec table "latency at fixed offered loads ($CORES core(s))" "offered req/s" proxy "achieved req/s" "p50 ms" "p99 ms" "p99.9 ms" "non-2xx" "Tollgate / this (p99)"
sec plot http_latency_p99 "HTTPS p99 latency vs offered load, $CORES core(s)" "offered requests/s" "p99 ms" --logy
sec plot http_latency_p50 "HTTPS p50 latency vs offered load, $CORES core(s)" "offered requests/s" "p50 ms" --logy
for load in ${LOADS//,/ }; do
  read -r -a t <<<"${R[Tollgate-$load]}"
  for who in Tollgate nginx HAProxy; do
    read -r -a v <<<"${R[$who-$load]}"
    sec row "$load" "$who" "$(fix "${v[1]}" 0)" "${v[2]}" "${v[3]}" "${v[4]}" "${v[5]}" "$(ratio "${t[3]}" "${v[3]}")"
    sec point http_latency_p99 "$who" "$load" "${v[3]}"
    sec point http_latency_p50 "$who" "$load" "${v[2]}"
    sec raw "$who $load" "{\"requests\": ${v[0]}, \"per_second\": ${v[1]}, \"p50_ms\": ${v[2]}, \"p99_ms\": ${v[3]}, \"p999_ms\": ${v[4]}, \"non_2xx\": ${v[5]}}"
  done
done
sec text "Raw h2load output and per-request logs: $RAW. $(noise_line)"
sec raw settings "{\"seconds\": $SECS, \"connections\": $CONNS, \"loads\": [$LOADS], \"saturation\": \"$SATURATION\", \"cores\": $CORES, \"client_cpus\": \"$CLIENT_CPUS\", \"quick\": $QUICK}"
sec markdown
