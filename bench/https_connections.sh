#!/usr/bin/env bash
# New TLS connections per second through the HTTPS proxy, Tollgate vs nginx vs HAProxy (same worker
# core(s), veths, backend and client runs as bench/http_proxy.sh; configs bench/peers/tollgate-http.toml,
# nginx-http.conf, haproxy-http.cfg). Each connection: TCP open, TLS 1.3 handshake (ECDSA P-256, X25519),
# one GET proxied to the nginx backend, close.
#   full     `openssl s_time -new -www /`: PROCS processes back to back, never resuming (a full handshake each)
#   resumed  `openssl s_time -reuse -www /`: each process resumes its first session every time (TLS 1.3 PSK
#            with ECDHE, from the proxy's session ticket)
#   resumed, wrk -c C  `wrk -H 'Connection: close'`: C concurrent connections; wrk (like h2load) keeps the
#            session of a closed connection and resumes it
# Resumption is verified on the client side for every proxy (s_time prints 'r' per resumed connection and
# '*' per full one; both counted) and on Tollgate's side by its handshake counters. wrk and h2load always
# resume, which is why the full handshakes use s_time. CPU per connection: Tollgate = its workers' busy
# cycles; nginx/HAProxy = utime + stime of all their processes; the machine's softirq time beside it.
#   bench/https_connections.sh [--quick] [--json FILE] [--raw DIR] [--seconds S] [--procs N]
#                              [--connections C] [--cores N]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
HELP_LINES=16
RAW_NAME=https-connections
# shellcheck source=peers/lib.sh
. "$ROOT/bench/peers/lib.sh"  # the lab (prefix $P) and the peers, torn down on exit
common_args "$@"
SECS=$(opt seconds 8 2)
[ $QUICK = 1 ] && WRK_SECS=1
PROCS=$(opt procs 4)
CONNS=$(opt connections 32)
CORES=$(opt cores 1)
declare -A R
measure() {
  local who=$1 pid=$2 f h0=0
  R[$who-full]=$(s_time_measure "${who,,}-full" "$who" "$pid" new)
  # --quick: the resumed handshakes only from wrk (1 s), to stay within its time budget
  [ $QUICK = 1 ] || R[$who-resumed]=$(s_time_measure "${who,,}-resumed" "$who" "$pid" reuse)
  [ "$who" = Tollgate ] && h0=$(tls_counter handshakes_resumed)
  read -r -a f <<<"$(wrk_measure "${who,,}-wrk-close" "$who" "$pid" https://198.18.0.1/ -H 'Connection: close')"
  local hr=n/a
  [ "$who" = Tollgate ] && hr=$(($(tls_counter handshakes_resumed) - h0))
  # the same fields as s_time_measure: resumed/full on the client side are not reported by wrk
  R[$who-wrk]="${f[0]} ${f[1]} n/a n/a ${f[5]} ${f[6]} $hr"
}
each_proxy "$CORES" measure

sec init https_connections "New TLS connections/s through the HTTPS proxy: full and resumed, Tollgate vs nginx vs HAProxy"
sec text "$(machine_line). Each proxy on $CORES worker core(s) (CPUs $(worker_cpus "$CORES")), in turn on the same veths, nginx backend and clients (CPUs $CLIENT_CPUS). One connection = TCP open, TLS 1.3 handshake (ECDSA P-256 certificate, X25519), one GET / proxied to the backend (64-byte body), close. Full: $PROCS \`openssl s_time -new -www / -time $SECS\` processes in parallel (s_time never resumes in -new mode). Resumed: the same with \`-reuse\` (each process resumes its first session: TLS 1.3 PSK with ECDHE from the proxy's ticket). Resumed at higher concurrency: \`wrk -c$CONNS -d${SECS}s -H 'Connection: close'\` (wrk, like h2load, resumes the session of its previous connection). Configs: bench/peers/tollgate-http.toml, nginx-http.conf, haproxy-http.cfg."
sec text "Resumption verified: the s_time columns count the connections s_time reported as resumed ('r') and as full ('*'), for every proxy; Tollgate's own counter of resumed handshakes during the run is shown beside it. CPU per connection: Tollgate = its workers' busy cycles (TSC time of busy poll iterations: on a busy machine, time the worker spends preempted inside one counts too); nginx/HAProxy = utime + stime of their processes; machine softirq = the kernel's softirq time on all cores. The client's handshakes (ECDSA verification, ECDHE) cost about as much as the server's and share core 0 with the backend here, so the rates are client-bound on this 2-core machine; CPU per connection is the comparable figure."
sec table "new TLS connections ($CORES core(s))" run proxy "connections/s" "resumed (client)" "full (client)" "resumed (Tollgate counter)" "proxy CPU us per connection" "machine softirq us per connection" "Tollgate / this (conn/s)" "Tollgate / this (CPU per connection)"
sec plot https_connections_cps "New TLS connections/s, $CORES core(s)" proxy "connections/s" --kind bars
for mode in full resumed wrk; do
  case $mode in full) run="full handshake (s_time -new)" ;; resumed) run="resumed (s_time -reuse)" ;;
    wrk) run="resumed, $CONNS concurrent (wrk, Connection: close)" ;; esac
  if [ -z "${R[Tollgate-$mode]:-}" ]; then
    for who in Tollgate nginx HAProxy; do sec row "$run" "$who" "not run: --quick" - - - - - - -; done
    continue
  fi
  read -r -a t <<<"${R[Tollgate-$mode]}"
  tus=$(calc "${t[4]} * 1000000 / ${t[0]}")
  for who in Tollgate nginx HAProxy; do
    read -r -a v <<<"${R[$who-$mode]}"
    us=$(calc "${v[4]} * 1000000 / ${v[0]}")
    sus=$(calc "${v[5]} * 1000000 / ${v[0]}")
    sec row "$run" "$who" "$(fix "${v[1]}" 0)" "${v[2]}" "${v[3]}" "${v[6]}" "$(fix "$us" 0)" "$(fix "$sus" 0)" \
      "$(ratio "${t[1]}" "${v[1]}")" "$(ratio "$tus" "$us")"
    sec point https_connections_cps "$run" "$who" "$(fix "${v[1]}" 0)"
    sec raw "$who $mode" "{\"connections\": ${v[0]}, \"per_second\": ${v[1]}, \"resumed_client\": \"${v[2]}\", \"full_client\": \"${v[3]}\", \"cpu_s\": ${v[4]}, \"softirq_s\": ${v[5]}, \"resumed_tollgate\": \"${v[6]}\"}"
  done
done
sec text "Raw s_time/wrk output and Tollgate's last stats snapshot: $RAW. $(noise_line)"
sec raw settings "{\"seconds\": $SECS, \"procs\": $PROCS, \"connections\": $CONNS, \"cores\": $CORES, \"client_cpus\": \"$CLIENT_CPUS\", \"quick\": $QUICK}"
sec markdown
