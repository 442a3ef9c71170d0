# shellcheck shell=bash disable=SC2034,SC2120
# Shared by the hostile cases (tests/hostile/case_*.sh): sourced after run.sh brought the lab up with
# tests/hostile/config.py's config. On top of tests/integration/lib.sh: the four assertions every case
# makes (alive, a well-behaved client served during the attack, no leak afterwards, the defence counted)
# and background attackers that are stopped however the case ends.
LAB_PREFIX=${HOSTILE_PREFIX:-th}
# shellcheck source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
HOSTILE=$ROOT/tests/hostile
SOAK=${TOLLGATE_SOAK:-0}
CA=$RUN/certs/ca.pem
GOOD_BOUND=${HOSTILE_GOOD_BOUND:-2}  # seconds a well-behaved request may take during an attack
SETTLE_BOUND=${HOSTILE_SETTLE_BOUND:-15}  # seconds for sessions, TCBs and mbufs to return to baseline
CASE_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-hostile.XXXXXX")
ATTACK_PIDS=()

# soak DEFAULT SOAK_VALUE: the size for this run.
soak() { if [ "$SOAK" = 1 ]; then echo "$2"; else echo "$1"; fi; }

hstat() { "$PY" "$HOSTILE/stats.py" get "$RUN/stats.json" "$1"; }

# begin: a fresh snapshot, saved as the baseline the leak check returns to.
begin() {
  fresh_stats
  "$PY" "$HOSTILE/stats.py" baseline "$RUN/stats.json" "$CASE_TMP/baseline.json"
}

# attack NAME CMD...: CMD in the client namespace in the background, output in $CASE_TMP/NAME.out.
attack() {
  local name=$1
  shift
  ip netns exec "$NS_CLIENT" "$@" >"$CASE_TMP/$name.out" 2>&1 &
  ATTACK_PIDS+=($!)
  LAST_ATTACK=$!
}
# attack_wait NAME PID: waits for one attacker; fails with its output when it failed.
attack_wait() {
  wait "$2" || fail "$1 exited $?: $(tail -5 "$CASE_TMP/$1.out")"
}
attack_out() { cat "$CASE_TMP/$1.out"; }

cleanup_case() {
  local p
  for p in "${ATTACK_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${ATTACK_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$CASE_TMP"
}
trap cleanup_case EXIT

alive() { dataplane_alive || fail "the dataplane died ($*): $(tail -3 "$RUN/dataplane.log" | tr '\n' ' ')"; }

# good_http [PATH]: one request on :8080 answered 200 within GOOD_BOUND seconds.
good_http() {
  local out
  out=$(in_client curl -sS -o /dev/null -m "$GOOD_BOUND" -w '%{http_code} %{time_total}' \
        "http://$VIP:8080${1:-/tollgate/health}" 2>&1) || fail "well-behaved http client not served within ${GOOD_BOUND}s: $out"
  [ "${out%% *}" = 200 ] || fail "well-behaved http client got $out"
  note "well-behaved http request served in ${out#* } s"
}
# good_https [PATH]: the same over TLS on :443 (a new connection, full handshake).
good_https() {
  local out
  out=$(in_client curl -sS -o /dev/null -m "$GOOD_BOUND" -w '%{http_code} %{time_total}' --cacert "$CA" \
        --resolve "lab.tollgate.test:443:$VIP" "https://lab.tollgate.test${1:-/tollgate/health}" 2>&1) ||
    fail "well-behaved https client not served within ${GOOD_BOUND}s: $out"
  [ "${out%% *}" = 200 ] || fail "well-behaved https client got $out"
  note "well-behaved https request served in ${out#* } s"
}
# good_tcp PORT / good_tls: a short echo through the L4 listeners.
good_tcp() {
  in_client timeout "$GOOD_BOUND" "$PY" "$ROOT/tests/integration/tcp_client.py" echo $VIP "${1:-7000}" 1000 >/dev/null 2>&1 ||
    fail "well-behaved tcp client on :${1:-7000} not served within ${GOOD_BOUND}s"
  note "well-behaved tcp echo on :${1:-7000} served"
}
good_tls() {
  in_client timeout "$GOOD_BOUND" "$PY" "$ROOT/tests/integration/tls_client.py" echo $VIP 8443 1000 --ca "$CA" \
    >/dev/null 2>&1 || fail "well-behaved tls client on :8443 not served within ${GOOD_BOUND}s"
  note "well-behaved tls echo on :8443 served"
}
good_all() { good_http; good_https; }

# settled [SECONDS [SKIP,...]]: sessions, client TCBs, TCP chunks and mbufs (but SKIP) back at the
# baseline (stats.py slack).
settled() {
  local out
  out=$("$PY" "$HOSTILE/stats.py" settle "$RUN/stats.json" "$CASE_TMP/baseline.json" "${1:-$SETTLE_BOUND}" ${2:+"$2"}) ||
    fail "leak: $out"
  note "${2:+all but $2: }sessions, TCBs, chunks and mbufs back to baseline"
}

# counted NAME BEFORE [MIN]: the counter NAME (stats.py get) rose by at least MIN (1) since BEFORE.
counted() {
  fresh_stats
  local now
  now=$(hstat "$1")
  [ "$((now - $2))" -ge "${3:-1}" ] || fail "defence not counted: $1 rose by $((now - $2)), expected at least ${3:-1}"
  note "$1 +$((now - $2))"
}

# py TOOL ARGS...: one of the suite's attack tools (tests/hostile/*.py) in the client namespace.
py() { local tool=$1; shift; in_client "$PY" "$HOSTILE/$tool" "$@"; }
