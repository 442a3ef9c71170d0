# Shared helpers for integration tests. Sourced by each test_*.sh; run.sh sets LAB_PREFIX and brings the
# lab up first. Each test exits non-zero on the first failed assertion.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB_PREFIX=${LAB_PREFIX:-ti}
LAB=("$ROOT/scripts/lab.sh")
RUN=${TOLLGATE_RUN_DIR:-/run/tollgate}/lab-$LAB_PREFIX
PY=/usr/bin/python3
NS_CLIENT=$LAB_PREFIX-client
NS_BACKEND=$LAB_PREFIX-backend
VIP=198.18.0.1

fail() { echo "FAIL: $*" >&2; exit 1; }
# own_lab P: the names of a test's own lab (scripts/lab.sh up --prefix P), instead of the shared one.
own_lab() {
  P=$1
  RUN=${TOLLGATE_RUN_DIR:-/run/tollgate}/lab-$P
  NS_CLIENT=$P-client
  NS_BACKEND=$P-backend
}
# own_lab_begin P: own_lab P, a scratch directory $work, and on exit every process in $pids stopped, $work
# removed and the lab down. own_lab_up [lab.sh up options...] then starts it (a failed start fails the
# test, its log in $work/up.log). lab_config_after_port IN OUT PORT LINE...: IN with LINE inserted after
# the listener whose `port = PORT` line comes first, for each PORT LINE pair.
own_lab_begin() {
  own_lab "$1"
  work=$(mktemp -d "/tmp/tollgate-lab-$P.XXXXXX")
  pids=()
  trap own_lab_end EXIT
}
own_lab_end() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  "$ROOT/scripts/lab.sh" down --prefix "$P" >/dev/null 2>&1 || true
}
own_lab_up() {
  "$ROOT/scripts/lab.sh" up --prefix "$P" "$@" >"$work/up.log" 2>&1 || fail "lab up: $(tail -20 "$work/up.log")"
}
lab_config_after_port() {
  "$PY" - "$@" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
pairs = sys.argv[3:]
for port, line in zip(pairs[0::2], pairs[1::2]):
    text, n = re.subn(rf'(\nport = {port}\n)', lambda m: m.group(1) + line + "\n", text, count=1)
    assert n == 1, f"no listener on port {port}"
open(sys.argv[2], "w").write(text)
PY
}
note() { echo "  $*"; }

in_client() { ip netns exec "$NS_CLIENT" "$@"; }
in_backend() { ip netns exec "$NS_BACKEND" "$@"; }

# Waits for a fresh stats snapshot (the dataplane writes one every 500 ms in the lab config).
fresh_stats() {
  local before
  before=$(stat -c %Y.%N "$RUN/stats.json" 2>/dev/null || echo none)
  for _ in $(seq 40); do
    sleep 0.1
    [ "$(stat -c %Y.%N "$RUN/stats.json" 2>/dev/null || echo none)" != "$before" ] && return 0
  done
  fail "stats file $RUN/stats.json is not being refreshed"
}

# stat PATH: one value from the latest snapshot, e.g. totals.icmp_echo_answered or ports.0.ipackets.
stat_value() { "$PY" "$ROOT/scripts/lab/stats.py" get "$RUN/stats.json" "$1"; }

assert_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
assert_ge() { [ "$1" -ge "$2" ] || fail "$3: expected at least $2, got $1"; }

dataplane_alive() { kill -0 "$(cat "$RUN/dataplane.pid")" 2>/dev/null; }

