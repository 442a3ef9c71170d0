#!/usr/bin/env bash
# The dataplane's shared segment, read and written as the control plane will (its own lab, prefix sm):
# tollgate-shm-tool attaches to the segment lab.sh names in $RUN/segment. Requests sent with curl to the
# http-app listener's /api/* rule show up in the segment per target (matching the backend that answered
# each one), per pool, per rule and per listener, with latency samples; heartbeats move. Then target
# health published through the segment: an unhealthy target gets no request and gets them again when
# healthy; a draining one gets none and its drain is reported by the core; a probe request is answered
# "unsupported". A clean stop removes the segment.
source "$(dirname "$0")/lib.sh"
P=sm
RUN=${TOLLGATE_RUN_DIR:-/run/tollgate}/lab-$P
NS_CLIENT=$P-client
TOOL=${TOLLGATE_BUILD_DIR:-$ROOT/build}/tests/tollgate-shm-tool
trap '"$ROOT/scripts/lab.sh" down --prefix $P >/dev/null 2>&1 || true' EXIT
"$ROOT/scripts/lab.sh" up --prefix $P --cores 1 >/dev/null
[ -x "$TOOL" ] || fail "no $TOOL (built with the tests)"

SEGMENT=$(cat "$RUN/segment")
[ -e "/dev/shm/tollgate-$SEGMENT" ] || fail "no segment /dev/shm/tollgate-$SEGMENT"

# Segment indices from the config the lab runs (docs/ARCHITECTURE.md, "Entity indices"): listener
# http-app, its /api/* rule, pool api and its two targets.
eval "$("$PY" - "$RUN/dataplane.toml" <<'PY'
import sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))
listeners, pools = c["listener"], c["pool"]
li = [l["name"] for l in listeners].index("http-app")
rule = sum(len(l.get("rule", [])) for l in listeners[:li]) + \
       [r.get("path") for r in listeners[li]["rule"]].index("/api/*")
pi = [p["name"] for p in pools].index("api")
base = sum(len(p["targets"]) for p in pools[:pi])
print(f"LISTENER={li} RULE={rule} POOL={pi} T0={base} T1={base + 1}")
print(f"ADDR0={pools[pi]['targets'][0]} ADDR1={pools[pi]['targets'][1]}")
PY
)"
note "segment $SEGMENT: listener http-app=$LISTENER, rule /api/*=$RULE, pool api=$POOL, targets $T0 ($ADDR0), $T1 ($ADDR1)"

dump() { "$TOOL" dump "$SEGMENT" >"$RUN/segment-$1.json" || fail "dump: $(cat "$RUN/segment-$1.json")"; }
# value NAME PATH: a number from dump NAME (a.b.c; entities without counts are absent: 0).
value() {
  "$PY" -c 'import json,sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d.get(k, {})
print(d if isinstance(d, int) else 0)' "$RUN/segment-$1.json" "$2"
}
delta() { echo $(( $(value "$2" "$3") - $(value "$1" "$3") )); }

# send N: N requests on fresh connections; prints how many each target answered ("n0 n1").
send() {
  local n0=0 n1=0 body
  for i in $(seq "$1"); do
    body=$(in_client curl -sS -m 5 "http://$VIP:8080/api/shm-$i") || fail "request $i: $body"
    case "$body" in
      *"\"addr\": \"$ADDR0\""*) n0=$((n0 + 1)) ;;
      *"\"addr\": \"$ADDR1\""*) n1=$((n1 + 1)) ;;
      *) fail "request $i answered by neither api target: $body" ;;
    esac
  done
  echo "$n0 $n1"
}
# Stats reach the segment on the worker's 10 ms tick.
settle() { sleep 0.2; }

