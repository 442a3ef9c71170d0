#!/usr/bin/env bash
# The Tollgate lab on one machine: a client namespace, a backend namespace with real servers, and the
# dataplane between them on the root-namespace ends of two veth pairs.
#
#   scripts/lab.sh up [--config FILE] [--cores N] [--driver af_xdp|af_packet] [--prefix P]
#   scripts/lab.sh down|status [--prefix P]
#   scripts/lab.sh exec [--prefix P] CMD...     run CMD inside the client namespace
#   scripts/lab.sh ctl [--prefix P] ARGS...     run tollgatectl against the lab's control plane
# TOLLGATE_BIN_DIR=DIR: run the programs installed in DIR instead of building build/.
#
# Addresses (198.18.0.0/15 only, the benchmarking range):
#   P-client  : P-cli0 198.18.0.2/24, default via 198.18.0.1 (the VIP, answered by the dataplane on P-front)
#   P-backend : P-be0  198.19.0.11-13/24, default via 198.19.0.1 (the dataplane on P-back)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${TOLLGATE_BUILD_DIR:-$ROOT/build}
# TOLLGATE_BIN_DIR: run installed programs from this directory (e.g. scripts/install.sh's DESTDIR/usr/bin)
# instead of building and running the build directory's.
BIN_DIR=${TOLLGATE_BIN_DIR:-}
DATAPLANE=${BIN_DIR:+$BIN_DIR/tollgate-dataplane}
DATAPLANE=${DATAPLANE:-$BUILD/dataplane/tollgate-dataplane}
CONTROLPLANE=${BIN_DIR:+$BIN_DIR/tollgate-controlplane}
CONTROLPLANE=${CONTROLPLANE:-$BUILD/controlplane/tollgate-controlplane}
CTL=${BIN_DIR:+$BIN_DIR/tollgatectl}
CTL=${CTL:-$BUILD/controlplane/tollgatectl}
PY=/usr/bin/python3

PREFIX=tg
CONFIG=$ROOT/deploy/lab.toml
CORES=""
DRIVER=""
MANAGEMENT=""

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}

cmd=${1:-}
[ -n "$cmd" ] || usage
shift
rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --config) CONFIG=$(readlink -f "$2"); shift 2 ;;
    --cores) CORES=$2; shift 2 ;;
    --driver) DRIVER=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) rest=("$@"); break ;;
  esac
done

[[ "$PREFIX" =~ ^[a-z][a-z0-9]{0,7}$ ]] || { echo "lab: --prefix must be 1-8 lowercase letters/digits" >&2; exit 2; }
RUN=${TOLLGATE_RUN_DIR:-/run/tollgate}/lab-$PREFIX
NS_CLIENT=$PREFIX-client
NS_BACKEND=$PREFIX-backend
IF_FRONT=$PREFIX-front
IF_BACK=$PREFIX-back
IF_CLI=$PREFIX-cli0
IF_BE=$PREFIX-be0
VIP=198.18.0.1
SEGMENT=lab-$PREFIX  # the dataplane's shared segment: /dev/shm/tollgate-lab-$PREFIX
BACKENDS=(198.19.0.11 198.19.0.12 198.19.0.13)

need_root() { [ "$(id -u)" -eq 0 ] || { echo "lab: run as root (network namespaces, XDP)" >&2; exit 1; }; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

build() {
  if [ -n "$BIN_DIR" ]; then
    [ -x "$DATAPLANE" ] && [ -x "$CONTROLPLANE" ] && [ -x "$CTL" ] && return 0
    echo "lab: TOLLGATE_BIN_DIR=$BIN_DIR lacks tollgate-dataplane, tollgate-controlplane or tollgatectl" >&2; return 1
  fi
  "$ROOT/scripts/setup.sh" >/dev/null
  if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" "$ROOT" >/dev/null
  fi
  ninja -C "$BUILD" >/dev/null
}

# stop_pids PIDFILE...: TERM to every live one, then waits up to 10 s for them all, then KILL.
stop_pids() {
  local f pids=() pid
  for f in "$@"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  done
  for _ in $(seq 100); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 1 ] || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null; done
  for f in "$@"; do rm -f "$f"; done
  return 0
}

