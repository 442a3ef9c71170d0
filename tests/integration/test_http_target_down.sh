#!/usr/bin/env bash
# A target of the api pool dies under load (its own lab, prefix td): 16 keep-alive connections GET
# /api/x for 10 s, round robin over backend-1 (198.19.0.11) and backend-2 (.12); after 3 s backend-1's
# process is killed by its PID (SIGKILL: a crash, so the moment it died is sharp). Until the health checks
# take it out (~2.5 s, test_health_checks.sh), round robin keeps picking it, and each such request's failed
# connect is retried on backend-2:
# requests go on succeeding, the only failures allowed are requests in flight to backend-1 when it died
# (at most one per connection), the listener counts retries and the upstream pools count connect
# failures, and the dataplane lives on.
source "$(dirname "$0")/lib.sh"
P=td
RUN=${TOLLGATE_RUN_DIR:-/run/tollgate}/lab-$P
NS_CLIENT=$P-client
NS_BACKEND=$P-backend
CONNECTIONS=16
SECONDS_LOAD=10
STOP_AFTER=3
LOAD=("$PY" "$ROOT/tests/integration/http_load.py")
records=$(mktemp /tmp/tollgate-target-down.XXXXXX)
trap 'rm -f "$records"; "$ROOT/scripts/lab.sh" down --prefix $P >/dev/null 2>&1 || true' EXIT
"$ROOT/scripts/lab.sh" up --prefix $P --cores 1 >/dev/null
field() { "$PY" -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])[sys.argv[1]])' "$1"; }

# backend-1's PID as lab.sh recorded it; make sure it is the process serving 198.19.0.11.
pid=$(cat "$RUN/backend-1.pid")
tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "backend.py --addr 198.19.0.11 " ||
  fail "pid $pid from $RUN/backend-1.pid is not backend-1: $(tr '\0' ' ' <"/proc/$pid/cmdline")"

# Both targets reached once (ARP, first upstream connections) before the timed load: this test judges the
# failures around the kill. Four 502s on the load's first requests, right after lab start-up, were seen
# once in a CI run — a start-up finding of its own, left open in the session note, not this test's subject.
for _ in 1 2 3 4; do in_client curl -s -o /dev/null --max-time 5 "http://$VIP:8080/api/x" || true; done

fresh_stats
retries_before=$(stat_value cores.0.http_listeners.2.retries)
failures_before=$(stat_value cores.0.upstreams.connect_failures)

in_client timeout $((SECONDS_LOAD + 20)) "${LOAD[@]}" run "http://$VIP:8080/api/x" --out "$records" \
  --connections $CONNECTIONS --seconds $SECONDS_LOAD --max-requests 200000 --timeout 5 >"$RUN/load.out" 2>&1 &
load=$!
sleep $STOP_AFTER
stop_at=$(date +%s.%N)
kill -KILL "$pid"
# Gone, or a zombie: it has exited (and the kernel closed its sockets) and waits to be reaped by init.
gone() { ! kill -0 "$pid" 2>/dev/null || [ "$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" = Z ]; }
for _ in $(seq 500); do gone && break; sleep 0.01; done
dead_at=$(date +%s.%N)
gone || fail "backend-1 (pid $pid) did not exit within 5 s of SIGKILL"
wait $load || fail "load run failed: $(cat "$RUN/load.out")"

out=$("$PY" "$ROOT/tests/integration/http_load.py" analyse "$records" --stop "$stop_at" --dead "$dead_at") ||
  fail "analysis: $out"
note "load: $(field requests <<<"$out") requests over $(field seconds <<<"$out") s on $CONNECTIONS connections;" \
     "backend-1 killed after ${STOP_AFTER} s (gone $(field stop_window_ms <<<"$out") ms after SIGKILL)"
note "ok before the stop by server: $(field ok_before_by_server <<<"$out"); after: $(field ok_after_by_server <<<"$out")"
note "failed: $(field failed <<<"$out") ($(field failed_in_flight_at_stop <<<"$out") in flight at the stop," \
     "$(field failed_outside_stop <<<"$out") otherwise): $(field failures <<<"$out")"

# Round robin really used backend-1 before the stop, and only backend-2 answered after it.
"$PY" -c 'import json,sys; d=json.loads(sys.stdin.read()); b=d["ok_before_by_server"]; a=d["ok_after_by_server"]
sys.exit(0 if b.get("backend-1", 0) > 0 and b.get("backend-2", 0) > 0 and list(a) == ["backend-2"] else 1)' <<<"$out" ||
  fail "answers by server before/after the stop are wrong: $out"
assert_ge "$(field after <<<"$out")" 200 "requests after the stop"
assert_eq "$(field failed_outside_stop <<<"$out")" 0 "failures that were not in flight at the stop"
failed=$(field failed <<<"$out")
[ "$failed" -le $CONNECTIONS ] || fail "$failed failed requests: more than one per connection ($CONNECTIONS)"
assert_ge "$(field ok_in_last_second <<<"$out")" 1 "requests answered in the load's last second"

fresh_stats
retries=$(( $(stat_value cores.0.http_listeners.2.retries) - retries_before ))
connect_failures=$(( $(stat_value cores.0.upstreams.connect_failures) - failures_before ))
note "dataplane: retries +$retries (cores.0.http_listeners.2.retries), upstream connect_failures +$connect_failures," \
     "5xx $(stat_value cores.0.http_listeners.2.responses.5xx), local errors $(stat_value cores.0.http_listeners.2.local_errors)"
assert_ge "$retries" 1 "retries"
assert_ge "$connect_failures" 1 "upstream connect failures"

# Still serving: a fresh connection gets an answer from backend-2.
a=$(in_client curl -sS -m 5 "http://$VIP:8080/api/after") || fail "GET after the load: $a"
grep -q '"server": "backend-2"' <<<"$a" || fail "GET after the load not served by backend-2: $a"
dataplane_alive || fail "dataplane died"
