#!/usr/bin/env bash
# The lab's own contract: a second `up` changes nothing, SIGTERM prints counters, `down` leaves no
# namespace, veth or process behind and can be repeated.
source "$(dirname "$0")/lib.sh"
P=tl
RUN_TL=${TOLLGATE_RUN_DIR:-/run/tollgate}/lab-$P
trap '"$ROOT/scripts/lab.sh" down --prefix $P >/dev/null 2>&1 || true' EXIT

"$ROOT/scripts/lab.sh" up --prefix $P --cores 1 >/dev/null
pids=("$(cat "$RUN_TL/dataplane.pid")" $(cat "$RUN_TL"/backend-*.pid) "$(cat "$RUN_TL/controlplane.pid")")
dp_pid=${pids[0]}
out=$("$ROOT/scripts/lab.sh" up --prefix $P --cores 1)
grep -q "already up" <<<"$out" || fail "second up did not say so: $out"
assert_eq "$(cat "$RUN_TL/dataplane.pid")" "$dp_pid" "dataplane pid after a second up"
status=$("$ROOT/scripts/lab.sh" status --prefix $P) || fail "status exited non-zero with the lab up"
grep -q "dataplane: running" <<<"$status" || fail "status does not show the dataplane: $status"
grep -q "controlplane: running" <<<"$status" || fail "status does not show the control plane: $status"
ip netns exec $P-client ping -c 3 -i 0.1 -W 2 -q $VIP >/dev/null || fail "ping in lab $P"

# SIGTERM: clean exit with counters printed.
kill -TERM "$dp_pid"
for _ in $(seq 100); do kill -0 "$dp_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$dp_pid" 2>/dev/null && fail "dataplane ignored SIGTERM for 10 s"
grep -q "dataplane: stopping" "$RUN_TL/dataplane.log" || fail "no shutdown line in the log"
grep -Eq "core 0: packets [1-9]" "$RUN_TL/dataplane.log" || fail "no per-core counters printed at shutdown"
"$PY" "$ROOT/scripts/lab/stats.py" get "$RUN_TL/stats.json" state | grep -qx stopped || fail "final stats not written"

"$ROOT/scripts/lab.sh" down --prefix $P >/dev/null
"$ROOT/scripts/lab.sh" down --prefix $P >/dev/null || fail "a second down failed"
ip netns list | grep -q "^$P-" && fail "namespaces left: $(ip netns list | grep "^$P-")"
ip -o link | grep -q " $P-" && fail "links left: $(ip -o link | grep " $P-")"
for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && fail "process $pid still running"; done
[ -e "$RUN_TL" ] && fail "run directory $RUN_TL left behind"
note "second up refused, SIGTERM printed counters, down left nothing (twice)"