make_veth() {  # root-end ns ns-end queues
  local root_end=$1 ns=$2 ns_end=$3 queues=$4
  ip link add "$root_end" numtxqueues "$queues" numrxqueues "$queues" type veth \
    peer name "$ns_end" numtxqueues "$queues" numrxqueues "$queues" netns "$ns"
  # The kernel holds no address on the dataplane's end and must not chatter on it.
  sysctl -qw "net.ipv6.conf.$root_end.disable_ipv6=1"
  ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ns_end.disable_ipv6=1"
  # Segments must be real wire-sized frames with real checksums: no GSO/TSO super-packets and no
  # CHECKSUM_PARTIAL (a veth would hand the dataplane only the pseudo-header seed).
  ip netns exec "$ns" ethtool -K "$ns_end" tso off gso off gro off tx off >/dev/null 2>&1 || true
  ethtool -K "$root_end" tso off gso off gro off >/dev/null 2>&1 || true
  ip link set "$root_end" up
  ip -n "$ns" link set "$ns_end" up
}

net_up() {
  local queues=$1
  ip netns add "$NS_CLIENT"
  ip netns add "$NS_BACKEND"
  ip -n "$NS_CLIENT" link set lo up
  ip -n "$NS_BACKEND" link set lo up
  make_veth "$IF_FRONT" "$NS_CLIENT" "$IF_CLI" "$queues"
  make_veth "$IF_BACK" "$NS_BACKEND" "$IF_BE" "$queues"
  ip -n "$NS_CLIENT" addr add 198.18.0.2/24 dev "$IF_CLI"
  ip -n "$NS_CLIENT" route add default via $VIP
  for a in "${BACKENDS[@]}"; do ip -n "$NS_BACKEND" addr add "$a/24" dev "$IF_BE"; done
  ip -n "$NS_BACKEND" route add default via 198.19.0.1
}

net_down() {
  ip netns del "$NS_CLIENT" 2>/dev/null || true
  ip netns del "$NS_BACKEND" 2>/dev/null || true
  # Deleting a namespace deletes its veth end and so the pair; these catch a half-made lab.
  ip link del "$IF_FRONT" 2>/dev/null || true
  ip link del "$IF_BACK" 2>/dev/null || true
}

start_backends() {
  if ! "$ROOT/scripts/lab/make-certs.sh" "$RUN/certs" >"$RUN/certs.log" 2>&1; then
    echo "lab: making the lab certificates failed:" >&2; cat "$RUN/certs.log" >&2; return 1
  fi
  local i=0
  for a in "${BACKENDS[@]}"; do
    i=$((i + 1))
    ip netns exec "$NS_BACKEND" setsid "$PY" "$ROOT/scripts/lab/backend.py" --addr "$a" --name "backend-$i" \
      --cert "$RUN/certs/backend.pem" --key "$RUN/certs/backend.key" >"$RUN/backend-$i.log" 2>&1 &
    echo $! >"$RUN/backend-$i.pid"
  done
  for i in 1 2 3; do
    for _ in $(seq 100); do grep -q ready "$RUN/backend-$i.log" 2>/dev/null && break; sleep 0.1; done
    grep -q ready "$RUN/backend-$i.log" || { echo "lab: backend-$i did not start:" >&2; cat "$RUN/backend-$i.log" >&2; return 1; }
  done
}

# The lab's management (Prometheus) port: 9100 for the default prefix, else one derived from the prefix,
# moved on past ports already taken, so labs of several prefixes (the tests') run side by side.
management_port() {
  local base p
  if [ "$PREFIX" = tg ]; then base=9100; else base=$(( 19100 + $(cksum <<<"$PREFIX" | cut -d' ' -f1) % 800 )); fi
  for p in $(seq "$base" $((base + 99))); do
    ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
  done
  echo "$base"
}

