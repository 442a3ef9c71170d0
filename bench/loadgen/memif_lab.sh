# Shared by bench/loadgen.sh and tests/integration/test_loadgen.sh (source it after setting ROOT, PY and
# MEMIF_DIR): Tollgate's dataplane on two memif ports with bench/peers/tollgate-memif.toml, one worker core
# (lcore 1 on CPU 1; the main lcore on CPU 0 mostly sleeps), and tollgate-loadgen pinned to CPU 0 as its
# client and backend. No namespace, veth or kernel path is involved.
#   memif_up PREFIX     start the dataplane (DPDK file prefix and segment named after PREFIX)
#   loadgen NAME ARGS.. run tollgate-loadgen with both ports (client on front, backend on back) and its
#                       backend emulator; returns once $MEMIF_DIR/NAME.json is written (NAME.log: its text)
#   memif_down          stop the dataplane (by its PID), then the load generator, and remove their files
#
# Order matters: DPDK 22.11's memif server can crash when its client disconnects while a worker polls the
# port (the shared regions are unmapped under the worker's receive burst; seen once in about 15 client
# exits). So the load generator holds its links (--hold) after writing its report and the dataplane is
# stopped first, its workers quiet before it closes the ports; each measurement gets a fresh dataplane.
#   busy_seconds        worker 0's busy cycles in seconds (from the latest stats snapshot)
#   stat_get PATH       one value of the latest stats snapshot (scripts/lab/stats.py get)

BUILD=${BUILD:-$ROOT/build}
MEMIF_PID=
MEMIF_PREFIX=
LOADGEN_PID=
LOADGEN_PREFIX=

memif_up() {
  local prefix=$1
  MEMIF_PREFIX=$prefix
  mkdir -p "$MEMIF_DIR"
  "$ROOT/scripts/lab/make-certs.sh" "$MEMIF_DIR/certs" >"$MEMIF_DIR/certs.log" 2>&1 ||
    { echo "memif lab: making certificates failed" >&2; cat "$MEMIF_DIR/certs.log" >&2; return 1; }
  sed "s|/run/tollgate/memif-|$MEMIF_DIR/memif-|" "$ROOT/bench/peers/tollgate-memif.toml" >"$MEMIF_DIR/dataplane.toml"
  setsid "$BUILD/dataplane/tollgate-dataplane" -c "$MEMIF_DIR/dataplane.toml" --cores 1 --file-prefix "$prefix-dp" \
    --stats-file "$MEMIF_DIR/stats.json" --segment "$prefix" >"$MEMIF_DIR/dataplane.log" 2>&1 &
  MEMIF_PID=$!
  for _ in $(seq 100); do
    kill -0 "$MEMIF_PID" 2>/dev/null || { echo "memif lab: the dataplane exited" >&2; tail -20 "$MEMIF_DIR/dataplane.log" >&2; return 1; }
    grep -q " dataplane: running with" "$MEMIF_DIR/dataplane.log" && [ -s "$MEMIF_DIR/stats.json" ] && return 0
    sleep 0.1
  done
  echo "memif lab: the dataplane did not start within 10 s" >&2; tail -20 "$MEMIF_DIR/dataplane.log" >&2
  return 1
}

memif_down() {
  if [ -n "$MEMIF_PID" ] && kill -0 "$MEMIF_PID" 2>/dev/null; then
    kill "$MEMIF_PID"
    for _ in $(seq 50); do kill -0 "$MEMIF_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$MEMIF_PID" 2>/dev/null || true
  fi
  MEMIF_PID=
  if [ -n "$LOADGEN_PID" ]; then
    for _ in $(seq 50); do kill -0 "$LOADGEN_PID" 2>/dev/null || break; sleep 0.1; done
    kill "$LOADGEN_PID" 2>/dev/null || true
    wait "$LOADGEN_PID" 2>/dev/null || true
    LOADGEN_PID=
  fi
  rm -f "$MEMIF_DIR"/memif-*.sock
  # DPDK's runtime directories of both processes (no hugepage files: --no-huge).
  [ -n "$MEMIF_PREFIX" ] && rm -rf "/var/run/dpdk/$MEMIF_PREFIX-dp"
  [ -n "$LOADGEN_PREFIX" ] && rm -rf "/var/run/dpdk/$LOADGEN_PREFIX"
  MEMIF_PREFIX=
  LOADGEN_PREFIX=
}

LOADGEN_RUNS=0
loadgen() {
  local name=$1
  shift
  LOADGEN_RUNS=$((LOADGEN_RUNS + 1))
  LOADGEN_PREFIX="lg-$$-$LOADGEN_RUNS"
  rm -f "$MEMIF_DIR/$name.json"
  "$BUILD/bench/loadgen/tollgate-loadgen" --cpu 0 --file-prefix "$LOADGEN_PREFIX" --backend --hold 30 \
    --json "$MEMIF_DIR/$name.json" \
    --port "$MEMIF_DIR/memif-front.sock,198.18.0.10/24,peer=198.18.0.1" \
    --port "$MEMIF_DIR/memif-back.sock,198.19.0.11/24,peer=198.19.0.1" "$@" >"$MEMIF_DIR/$name.log" 2>&1 &
  LOADGEN_PID=$!
  while kill -0 "$LOADGEN_PID" 2>/dev/null; do
    [ -s "$MEMIF_DIR/$name.json" ] && "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$MEMIF_DIR/$name.json" \
      2>/dev/null && return 0
    sleep 0.1
  done
  wait "$LOADGEN_PID" 2>/dev/null || true
  LOADGEN_PID=
  [ -s "$MEMIF_DIR/$name.json" ] && return 0
  echo "tollgate-loadgen ($name) failed:" >&2; grep -v '^EAL' "$MEMIF_DIR/$name.log" | tail -20 >&2
  return 1
}

busy_seconds() {
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.6f" % (d["cores"][0]["cycles_busy"] / d["tsc_hz"]))' \
    "$MEMIF_DIR/stats.json"
}
stat_get() { "$PY" "$ROOT/scripts/lab/stats.py" get "$MEMIF_DIR/stats.json" "$1"; }
settle() { sleep 1.2; }  # two stats snapshots (500 ms each)
