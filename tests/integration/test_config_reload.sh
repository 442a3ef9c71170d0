#!/usr/bin/env bash
# Config generations adopted live (its own lab, prefix gr, two worker cores). Under a bounded keep-alive
# load on http-app (:8080), the config is reloaded with `tollgatectl config reload`: /api/* moves from pool
# api to pool web, api's 198.19.0.12 gets weight 4, a rule is added and the drain time is 4 s.
#  - no request of the load fails; tollgatectl says every core adopted it, and so do the cores' headers;
#  - requests after the reload follow the new rule (web only), new connections the new weights;
#  - a connection opened before, with a request in flight across the reload, gets its answer from the old
#    generation's pool with `Connection: close`, then is closed; an idle one is closed at the drain time;
#  - counters never go backwards; the access log names the new pool;
#  - a config that moves a listener's port is refused with the reason (exit 1, shown by `show stats`),
#    the old config keeps serving, and the next good config is adopted.
# The time from `tollgatectl config reload` to every core having adopted is measured over 10 reloads.
source "$(dirname "$0")/lib.sh"
own_lab_begin gr
own_lab_up --cores 2
CONF=$RUN/dataplane.toml
ctl() { "$ROOT/scripts/lab.sh" ctl --prefix $P "$@"; }
stats() { ctl show stats --json; }
json_get() { "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# Installs a config the way an operator would: written aside, renamed over the file.
install_config() { cp "$1" "$CONF.new" && mv "$CONF.new" "$CONF"; }
requests_total() {
  stats | json_get 'sum(l["counters"]["requests"] for l in d["listeners"] if l["name"] == "http-app")'
}

# The control plane's first publish (the file the dataplane started with) is adopted by both cores.
for _ in $(seq 100); do
  [ "$(stats 2>/dev/null | json_get 'd["config"]["generation"] >= 1 and d["config"]["adopted"] == d["config"]["generation"] and len(d["cores"]) == 2')" = True ] && break
  sleep 0.1
done
gen=$(stats | json_get 'd["config"]["generation"]')
assert_eq "$(stats | json_get 'd["config"]["adopted"]')" "$gen" "generation adopted after start"
in_client curl -sf -m 5 -o /dev/null "http://$VIP:8080/api/warmup" || fail "a request before the reload failed"

# The new config.
cp "$CONF" "$work/new.toml"
"$PY" - "$work/new.toml" <<'EOF'
import re, sys
path = sys.argv[1]
text = open(path).read()
text = text.replace('[dataplane]\n', '[dataplane]\nconfig_drain_timeout_ms = 4000\n', 1)
text = text.replace('targets = ["198.19.0.11:8080", "198.19.0.12:8080"]',
                    'targets = ["198.19.0.11:8080", { address = "198.19.0.12:8080", weight = 4 }]', 1)
# http-app: its /api/* rule (the last listener's first rule) now forwards to web; one more rule.
head, app = text.split('name = "http-app"', 1)
app = app.replace('path = "/api/*"\naction = { type = "forward", pool = "api" }',
                  'path = "/api/*"\naction = { type = "forward", pool = "web" }', 1)
app = app.replace('[management]', '[[listener.rule]]\npriority = 30\npath = "/weighted/*"\n'
                  'action = { type = "forward", pool = "api" }\n\n[management]', 1)
open(path, "w").write(head + 'name = "http-app"' + app)
EOF
grep -q 'pool = "web" }' "$work/new.toml" || fail "the new config was not made"

# Load, an in-flight request on a connection opened before the reload, and an idle one.
in_client "$PY" "$ROOT/tests/integration/http_load.py" run "http://$VIP:8080/api/load" --out "$work/load.jsonl" \
  --connections 6 --seconds 8 --max-requests 40000 --timeout 5 >"$work/load.out" 2>&1 &
pids+=($!); load=$!
in_client "$PY" "$ROOT/tests/integration/reload_client.py" inflight "$VIP" 8080 --first /api/first \
  --slow /api/delay/2500 --ready "$work/inflight.ready" --timeout 20 >"$work/inflight.json" 2>&1 &
pids+=($!); inflight=$!
in_client "$PY" "$ROOT/tests/integration/reload_client.py" idle "$VIP" 8080 --path /api/idle \
  --ready "$work/idle.ready" --timeout 20 >"$work/idle.json" 2>&1 &
pids+=($!); idle=$!
for _ in $(seq 50); do [ -e "$work/inflight.ready" ] && [ -e "$work/idle.ready" ] && break; sleep 0.1; done
[ -e "$work/inflight.ready" ] && [ -e "$work/idle.ready" ] || fail "the watched connections did not start"
sleep 1.5
before_total=$(requests_total)
install_config "$work/new.toml"
t0=$(date +%s.%N)
out=$(ctl config reload 2>&1) || fail "reload: $out"
t1=$(date +%s.%N)
gen=$((gen + 1))
grep -q "generation $gen adopted by every core" <<<"$out" || fail "reload did not report adoption: $out"
note "reload under load: $out"
s=$(stats)
assert_eq "$(json_get 'd["config"]["adopted"]' <<<"$s")" "$gen" "adopted generation (min over cores)"
assert_eq "$(json_get '",".join(str(c["adopted_generation"]) for c in d["cores"])' <<<"$s")" "$gen,$gen" \
  "every core's adopted generation"
json_get '[r["priority"] for r in d["rules"] if r["listener"] == "http-app"]' <<<"$s" | grep -q 30 ||
  fail "the new rule is not named by the control plane: $(json_get 'd["rules"]' <<<"$s")"

wait "$load" || true
analysis=$(in_client "$PY" "$ROOT/tests/integration/http_load.py" analyse "$work/load.jsonl" --stop "$t0" --dead "$t1")
note "load: $analysis"
assert_eq "$(json_get 'd["failed"]' <<<"$analysis")" 0 "failed requests across the reload"
assert_ge "$(json_get 'd["after"]' <<<"$analysis")" 50 "requests after the reload"
assert_eq "$(json_get '",".join(sorted(d["ok_after_by_server"]))' <<<"$analysis")" "backend-3" \
  "backends of /api/* after the reload (pool web)"
[ "$(json_get '"backend-3" in d["ok_before_by_server"]' <<<"$analysis")" = False ] ||
  fail "/api/* reached web before the reload: $analysis"

# The connection with a request in flight: answered by the old generation's pool, Connection: close, closed.
wait "$inflight" || true
r=$(cat "$work/inflight.json")
note "in flight across the reload: $r"
json_get 'd.get("error")' <<<"$r" | grep -qx None || fail "in-flight client: $r"
assert_eq "$(json_get 'd["slow"]["status"]' <<<"$r")" 200 "in-flight response status"
assert_eq "$(json_get 'd["slow"]["body_complete"]' <<<"$r")" True "in-flight response complete"
assert_eq "$(json_get 'd["slow"]["server"] in ("backend-1", "backend-2")' <<<"$r")" True \
  "in-flight request served by the old generation's pool"
assert_eq "$(json_get 'd["slow"]["connection"]' <<<"$r")" close "Connection header of the in-flight response"
assert_eq "$(json_get 'd["end"]["closed"] and d["end"]["how"] == "eof"' <<<"$r")" True "closed after it"
[ "$(json_get 'd["sent_slow"] < '"$t0" <<<"$r")" = True ] || fail "the slow request was not sent before the reload"

# The idle connection: closed (not reset) once the 4 s drain time was over.
wait "$idle" || true
r=$(cat "$work/idle.json")
note "idle across the reload: $r"
assert_eq "$(json_get 'd["end"]["closed"] and d["end"]["how"] == "eof"' <<<"$r")" True "idle connection closed"
after=$(json_get 'round(d["end"]["at"] - '"$t1"', 2)' <<<"$r")
"$PY" -c "import sys; sys.exit(0 if 3.5 <= $after <= 8 else 1)" ||
  fail "idle connection closed $after s after the reload, not at the 4 s drain time"

# New connections get the new weights: 198.19.0.12 (backend-2) four times as often as .11.
in_client "$PY" "$ROOT/tests/integration/http_load.py" run "http://$VIP:8080/weighted/x" --out "$work/w.jsonl" \
  --connections 4 --seconds 3 --max-requests 400 --timeout 5 >/dev/null 2>&1 || true
w=$(in_client "$PY" "$ROOT/tests/integration/http_load.py" analyse "$work/w.jsonl" --stop 0 --dead 0)
b1=$(json_get 'd["ok_after_by_server"].get("backend-1", 0)' <<<"$w")
b2=$(json_get 'd["ok_after_by_server"].get("backend-2", 0)' <<<"$w")
assert_eq "$(json_get 'd["failed"]' <<<"$w")" 0 "failed weighted requests"
"$PY" -c "import sys; sys.exit(0 if $b1 + $b2 >= 100 and 3 * $b1 <= $b2 <= 5 * $b1 + 8 else 1)" ||
  fail "weights 1:4 not followed: backend-1 $b1, backend-2 $b2"
note "weights after the reload: backend-1 $b1, backend-2 $b2 (1:4)"

# Counters carried across the swap; the access log names the new pool.
after_total=$(requests_total)
assert_ge "$after_total" "$before_total" "http-app requests after the reload"
grep '"request":"GET /api/load' "$RUN/access.log" | tail -1 | grep -q '"pool":"web"' ||
  fail "the access log does not name pool web for /api/* after the reload: $(tail -1 "$RUN/access.log")"
grep -q "config generation $gen adopted by every core" "$RUN/dataplane.log" || fail "no adoption in the dataplane log"

# A listener's port cannot move live: refused with the reason, the running config keeps serving.
sed 's/^port = 8080$/port = 8081/' "$work/new.toml" >"$work/moved.toml"
install_config "$work/moved.toml"
rc=0; out=$(ctl config reload 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status of a refused reload"
grep -qF "needs a dataplane restart: listener[4] 'http-app'.port: 8080 → 8081" <<<"$out" ||
  fail "refusal lacks the reason: $out"
refused=$((gen + 1))
s=$(stats)
assert_eq "$(json_get 'd["config"]["refused"]["generation"]' <<<"$s")" "$refused" "refused generation in show stats"
assert_eq "$(json_get 'd["config"]["adopted"]' <<<"$s")" "$gen" "adopted generation after the refusal"
ctl show stats | grep -qF "refused: generation $refused: needs a dataplane restart" ||
  fail "show stats does not show the refusal: $(ctl show stats | head -4)"
grep -q "the dataplane refused config generation $refused" "$RUN/controlplane.log" || fail "refusal not logged"
body=$(in_client curl -sf -m 5 "http://$VIP:8080/api/still") || fail "the old config stopped serving"
grep -q '"server": "backend-3"' <<<"$body" || fail "/api/* after the refusal not on web: $body"
in_client curl -s -m 3 -o /dev/null "http://$VIP:8081/api/x" && fail "port 8081 answered"
note "port move refused: $(grep -o 'refused generation.*' <<<"$out")"

# The next good config is adopted (the refused one does not block the slots).
install_config "$work/new.toml"
out=$(ctl config reload 2>&1) || fail "reload after a refusal: $out"
gen=$((refused + 1))
grep -q "generation $gen adopted by every core" <<<"$out" || fail "not adopted after a refusal: $out"

# Time from `tollgatectl config reload` to every core adopted, measured around the command: 5 reloads
# that change a rule (the HTTP side rebuilt on both cores) alternating with 5 of the same file again
# (nothing rebuilt).
changed=(); same=()
for i in $(seq 10); do
  if [ $((i % 2)) = 1 ]; then
    sed "s|path = \"/weighted/\\*\"|path = \"/weighted$i/*\"|" "$work/new.toml" >"$work/t.toml"
    install_config "$work/t.toml"
  fi
  start=$(date +%s%N)
  out=$(ctl config reload 2>&1) || fail "timed reload $i: $out"
  end=$(date +%s%N)
  grep -q "adopted by every core" <<<"$out" || fail "timed reload $i not adopted: $out"
  if [ $((i % 2)) = 1 ]; then changed+=("$(( (end - start) / 1000000 ))"); else same+=("$(( (end - start) / 1000000 ))"); fi
done
note "tollgatectl config reload → every core adopted, ms: a rule changed: ${changed[*]}; same file: ${same[*]}"
grep "adopted by every core" "$RUN/dataplane.log" | tail -4 | sed 's/^.* dataplane: /  dataplane log: /'
dataplane_alive || fail "the dataplane died"