# The run directory's config: the prefix in interface names, and the management endpoint on this lab's port
# (127.0.0.1:9100 in the file becomes 127.0.0.1:PORT; a config without [management] gets one).
write_lab_config() {
  local port
  port=$(management_port)
  MANAGEMENT="127.0.0.1:$port"
  sed "s/\"tg-/\"$PREFIX-/g; s/\"127\.0\.0\.1:9100\"/\"127.0.0.1:$port\"/" "$CONFIG" >"$RUN/dataplane.toml"
  grep -q '^\[management\]' "$RUN/dataplane.toml" ||
    printf '\n[management]\naddress = "127.0.0.1:%s"\n' "$port" >>"$RUN/dataplane.toml"
}

# The control plane, after the dataplane: it attaches to the dataplane's segment (lab-PREFIX, the name the
# dataplane is started with) and serves tollgatectl on $RUN/ctl.sock. Up means the socket answers.
start_controlplane() {
  setsid "$CONTROLPLANE" -c "$RUN/dataplane.toml" --segment "lab-$PREFIX" \
    --socket "$RUN/ctl.sock" --foreground >>"$RUN/controlplane.log" 2>&1 &
  echo $! >"$RUN/controlplane.pid"
  for _ in $(seq 100); do
    alive "$RUN/controlplane.pid" || break
    "$CTL" --socket "$RUN/ctl.sock" show cores >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "lab: the control plane did not come up:" >&2; tail -20 "$RUN/controlplane.log" >&2
  return 1
}

start_dataplane() {
  local cores=$1 args=()
  args=(-c "$RUN/dataplane.toml" --cores "$cores" --file-prefix "tollgate-lab-$PREFIX" --stats-file "$RUN/stats.json"
        --segment "$SEGMENT")
  [ -n "$DRIVER" ] && args+=(--driver "$DRIVER")
  # XDP programs and AF_XDP umems are locked memory.
  ulimit -l unlimited 2>/dev/null || true
  setsid "$DATAPLANE" "${args[@]}" >"$RUN/dataplane.log" 2>&1 &
  echo $! >"$RUN/dataplane.pid"
  # The control plane (and tollgate-shm-tool) attach by this name: tollgate-controlplane --segment "$(cat $RUN/segment)".
  echo "$SEGMENT" >"$RUN/segment"
  # Up means answering: the client's kernel resolves the VIP by ARP and gets its echo replies back.
  for _ in $(seq 60); do
    if ! alive "$RUN/dataplane.pid"; then
      echo "lab: the dataplane exited:" >&2; tail -20 "$RUN/dataplane.log" >&2; return 1
    fi
    if ip netns exec "$NS_CLIENT" ping -c 1 -W 1 -q $VIP >/dev/null 2>&1 &&
       ip netns exec "$NS_BACKEND" ping -c 1 -W 1 -q -I 198.19.0.11 198.19.0.1 >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  echo "lab: the dataplane did not answer within 30 s:" >&2; tail -20 "$RUN/dataplane.log" >&2
  return 1
}

