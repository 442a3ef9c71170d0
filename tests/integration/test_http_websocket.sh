#!/usr/bin/env bash
# A WebSocket through the http-app listener (:8080, /ws → the web pool → backend-3's RFC 6455 echo in
# scripts/lab/backend.py): the 101 and Sec-WebSocket-Accept come through, text and binary messages of
# 10 B, 100 kB and 1 MB (masked, as clients must send them) come back byte for byte with SHA-256 equality,
# frames at the 7/16/64-bit length boundaries keep their encoding, a fragmented message with a ping between
# its fragments and plain pings are answered, and the close handshake ends with the backend's FIN. The
# listener counts the upgraded connection as a tunnel.
source "$(dirname "$0")/lib.sh"
WS=(timeout 60 "$PY" "$ROOT/tests/integration/ws_client.py")
field() { "$PY" -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])[sys.argv[1]])' "$1"; }

fresh_stats
tunnels_before=$(stat_value cores.0.http_listeners.2.tunnels)
out=$(in_client "${WS[@]}" echo $VIP 8080 --path /ws --sizes 10,100000,1000000) || fail "websocket echo: $out"
assert_eq "$(field ok <<<"$out")" "True" "websocket echo"
note "handshake: $(field status <<<"$out"), Sec-WebSocket-Accept $(field accept <<<"$out") (matches the key)"
note "$(field messages <<<"$out") messages (text and binary x 10 B, 100 kB, 1 MB) echoed byte for byte," \
     "SHA-256 equal, in $(field seconds <<<"$out") s"
note "length encodings by size: $(field length_forms <<<"$out"); fragmented text $(field fragmented <<<"$out")" \
     "with a ping between fragments; $(field pings <<<"$out") pings answered; close $(field close <<<"$out") echoed, then FIN"

# A second connection straight after: the first one's tunnel is gone and a new one works.
out=$(in_client "${WS[@]}" echo $VIP 8080 --path /ws --sizes 10) || fail "second websocket: $out"
fresh_stats
tunnels=$(( $(stat_value cores.0.http_listeners.2.tunnels) - tunnels_before ))
assert_eq "$tunnels" 2 "tunnels opened by the two websocket connections (cores.0.http_listeners.2.tunnels)"
note "http-app tunnels counter grew by $tunnels"

# The listener still serves plain HTTP on new connections.
h=$(in_client curl -sS -m 5 "http://$VIP:8080/tollgate/health") || fail "health after the websockets: $h"
assert_eq "$h" "ok" "health after the websockets"
dataplane_alive || fail "dataplane died"
