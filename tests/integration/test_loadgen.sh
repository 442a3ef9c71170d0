#!/usr/bin/env bash
# tollgate-loadgen against the dataplane over memif (no namespace, no kernel path): HTTPS keep-alive
# requests all answered 200 by the load generator's backend emulator through Tollgate; full TLS handshakes
# counted on both sides; and a bounded SYN flood (spoofed sources) sent while requests run leaves the
# dataplane serving them. Each part gets a fresh dataplane, stopped before the generator lets go of its
# links (bench/loadgen/memif_lab.sh says why).
source "$(dirname "$0")/lib.sh"

MEMIF_DIR=$(mktemp -d /tmp/tollgate-test-loadgen.XXXXXX)
# shellcheck source=../../bench/loadgen/memif_lab.sh
source "$ROOT/bench/loadgen/memif_lab.sh"
trap 'memif_down; rm -rf "$MEMIF_DIR"' EXIT
for b in dataplane/tollgate-dataplane bench/loadgen/tollgate-loadgen; do
  [ -x "$BUILD/$b" ] || fail "build/$b missing"
done
HTTPS=(--target 198.18.0.1:443 --tls --ca "$MEMIF_DIR/certs/ca.pem" --host lab.tollgate.test)
field() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$MEMIF_DIR/$1.json" "$2"; }
alive() { kill -0 "$MEMIF_PID" 2>/dev/null || fail "the dataplane died: $(tail -5 "$MEMIF_DIR/dataplane.log")"; }

# 1. Keep-alive HTTPS: every request answered 200, the certificate verified against the lab CA.
memif_up "tglg-$$-1"
loadgen keepalive "${HTTPS[@]}" -c 8 -n 3000 --max-duration 20 || fail "loadgen keepalive"
[ "$(field keepalive client.responses)" = 3000 ] || fail "keep-alive: $(field keepalive client.responses) of 3000 responses"
[ "$(field keepalive client.status.200)" = 3000 ] || fail "keep-alive: $(field keepalive client.status.200) of 3000 were 200"
[ "$(field keepalive client.errors.total)" = 0 ] || fail "keep-alive: errors $(field keepalive client.errors)"
[ "$(field keepalive backend.requests)" = 3000 ] || fail "the backend emulator saw $(field keepalive backend.requests) requests"
[ "$(field keepalive client.handshakes)" = 8 ] || fail "keep-alive: $(field keepalive client.handshakes) handshakes for 8 connections"
sleep 0.6
[ "$(stat_get cores.0.http_listeners.0.requests)" = 3000 ] || fail "Tollgate counted $(stat_get cores.0.http_listeners.0.requests) requests"
alive
memif_down
note "3000 keep-alive HTTPS requests over 8 connections: all 200, none lost"

# 2. A new connection (a full TLS 1.3 handshake) per request.
memif_up "tglg-$$-2"
loadgen handshakes "${HTTPS[@]}" -c 4 -n 100 --requests-per-connection 1 --max-duration 25 || fail "loadgen handshakes"
[ "$(field handshakes client.handshakes)" = 100 ] || fail "$(field handshakes client.handshakes) handshakes of 100"
[ "$(field handshakes client.status.200)" = 100 ] || fail "handshakes: $(field handshakes client.status.200) of 100 were 200"
sleep 0.6
[ "$(stat_get cores.0.http_listeners.0.tls.handshakes)" = 100 ] ||
  fail "Tollgate counted $(stat_get cores.0.http_listeners.0.tls.handshakes) handshakes"
[ "$(stat_get cores.0.http_listeners.0.tls.handshake_failures)" = 0 ] || fail "handshake failures"
alive
memif_down
note "100 full TLS handshakes, one request each: counted 100 on both sides"

# 3. A bounded SYN flood (20,000 at 20,000/s from spoofed sources: 1 s) while plain HTTP requests run at
# 1000/s for 3 s: those during the flood and those after it are all answered.
memif_up "tglg-$$-3"
loadgen flood --target 198.18.0.1:80 -c 4 -n 3000 --rate 1000 --flood syn --flood-target 198.18.0.1:80 \
  --flood-rate 20000 --flood-count 20000 --max-duration 25 || fail "loadgen flood"
[ "$(field flood flood.sent)" = 20000 ] || fail "flood: $(field flood flood.sent) frames sent of 20000"
[ "$(field flood client.status.200)" = 3000 ] || fail "with the flood: $(field flood client.status.200) of 3000 were 200"
sleep 0.6
syns=$(( $(stat_get cores.0.tcp.syn_cookies_sent) + $(stat_get cores.0.tcp.opened_passive) ))
[ "$syns" -ge 3000 ] || fail "the dataplane answered only $syns SYNs"
alive
memif_down
note "20,000 SYNs at 20,000/s with 3000 requests at 1000/s: all answered 200 (SYN-ACKs and cookies: $syns)"