# lab_ctl ARGS...: tollgatectl against this test's lab (its own after own_lab).
lab_ctl() { "$ROOT/scripts/lab.sh" ctl --prefix "${P:-$LAB_PREFIX}" "$@"; }
# listener_count LISTENER COUNTER: a listener counter as the control plane sums it over cores
# (`tollgatectl show stats --json`); -1 when the listener or the counter is missing.
listener_count() {
  lab_ctl show stats --json | "$PY" -c 'import json, sys
d = json.load(sys.stdin)
print(next((l["counters"].get(sys.argv[2], -1) for l in d["listeners"] if l["name"] == sys.argv[1]), -1))' "$1" "$2"
}
# metrics: the control plane's Prometheus text (its management address in the lab's dataplane.toml).
metrics() {
  local port
  port=$(sed -n 's/^address = "127\.0\.0\.1:\([0-9]*\)"/\1/p' "$RUN/dataplane.toml" | head -1)
  curl -sS -m 5 "http://127.0.0.1:$port/metrics"
}
# metric SAMPLE: the value of one Prometheus sample (name with its labels, as printed); empty if absent.
metric() { metrics | awk -v s="$1" '$1 == s {print $2}'; }
# refusals_logged LISTENER REASON: what the control plane's sampled refusal lines for them add up to.
refusals_logged() {
  grep -o "listener '$1': [0-9]* refused by $2 since" "$RUN/controlplane.log" | awk '{n += $3} END {print n + 0}'
}
# refusal_lines LISTENER REASON: those lines.
refusal_lines() { grep "listener '$1': [0-9]* refused by $2 since" "$RUN/controlplane.log" || true; }

# Parses "N packets transmitted, M received" from ping output; prints M.
ping_received() { sed -n 's/.* \([0-9]\+\) \(packets \)\?received.*/\1/p' | head -1; }

# impair NS IFACE RELAY-ARGS...: puts scripts/lab/impair.py (loss, duplication, reordering, delay)
# between IFACE and the namespace's own stack, for kernels without sch_netem. The namespace's addresses
# and default route move to a new veth end that keeps IFACE's MAC; IFACE stays on the wire, its own
# ingress dropped so frames reach the stack only through the relay. Prints the relay's PID.
impair() {
  local ns=$1 dev=$2 inner=${2}i relay=${2}r mac addrs gw a
  shift 2
  mac=$(ip -n "$ns" -o link show dev "$dev" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
  addrs=$(ip -n "$ns" -4 -o addr show dev "$dev" | awk '{print $4}')
  gw=$(ip -n "$ns" route show default | awk '/via/ {print $3; exit}')
  ip -n "$ns" link add "$inner" address "$mac" type veth peer name "$relay"
  for d in "$inner" "$relay"; do
    ip netns exec "$ns" ethtool -K "$d" tso off gso off gro off tx off >/dev/null 2>&1 || true
    ip -n "$ns" link set "$d" up
  done
  ip netns exec "$ns" nft -f - <<NFT
table netdev impair_$dev {
  chain in { type filter hook ingress device "$dev" priority 0; policy drop; }
}
NFT
  ip -n "$ns" addr flush dev "$dev"
  for a in $addrs; do ip -n "$ns" addr add "$a" dev "$inner"; done
  [ -z "$gw" ] || ip -n "$ns" route replace default via "$gw" dev "$inner"
  ip netns exec "$ns" setsid "$PY" "$ROOT/scripts/lab/impair.py" --a "$dev" --b "$relay" "$@" \
    >/dev/null 2>&1 </dev/null &
  echo $!
}

# Undoes impair(): stops the relay (PID as impair printed it), gives the addresses and the default route
# back to the namespace's own veth end and removes the drop table, so later tests on a shared lab see the
# topology they expect.
unimpair() {
  local ns=$1 dev=$2 pid=$3 inner=${2}i addrs gw a
  kill "$pid" 2>/dev/null || true
  addrs=$(ip -n "$ns" -4 -o addr show dev "$inner" | awk '{print $4}')
  gw=$(ip -n "$ns" route show default | awk '/via/ {print $3; exit}')
  ip -n "$ns" link del "$inner" 2>/dev/null || true  # its peer, the relay end, goes with it
  ip netns exec "$ns" nft delete table netdev "impair_$dev" 2>/dev/null || true
  for a in $addrs; do ip -n "$ns" addr add "$a" dev "$dev" 2>/dev/null || true; done
  [ -z "$gw" ] || ip -n "$ns" route replace default via "$gw" dev "$dev"
}