lab_up() {
  need_root
  if alive "$RUN/dataplane.pid" || ip netns list | grep -qx "$NS_CLIENT\( .*\)\?"; then
    echo "lab '$PREFIX' is already up (scripts/lab.sh status --prefix $PREFIX); nothing changed"
    return 0
  fi
  [ -f "$CONFIG" ] || { echo "lab: no config at $CONFIG" >&2; exit 2; }
  local cores=${CORES:-$(( $(nproc) > 1 ? $(nproc) - 1 : 1 ))}
  [[ "$cores" =~ ^[1-9][0-9]*$ ]] || { echo "lab: --cores must be a positive number" >&2; exit 2; }
  echo "lab: installing and building what is missing..."
  build
  mkdir -p "$RUN"
  # The lab PKI first: TLS listeners name their certificates relative to the config, which runs from $RUN.
  if ! "$ROOT/scripts/lab/make-certs.sh" "$RUN/certs" >"$RUN/certs.log" 2>&1; then
    echo "lab: making the lab certificates failed:" >&2; cat "$RUN/certs.log" >&2; exit 1
  fi
  write_lab_config
  "$DATAPLANE" -c "$RUN/dataplane.toml" --check-config >/dev/null
  mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true
  echo "lab: creating namespaces $NS_CLIENT, $NS_BACKEND ($cores queue(s) per veth)"
  net_up "$cores"
  echo "lab: starting backends ${BACKENDS[*]} (HTTP :8080, HTTPS :8443, echo :7000)"
  if ! start_backends || ! echo "lab: starting the dataplane on $IF_FRONT/$IF_BACK with $cores worker core(s)" ||
     ! start_dataplane "$cores" || ! echo "lab: starting the control plane (socket $RUN/ctl.sock)" ||
     ! start_controlplane; then
    lab_down >/dev/null
    exit 1
  fi
  local px=""
  [ "$PREFIX" = tg ] || px=" --prefix $PREFIX"
  cat <<MSG
lab '$PREFIX' is up. Try:
  scripts/lab.sh exec$px ping -c 3 $VIP                       # the dataplane answers ARP and ICMP
  scripts/lab.sh exec$px arping -c 3 -I $IF_CLI $VIP
  ip netns exec $NS_BACKEND ping -c 3 -I 198.19.0.11 198.19.0.1
  scripts/lab.sh status$px                                     # counters per core and port
  scripts/lab.sh ctl$px show targets                           # the control plane: tollgatectl --help
  curl -s http://$MANAGEMENT/metrics | grep tollgate_requests_total   # Prometheus (if [management] kept it)
  scripts/lab.sh down$px
Logs and stats: $RUN
MSG
}

lab_down() {
  need_root
  # All at once: each takes up to ~2 s to exit, and nothing here depends on another's exit order.
  stop_pids "$RUN/controlplane.pid" "$RUN/dataplane.pid" "$RUN"/backend-*.pid
  net_down
  # A dataplane that stopped cleanly removed its segment; one that was killed left it.
  rm -f "/dev/shm/tollgate-$SEGMENT"
  rm -rf "$RUN"
  echo "lab '$PREFIX' is down"
}

lab_status() {
  local up=0
  if alive "$RUN/dataplane.pid"; then
    echo "dataplane: running, pid $(cat "$RUN/dataplane.pid")"; up=1
  else
    echo "dataplane: not running"
  fi
  if alive "$RUN/controlplane.pid"; then
    echo "controlplane: running, pid $(cat "$RUN/controlplane.pid"), socket $RUN/ctl.sock"
  elif [ $up -eq 1 ]; then
    echo "controlplane: not running"
  fi
  for i in 1 2 3; do
    if alive "$RUN/backend-$i.pid"; then echo "backend-$i: running, pid $(cat "$RUN/backend-$i.pid")"; fi
  done
  ip netns list | grep -E "^$PREFIX-(client|backend)" | sed 's/^/namespace: /' || true
  if [ $up -eq 1 ] && [ -f "$RUN/stats.json" ]; then
    "$PY" "$ROOT/scripts/lab/stats.py" summary "$RUN/stats.json"
  fi
  [ $up -eq 1 ]
}

case "$cmd" in
  up) lab_up ;;
  down) lab_down ;;
  status) lab_status ;;
  exec)
    [ ${#rest[@]} -gt 0 ] || { echo "lab: exec needs a command" >&2; exit 2; }
    exec ip netns exec "$NS_CLIENT" "${rest[@]}" ;;
  ctl) exec "$CTL" --socket "$RUN/ctl.sock" "${rest[@]}" ;;
  *) usage ;;
esac