# ---- stats ----
dump before
r=$(send 20)
read -r n0 n1 <<<"$r"
settle
dump after
note "answered by $ADDR0: $n0, by $ADDR1: $n1"
[ "$n0" -gt 0 ] && [ "$n1" -gt 0 ] || fail "round robin used one target only ($n0/$n1)"
assert_eq "$(delta before after targets.$T0.requests)" "$n0" "segment requests of target $T0"
assert_eq "$(delta before after targets.$T1.requests)" "$n1" "segment requests of target $T1"
assert_eq "$(delta before after targets.$T0.responses_2xx)" "$n0" "2xx responses of target $T0"
assert_eq "$(delta before after targets.$T1.latency.count)" "$n1" "latency samples of target $T1"
assert_eq "$(delta before after pools.$POOL.requests)" 20 "requests of pool api"
assert_eq "$(delta before after pools.$POOL.latency.count)" 20 "latency samples of pool api"
assert_eq "$(delta before after rules.$RULE.matches)" 20 "matches of rule /api/*"
assert_eq "$(delta before after rules.$RULE.forwarded)" 20 "forwards of rule /api/*"
assert_eq "$(delta before after listeners.$LISTENER.requests)" 20 "requests of listener http-app"
assert_eq "$(delta before after listeners.$LISTENER.responses_2xx)" 20 "2xx responses of listener http-app"
assert_eq "$(delta before after listeners.$LISTENER.latency.count)" 20 "latency samples of listener http-app"
assert_eq "$(delta before after listeners.$LISTENER.connections_total)" 20 "connections of listener http-app"
assert_ge "$(delta before after cores.0.rx_packets)" 100 "core 0 rx packets"
assert_eq "$(value after cores.0.running)" 1 "core 0 running"
assert_ge "$(delta before after cores.0.heartbeat)" 5 "core 0 heartbeats"
assert_ge "$(delta before after dataplane_heartbeat)" 1 "dataplane heartbeats"
# The JSON stats file goes on as before, and agrees.
fresh_stats
assert_ge "$(stat_value totals.rx_packets)" "$(value after cores.0.rx_packets)" "stats file rx_packets"

# ---- health ----
"$TOOL" health "$SEGMENT" "$POOL" "$T0" unhealthy >/dev/null || fail "publishing target $T0 unhealthy"
dump down
r=$(send 10)
read -r n0 n1 <<<"$r"
settle
dump down2
note "target $T0 unhealthy: answered by $ADDR0: $n0, by $ADDR1: $n1"
assert_eq "$n0" 0 "requests answered by unhealthy $ADDR0"
assert_eq "$(delta down down2 targets.$T0.requests)" 0 "segment requests of unhealthy target $T0"
assert_eq "$(delta down down2 targets.$T1.requests)" 10 "segment requests of target $T1"

"$TOOL" health "$SEGMENT" "$POOL" "$T0" healthy 1 >/dev/null || fail "publishing target $T0 healthy"
r=$(send 10)
read -r n0 n1 <<<"$r"
note "target $T0 healthy again: answered by $ADDR0: $n0, by $ADDR1: $n1"
assert_eq "$n0 $n1" "5 5" "round robin after target $T0 came back"

# Drain: its idle keep-alive connections close, no request is in flight, so core 0 reports at once.
"$TOOL" health "$SEGMENT" "$POOL" "$T0" draining 1 >/dev/null || fail "publishing target $T0 draining"
out=$("$TOOL" drain-wait "$SEGMENT" "$POOL" "$T0") || fail "no drain report: $out"
note "drain: $out"
r=$(send 6)
read -r n0 n1 <<<"$r"
assert_eq "$n0 $n1" "0 6" "requests while target $T0 drains"
"$TOOL" health "$SEGMENT" "$POOL" "$T0" healthy 1 >/dev/null || fail "enabling target $T0"
r=$(send 4)
read -r n0 n1 <<<"$r"
assert_eq "$n0 $n1" "2 2" "round robin after the drain ended"

# ---- commands ----
# Health probes over the dataplane's own stack: HTTP to a backend (its status comes back), TCP to its echo
# port, HTTPS to its TLS port (not verified), and a port nothing listens on (refused: failure 1).
out=$("$TOOL" probe "$SEGMENT" "$POOL" "$T0" http 198.19.0.11 8080 /health) || fail "no probe answer: $out"
note "probe http: $out"
grep -q '"success": 1, "failure": 0, "status": 200' <<<"$out" || fail "HTTP probe of a live backend: $out"
out=$("$TOOL" probe "$SEGMENT" "$POOL" "$T0" tcp 198.19.0.11 7000) || fail "no probe answer: $out"
grep -q '"success": 1, "failure": 0' <<<"$out" || fail "TCP probe of a live port: $out"
out=$("$TOOL" probe "$SEGMENT" "$POOL" "$T0" https 198.19.0.12 8443 /health) || fail "no probe answer: $out"
grep -q '"success": 1, "failure": 0, "status": 200' <<<"$out" || fail "HTTPS probe of a live backend: $out"
out=$("$TOOL" probe "$SEGMENT" "$POOL" "$T0" tcp 198.19.0.11 9) || fail "no probe answer: $out"
note "probe closed port: $out"
grep -q '"success": 0, "failure": 1' <<<"$out" || fail "TCP probe of a closed port: $out"

# ---- clean stop ----
dataplane_alive || fail "dataplane died"
pid=$(cat "$RUN/dataplane.pid")
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "dataplane did not stop on SIGTERM"
[ ! -e "/dev/shm/tollgate-$SEGMENT" ] || fail "the segment outlived a clean stop"
note "clean stop removed /dev/shm/tollgate-$SEGMENT"
