#!/usr/bin/env bash
# A well-behaved client under attack (issue 16): its success rate and latency on :443 while hostile
# clients run, Tollgate vs nginx vs HAProxy in turn on the same worker core(s), veths, nginx backend and
# client CPUs (configs bench/peers/tollgate-http.toml, nginx-http.conf, haproxy-http.cfg, the peers given
# Tollgate's default limits: 10 s to receive a request head, 60 s idle). The client: RATE requests/s, each
# a new connection (TCP, full TLS handshake, GET /, close; bench/peers/good_client.py), for S seconds,
# once unattacked and once during each attack (tests/hostile's tools, started RAMP seconds before it):
#   slowloris    CONNS TLS connections sending a head at one byte per second, in waves (each wave is
#                ended by the 10 s header timeout and the next opens all connections again)
#   slow-read    READERS TLS connections with a 2 KiB receive buffer that never read a 20 MB download
#   pipelining   8 TLS connections each pipelining up to 20,000 GET / and never reading an answer
#   handshakes   2 processes of back-to-back full TLS handshakes (openssl s_time -new, no request)
# Goal (issue 16): Tollgate keeps >= 99.9% success and its p99 within 2x its unattacked p99 in every case.
#   bench/hostile.sh [--quick] [--json FILE] [--raw DIR] [--seconds S] [--connections CONNS] [--cores N]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
HELP_LINES=16
RAW_NAME=hostile
# shellcheck source=peers/lib.sh
. "$ROOT/bench/peers/lib.sh"  # the lab (prefix $P) and the peers, torn down on exit
common_args "$@"
SECS=$(opt seconds 20 4)
CONNS=$(opt connections 2000 200)
CORES=$(opt cores 1)
RAMP=$([ "$QUICK" = 1 ] && echo 2 || echo 10)
READERS=$([ "$QUICK" = 1 ] && echo 50 || echo 200)
RATE=20
ATTACKS="none slowloris slow-read pipelining handshakes"
HOSTILE=$ROOT/tests/hostile
FILES=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-hostile-files.XXXXXX")
chmod 755 "$FILES"
head -c 20M /dev/zero >"$FILES/big.bin"
trap 'rm -rf "$FILES"; cleanup' EXIT

# The peers with Tollgate's limits: header timeout 10 s, idle (keep-alive and client inactivity) 60 s.
same_limits() {
  if [ "$1" = nginx ]; then
    sed -i 's/keepalive_timeout 300s;/keepalive_timeout 60s; client_header_timeout 10s; client_body_timeout 60s; send_timeout 60s;/' "$2"
  else
    sed -i 's/^    timeout client 300s$/    timeout client 60s\n    timeout http-request 10s/; s/timeout http-keep-alive 300s/timeout http-keep-alive 60s/' "$2"
  fi
}
PEER_TWEAK=same_limits

# attack NAME SECONDS: one attack in the client namespace, bounded by its own clock (no process to kill).
attack() {
  local end=$(($(date +%s) + $2)) left
  case $1 in
    none) ;;
    slowloris)
      while left=$((end - $(date +%s))) && [ $left -gt 0 ]; do
        in_client "$PY" "$HOSTILE/slow.py" loris 443 "$CONNS" --tls --seconds "$((left < 12 ? left : 12))" \
          >>"$RAW/attack-slowloris.log" 2>&1 || true
      done ;;
    slow-read)
      in_client "$PY" "$HOSTILE/slow.py" read 443 "$READERS" --tls --path /files/big.bin --seconds "$2" \
        >>"$RAW/attack-slow-read.log" 2>&1 || true ;;
    pipelining)
      in_client "$PY" "$HOSTILE/pipeline.py" noread 443 8 20000 --tls --seconds "$2" \
        >>"$RAW/attack-pipelining.log" 2>&1 || true ;;
    handshakes)  # s_time without -www: connect, full handshake, close, back to back
      local i
      for i in 1 2; do
        in_client timeout $(($2 + 10)) openssl s_time -connect 198.18.0.1:443 -new -time "$2" \
          >>"$RAW/attack-handshakes-$i.log" 2>&1 &
      done
      wait ;;
  esac
}

declare -A R  # R[WHO-ATTACK] = good_client.py's JSON
measure() {
  local who=$1 a pid
  for a in $ATTACKS; do
    attack "$a" $((RAMP + SECS + 1)) &
    pid=$!
    [ "$a" = none ] || sleep "$RAMP"
    R[$who-$a]=$(in_client timeout $((SECS + 30)) "$PY" "$ROOT/bench/peers/good_client.py" 198.18.0.1 443 \
      --rate $RATE --seconds "$SECS")
    wait "$pid"
    echo "$who $a: ${R[$who-$a]}" >>"$RAW/good-client.log"
    sleep 2  # the attack's connections end before the next one starts
  done
}
each_proxy "$CORES" measure

