#!/usr/bin/env bash
# Per-client limits (client_limits) in their own lab, prefix kl: the lab config with http-app (:8080)
# limited to 3 connections and 5 requests per second (burst 5) per client address, 198.18.0.3/32 exempt,
# and tcp-echo (:7000) and https (:443) to 2 connections (a third is reset at its SYN),
# tls-echo (:8443) to max_handshakes = 2. From the client address: a sixth request within the second gets
# 429 with Retry-After, the connection stays usable and is served again a second later; a fourth
# concurrent connection is reset at its SYN while three are held, and accepted once one of them closes.
# The exempt address is never limited. Each refusal is counted on its listener in stats.json, `tollgatectl show stats` (JSON and
# table) and Prometheus, and the control plane logs sampled lines whose counts add up to the counters and
# which name the refused client.
source "$(dirname "$0")/lib.sh"
own_lab_begin kl
EXEMPT=198.18.0.3
HOLDER=198.18.0.4  # a limited address of its own for the connection test (its requests stay under 5/s)
lab_config_after_port "$ROOT/deploy/lab.toml" "$work/lab.toml" \
  8080 'client_limits = { connections = 3, requests_per_second = 5, burst = 5, exempt = ["198.18.0.3/32"] }' \
  7000 'client_limits = { connections = 2 }' 443 'client_limits = { connections = 2 }' 8443 'max_handshakes = 2'
own_lab_up --cores 1 --config "$work/lab.toml"
ip -n "$NS_CLIENT" addr add "$EXEMPT/24" dev "$P-cli0"
ip -n "$NS_CLIENT" addr add "$HOLDER/24" dev "$P-cli0"
limits_stat() { stat_value "cores.0.http_listeners.2.client_limits.$1"; }

# burst FROM N: N requests on one keep-alive connection from FROM, all at once; prints the statuses and
# the Retry-After of the first 429, then one more request 1.2 s later.
in_client "$PY" - "$VIP" 198.18.0.2 6 >"$work/burst" <<'PY'
import re, socket, sys, time
vip, src, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(); s.settimeout(5); s.bind((src, 0)); s.connect((vip, 8080))
def answers(count):
    buf = b""
    while buf.count(b"HTTP/1.1 ") < count or not buf.endswith(b"\n"):
        d = s.recv(65536)
        if not d: break
        buf += d
    return buf
s.sendall(b"GET /tollgate/health HTTP/1.1\r\nHost: lab\r\n\r\n" * n)
buf = answers(n)
statuses = [m.decode() for m in re.findall(rb"HTTP/1\.1 (\d{3}) ", buf)]
retry = [m.decode() for m in re.findall(rb"\r\nRetry-After: (\d+)\r\n", buf)]
time.sleep(1.2)
s.sendall(b"GET /tollgate/health HTTP/1.1\r\nHost: lab\r\n\r\n")
later = re.findall(rb"HTTP/1\.1 (\d{3}) ", answers(1))[0].decode()
print(" ".join(statuses), "retry-after", retry[0] if retry else "none", "later", later)
PY
assert_eq "$(cat "$work/burst")" "200 200 200 200 200 429 retry-after 1 later 200" "burst of 6 at 5/s"
note "requests: 5 served, the sixth 429 (Retry-After: 1), served again a second later on the same connection"

# hold FROM N: holds N connections from FROM open, then one more; prints whether the extra one was served,
# then closes one held connection and tries again.
cat >"$work/hold.py" <<'PY'
import socket, sys
vip, src, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def served(s):
    if not s:  # refused at the SYN (None) or reset at accept (False)
        return False
    try:
        s.sendall(b"GET /tollgate/health HTTP/1.1\r\nHost: lab\r\n\r\n")
        return s.recv(4096).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
def connect():
    # A client over its limit is reset at its SYN: connect() itself is refused.
    s = socket.socket(); s.settimeout(3); s.bind((src, 0))
    try:
        s.connect((vip, 8080))
    except ConnectionRefusedError:
        return None
    except ConnectionResetError:  # reset at accept (not at the SYN), before connect() returned
        return False
    return s
held = [connect() for _ in range(n)]
ok = [served(s) for s in held]
extra = connect()
first = ("refused-at-syn" if extra is None else "reset-later" if extra is False else
         "served" if served(extra) else "reset-later")
if extra: extra.close()
held.pop().close()
import time; time.sleep(0.3)
again = connect()
second = "served" if served(again) else "refused"
print(sum(ok), first, second)
PY
fresh_stats
refused_before=$(limits_stat connections_refused)
assert_eq "$(in_client "$PY" "$work/hold.py" "$VIP" "$HOLDER" 3)" "3 refused-at-syn served" "4th connection with 3 held"
assert_eq "$(in_client "$PY" "$work/hold.py" "$VIP" "$EXEMPT" 3)" "3 served served" "exempt address"
note "connections: the 4th from one address reset at its SYN while 3 are held, accepted after one closes; exempt not limited"
# held PORT N: N+1 connections from the client address to PORT; prints how many connected and whether the
# last was reset before any byte came back (TLS: no ServerHello).
cat >"$work/held.py" <<'PY'
import socket, ssl, sys, time
vip, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
held = []
for _ in range(n):
    s = socket.create_connection((vip, port), timeout=3)
    if port == 443:
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    held.append(s)
extra = socket.socket(); extra.settimeout(3)
try:
    extra.connect((vip, port))
except ConnectionRefusedError:
    print(len(held), "refused-at-syn")
    sys.exit(0)
except ConnectionResetError:  # reset at accept, before connect() returned
    print(len(held), "reset")
    sys.exit(0)
