#!/usr/bin/env bash
# Client allow-lists (allowed_clients) in their own lab, prefix ta: the lab config with tcp-echo and
# http-app allowing only 198.18.0.2/32 (the client namespace's own address). A second client address,
# 198.18.0.77, is refused at connect on both (the dataplane answers its SYN with a RST) while .2 is served;
# each refusal shows as connections_denied in `tollgatectl show stats` (JSON and table) and in Prometheus,
# and in the control plane's sampled log lines (their counts add up, the latest names .77).
# Then the list is widened with `tollgatectl config reload` and .77 is served without a restart.
source "$(dirname "$0")/lib.sh"
own_lab_begin ta
DENIED=198.18.0.77
# The lab config with allowed_clients after the port of tcp-echo (7000) and http-app (8080).
lab_config_after_port "$ROOT/deploy/lab.toml" "$work/lab.toml" \
  7000 'allowed_clients = ["198.18.0.2/32"]' 8080 'allowed_clients = ["198.18.0.2/32"]'
own_lab_up --cores 1 --config "$work/lab.toml"
ip -n "$NS_CLIENT" addr add "$DENIED/24" dev "$P-cli0"
ctl() { "$ROOT/scripts/lab.sh" ctl --prefix $P "$@"; }
# denied LISTENER: its connections_denied from `show stats --json`.
denied() {
  ctl show stats --json | "$PY" -c 'import json,sys
d = json.load(sys.stdin)
print(sum(l["counters"].get("connections_denied", -1) for l in d["listeners"] if l["name"] == sys.argv[1]))' "$1"
}
# connect FROM PORT: "connected", "refused" or another error, from a TCP connect bound to FROM.
connect() {
  in_client "$PY" -c 'import socket,sys
s = socket.socket(); s.settimeout(3); s.bind((sys.argv[1], 0))
try:
    s.connect((sys.argv[2], int(sys.argv[3]))); print("connected")
except ConnectionRefusedError: print("refused")
except OSError as e: print(type(e).__name__)' "$1" "$VIP" "$2"
}
settle() { sleep 0.3; }  # segment on the worker's 10 ms tick; the control plane's snapshot after it

assert_eq "$(denied tcp-echo)" 0 "connections_denied of tcp-echo at start"
# Allowed: served.
body=$(in_client curl -sS -m 5 "http://$VIP:8080/api/allowed") || fail "allowed client not served: $body"
out=$(in_client "$PY" "$ROOT/tests/integration/tcp_client.py" echo "$VIP" 7000 4096) || fail "tcp echo: $out"
assert_eq "$(connect 198.18.0.2 7000)" connected "tcp-echo from 198.18.0.2"
# Denied: reset at SYN, i.e. refused at connect, on both protocols; counted per listener.
assert_eq "$(connect $DENIED 7000)" refused "tcp-echo from $DENIED"
assert_eq "$(connect $DENIED 7000)" refused "tcp-echo from $DENIED, again"
assert_eq "$(connect $DENIED 8080)" refused "http-app from $DENIED"
rc=0; in_client curl -sS -m 5 --interface "$DENIED" -o /dev/null "http://$VIP:8080/" 2>/dev/null || rc=$?
assert_eq "$rc" 7 "curl exit status from $DENIED (7: could not connect)"
# The other listeners have no list: everyone is served.
assert_eq "$(connect $DENIED 8443)" connected "tls-echo (no allow-list) from $DENIED"
settle
assert_eq "$(denied tcp-echo)" 2 "connections_denied of tcp-echo"
assert_eq "$(denied http-app)" 2 "connections_denied of http-app"
assert_eq "$(denied tls-echo)" 0 "connections_denied of tls-echo"
ctl show stats | grep -q DENIED || fail "no DENIED column in show stats: $(ctl show stats)"
ctl show stats | awk '$1 == "tcp-echo" {found = 1} END {exit !found}' || fail "no tcp-echo row in show stats"
port=$(sed -n 's/^address = "127\.0\.0\.1:\([0-9]*\)"/\1/p' "$RUN/dataplane.toml" | head -1)
metrics=$(curl -sS -m 5 "http://127.0.0.1:$port/metrics") || fail "no /metrics on 127.0.0.1:$port"
grep -q '^tollgate_listener_connections_denied_total{listener="tcp-echo"} 2$' <<<"$metrics" ||
  fail "Prometheus: $(grep connections_denied <<<"$metrics")"
table=$(ctl show stats)
awk '/REQ_RATE_429/ {t = 1; next} /^$/ {t = 0} t && $1 == "http-app" && $2 == 2 {found = 1} END {exit !found}' \
  <<<"$table" || fail "http-app ALLOW_LIST in the refusals table of show stats: $table"
sleep 1.5  # a second refusal within a second waits for the next line
for l in tcp-echo http-app; do
  assert_eq "$(refusals_logged $l allowed_clients)" 2 "$l refusals the control plane logged"
  refusal_lines $l allowed_clients | grep -q "latest client $DENIED\$" ||
    fail "no $l line naming $DENIED: $(refusal_lines $l allowed_clients)"
done
assert_eq "$(refusals_logged tls-echo allowed_clients)" 0 "tls-echo refusals logged"
note "denied: tcp-echo 2, http-app 2 (show stats, Prometheus, sampled log lines); served from 198.18.0.2"

# Live: the list widened by a reload lets $DENIED in, no restart.
pid=$(cat "$RUN/dataplane.pid")
sed 's|allowed_clients = \["198.18.0.2/32"\]|allowed_clients = ["198.18.0.0/24"]|' "$RUN/dataplane.toml" >"$work/new.toml"
cp "$work/new.toml" "$RUN/dataplane.toml.new" && mv "$RUN/dataplane.toml.new" "$RUN/dataplane.toml"
out=$(ctl config reload 2>&1) || fail "reload: $out"
grep -q "adopted by every core" <<<"$out" || fail "reload not adopted: $out"
assert_eq "$(connect $DENIED 7000)" connected "tcp-echo from $DENIED after widening"
in_client curl -sS -m 5 --interface "$DENIED" -o /dev/null "http://$VIP:8080/api/now" || fail "http-app from $DENIED after widening"
assert_eq "$(cat "$RUN/dataplane.pid")" "$pid" "dataplane pid (no restart)"
settle
assert_eq "$(denied tcp-echo)" 2 "connections_denied of tcp-echo after the reload"
dataplane_alive || fail "dataplane died"
note "reload widened the list live"