# goal ATTACK: "met", or "missed:" and what missed: >= 99.9% success, p99 <= 2x unattacked, no worse
# than nginx or HAProxy (success and p99).
goal() {
  "$PY" - "$1" "${R[Tollgate-$1]}" "${R[Tollgate-none]}" "${R[nginx-$1]}" "${R[HAProxy-$1]}" <<'PYEOF'
import json, sys
attack, t, base, nginx, haproxy = sys.argv[1], *(json.loads(x) for x in sys.argv[2:])
p99 = lambda r: r["p99_ms"] if r["p99_ms"] is not None else float("inf")
missed = []
if t["success_pct"] < 99.9:
    missed.append("success")
if attack != "none" and p99(t) > 2 * p99(base):
    missed.append("p99 > 2x unattacked")
for name, peer in (("nginx", nginx), ("HAProxy", haproxy)):
    if t["success_pct"] < peer["success_pct"] or p99(t) > p99(peer):
        missed.append(f"worse than {name}")
print("met" if not missed else "missed: " + ", ".join(missed))
PYEOF
}
field() { "$PY" -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; print("n/a" if v is None else v)' "$1" "$2"; }
sec init hostile "A well-behaved HTTPS client under attack: Tollgate vs nginx vs HAProxy"
sec text "$(machine_line). Each proxy on $CORES worker core(s) (CPUs $(worker_cpus "$CORES")), in turn on the same veths, nginx backend and client CPUs ($CLIENT_CPUS; the attackers share them). The well-behaved client: $RATE requests/s for $SECS s, each a new connection (TCP, full TLS 1.3 handshake, GET / answered by the backend with 64 bytes, close), a request failing when no 2xx arrives within 5 s (bench/peers/good_client.py); p50/p99 over the successful ones. Attacks (tests/hostile's tools, started $RAMP s before the client, bounded): slowloris = $CONNS TLS connections sending a head at 1 byte/s, in waves; slow-read = $READERS TLS connections with a 2 KiB receive buffer never reading a 20 MB download; pipelining = 8 TLS connections each pipelining up to 20,000 GET / and never reading; handshakes = 2 \`openssl s_time -new\` processes (back-to-back full handshakes, no request). Limits: Tollgate's defaults (10 s header timeout, 60 s idle) given to nginx (client_header_timeout 10s, keepalive/send/client_body 60s) and HAProxy (timeout http-request 10s, client and http-keep-alive 60s); connection limits: Tollgate 65536 per core, nginx 19000 worker connections, HAProxy maxconn 9000."
sec text "Goal (issue 16): Tollgate keeps >= 99.9% success and its p99 within 2x of its unattacked p99 under every attack, and does no worse than either peer."
sec table "well-behaved client during each attack ($CORES core(s))" attack proxy requests "success %" "p50 ms" "p99 ms" "p99 / unattacked p99" "Tollgate / this (p99)" "goal (Tollgate)"
sec plot hostile_p99 "Well-behaved client's p99 under attack, $CORES core(s)" attack "p99 ms" --kind bars
for a in $ATTACKS; do
  for who in Tollgate nginx HAProxy; do
    j=${R[$who-$a]}
    p99=$(field "$j" p99_ms); ok=$(field "$j" success_pct)
    goal=-
    [ "$who" != Tollgate ] || goal=$(goal "$a")
    sec row "$a" "$who" "$(field "$j" requests)" "$ok" "$(field "$j" p50_ms)" "$p99" \
      "$(ratio "$p99" "$(field "${R[$who-none]}" p99_ms)")" "$(ratio "$(field "${R[Tollgate-$a]}" p99_ms)" "$p99")" "$goal"
    sec point hostile_p99 "$who" "$a" "$p99"
    sec raw "$who $a" "$j"
  done
done
sec text "Attack and client output: $RAW. $(noise_line)"
sec raw settings "{\"seconds\": $SECS, \"rate\": $RATE, \"slowloris_connections\": $CONNS, \"slow_readers\": $READERS, \"ramp_s\": $RAMP, \"cores\": $CORES, \"client_cpus\": \"$CLIENT_CPUS\", \"quick\": $QUICK}"
sec markdown