try:
    extra.sendall(b"\x16\x03\x01\x00\x05hello" if port == 443 else b"ping")
    data = extra.recv(100)
    verdict = "closed" if not data else "answered"
except OSError:
    verdict = "reset"
print(len(held), verdict)
PY
assert_eq "$(in_client "$PY" "$work/held.py" "$VIP" 7000 2)" "2 refused-at-syn" "tcp :7000, a 3rd connection with 2 held"
assert_eq "$(in_client "$PY" "$work/held.py" "$VIP" 443 2)" "2 refused-at-syn" "https :443, a 3rd connection with 2 held"
# tls-echo: two connections that never send a ClientHello hold both handshakes; a third is reset at once.
assert_eq "$(in_client "$PY" "$work/held.py" "$VIP" 8443 2)" "2 reset" "tls :8443, a 3rd handshake with 2 running"
fresh_stats
assert_ge "$(stat_value cores.0.listeners.0.client_limits.connections_refused)" 1 "tcp connections_refused"
assert_ge "$(stat_value cores.0.http_listeners.0.client_limits.connections_refused)" 1 "https connections_refused"
note "tcp :7000 and https :443: a 3rd connection from one address reset at its SYN"

fresh_stats
assert_ge "$(limits_stat requests_limited)" 1 "requests_limited counted"
assert_ge "$(limits_stat connections_refused)" $((refused_before + 1)) "connections_refused counted"

# The control plane: each refusal on the listener that owns its limiter, the two connection limits apart.
# Then a flood of 429s: a line per listener and reason at most once a second, adding up to the counter.
in_client "$PY" - "$VIP" <<'PY' >/dev/null
import socket, sys
s = socket.socket(); s.settimeout(5); s.bind(("198.18.0.2", 0)); s.connect((sys.argv[1], 8080))
s.sendall(b"GET /tollgate/health HTTP/1.1\r\nHost: lab\r\n\r\n" * 40)
buf = b""
while buf.count(b"HTTP/1.1 ") < 40:
    d = s.recv(65536)
    if not d: break
    buf += d
PY
sleep 2.5  # the worker's tick, the control plane's, and a second for the line the interval held back
declare -A want=(
  ["http-app client_requests_rate_limited"]=7 ["http-app client_connections_refused"]=1
  ["tcp-echo client_connections_refused"]=1 ["https client_connections_refused"]=1
  ["tls-echo tls_handshakes_refused"]=1
)
for key in "${!want[@]}"; do
  read -r listener counter <<<"$key"
  assert_ge "$(listener_count "$listener" "$counter")" "${want[$key]}" "show stats --json: $listener $counter"
done
assert_eq "$(listener_count http-app client_connections_rate_limited)" 0 "http-app connections_per_second"
assert_eq "$(listener_count tcp-echo client_requests_rate_limited)" 0 "tcp-echo requests (not http)"
assert_eq "$(listener_count https tls_handshakes_refused)" 0 "https handshakes (no max_handshakes)"
assert_eq "$(listener_count http-app client_requests_rate_limited)" "$(limits_stat requests_limited)" \
  "control plane and stats.json agree on http-app's 429s"
table=$(lab_ctl show stats)
grep -q "REQ_RATE_429" <<<"$table" || fail "no refusals table in show stats: $table"
# In the refusals table (after its header, to the blank line): tls-echo's HANDSHAKES column.
awk '/REQ_RATE_429/ {t = 1; next} /^$/ {t = 0} t && $1 == "tls-echo" && $6 >= 1 {found = 1} END {exit !found}' \
  <<<"$table" ||
  fail "tls-echo HANDSHAKES in show stats: $table"
text=$(metrics) || fail "no /metrics"
limited=$(awk '$1 == "tollgate_listener_client_limit_refusals_total{listener=\"http-app\",limit=\"requests_per_second\"}" {print $2}' <<<"$text")
assert_eq "$limited" "$(listener_count http-app client_requests_rate_limited)" "Prometheus http-app 429s"
assert_ge "$(awk '$1 == "tollgate_tls_handshakes_refused_total{listener=\"tls-echo\"}" {print $2}' <<<"$text")" 1 \
  "Prometheus tls-echo handshakes refused"
assert_ge "$(awk '$1 == "tollgate_listener_client_limit_refusals_total{listener=\"tcp-echo\",limit=\"connections\"}" {print $2}' <<<"$text")" 1 \
  "Prometheus tcp-echo connections refused"
# The log: lines add up to the counters, name the client, and come at most once a second per reason.
check_log() {  # LISTENER REASON COUNTER CLIENT
  assert_eq "$(refusals_logged "$1" "$2")" "$(listener_count "$1" "$3")" "logged $2 refusals of $1"
  refusal_lines "$1" "$2" | grep -q "latest client $4\$" || fail "no $1 $2 line naming $4: $(refusal_lines "$1" "$2")"
}
check_log http-app client_limits.requests_per_second client_requests_rate_limited 198.18.0.2
check_log http-app client_limits.connections client_connections_refused "$HOLDER"
check_log tcp-echo client_limits.connections client_connections_refused 198.18.0.2
check_log https client_limits.connections client_connections_refused 198.18.0.2
check_log tls-echo max_handshakes tls_handshakes_refused 198.18.0.2
lines=$(refusal_lines http-app client_limits.requests_per_second | wc -l)
[ "$lines" -le 3 ] || fail "429 lines not sampled (at most one a second): $(refusal_lines http-app client_limits.requests_per_second)"
note "control plane: refusals per listener and limit in show stats and Prometheus; $lines sampled 429 line(s) add up"
dataplane_alive || fail "dataplane died"
