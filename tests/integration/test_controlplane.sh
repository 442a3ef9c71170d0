#!/usr/bin/env bash
# The control plane and tollgatectl in their own lab (prefix cp): `show stats --json` parses and names the
# config's entities; /metrics on the lab's management port says tollgate_up 1; kill -9 of the control
# plane under a bounded curl loop fails no request, and a restarted one answers again (taking over the
# segment); a broken config is refused by `config reload` and SIGHUP with file:line: key, and the old
# config stays; CLI usage errors and --help. With the dataplane's segment present (the dataplane exports
# its stats there), also: the control plane is attached, request counters move, a good reload is adopted
# by every core before `config reload` returns (test_config_reload.sh has the rest), and drain/enable.
source "$(dirname "$0")/lib.sh"
P=cp
RUN=${TOLLGATE_RUN_DIR:-/run/tollgate}/lab-$P
NS_CLIENT=$P-client
CTLBIN="$ROOT/build/controlplane/tollgatectl"
loop=""
trap '[ -z "$loop" ] || kill "$loop" 2>/dev/null; "$ROOT/scripts/lab.sh" down --prefix $P >/dev/null 2>&1 || true' EXIT
"$ROOT/scripts/lab.sh" up --prefix $P --cores 1 >/dev/null
ctl() { "$ROOT/scripts/lab.sh" ctl --prefix $P "$@"; }
json_get() {  # EXPR over the JSON on stdin, e.g. 'd["segment"]["attached"]'
  "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}
cp_pid() { cat "$RUN/controlplane.pid"; }
kill -0 "$(cp_pid)" 2>/dev/null || fail "the control plane is not running after up"
[ "$(stat -c %a "$RUN/ctl.sock")" = 600 ] || fail "ctl.sock mode is $(stat -c %a "$RUN/ctl.sock"), not 600"

# show stats --json: valid JSON, the lab config's listeners and targets by name.
out=$(ctl show stats --json) || fail "show stats --json: $out"
assert_eq "$(json_get 'd["config"]["path"]' <<<"$out")" "$RUN/dataplane.toml" "config path"
assert_eq "$(json_get '",".join(l["name"] for l in d["listeners"])' <<<"$out")" "tcp-echo,tls-echo,https,http,http-app" \
  "listeners"
assert_eq "$(json_get 'len(d["targets"])' <<<"$out")" 9 "targets"
out=$(ctl show targets)
grep -Eq '^api +198\.19\.0\.11:8080 ' <<<"$out" || fail "show targets has no api 198.19.0.11:8080: $out"

# show certs: the TLS listeners' certificate files, read by the control plane.
out=$(ctl show certs) || fail "show certs: $out"
grep -Eq "^tls-echo +$RUN/certs/[^ ]+ +CN=lab\.tollgate\.test" <<<"$out" || fail "show certs lacks tls-echo's leaf: $out"
# Each checked the way a config load checks them: the lab's ECDSA leaf with its serial and key type, ok.
chain=$RUN/certs/lab-ecdsa-chain.pem
serial=$(openssl x509 -in "$chain" -noout -serial | cut -d= -f2)
grep -Eq "^tls-echo +$chain +CN=lab\.tollgate\.test +$serial +ECDSA P-256 .* ok *$" <<<"$out" ||
  fail "show certs: no ok row for $chain with serial $serial: $out"
! grep -Eq " (expiring|expired|invalid) *$" <<<"$out" || fail "show certs: a lab certificate is not ok: $out"
not_after=$(date -d "$(openssl x509 -in "$chain" -noout -enddate | cut -d= -f2)" +%s)

# With the dataplane's segment: attached, heartbeat seen.
segment=0
if [ -e /dev/shm/tollgate-lab-$P ]; then
  segment=1
  for _ in $(seq 50); do
    [ "$(ctl show stats --json | json_get 'd["segment"]["attached"] and d["segment"]["dataplane_alive"]')" = True ] && break
    sleep 0.1
  done
  [ "$(ctl show stats --json | json_get 'd["segment"]["dataplane_alive"]')" = True ] ||
    fail "not attached to a beating dataplane: $(ctl show stats --json | json_get 'd["segment"]')"
  note "attached to /dev/shm/tollgate-lab-$P, dataplane heartbeat seen"
else
  note "no segment /dev/shm/tollgate-lab-$P (the dataplane does not export to shared memory in this build):" \
       "checking the control plane's own side only"
fi

# Prometheus on this lab's management address.
addr=$(sed -n '/^\[management\]/,/^\[/ s/^address = "\(.*\)"/\1/p' "$RUN/dataplane.toml")
[ -n "$addr" ] || fail "no [management] address in $RUN/dataplane.toml"
in_client curl -sf -m 5 -o /dev/null "http://$VIP:8080/api/warmup" || fail "a request through the lab failed"
metrics=$(curl -sf -m 5 "http://$addr/metrics") || fail "GET http://$addr/metrics failed"
grep -qx "tollgate_up 1" <<<"$metrics" || fail "no 'tollgate_up 1' in the metrics"
grep -q '^# TYPE tollgate_requests_total counter$' <<<"$metrics" || fail "no tollgate_requests_total family"
if [ $segment = 1 ]; then
  grep -qx "tollgate_dataplane_up 1" <<<"$metrics" || fail "tollgate_dataplane_up is not 1"
  for _ in $(seq 30); do
    n=$(curl -sf -m 5 "http://$addr/metrics" |
      sed -n 's/^tollgate_requests_total{listener="http-app",code_class="2xx"} \([0-9]*\)$/\1/p')
    [ "${n:-0}" -ge 1 ] && break
    sleep 0.1
  done
  assert_ge "${n:-0}" 1 'tollgate_requests_total{listener="http-app",code_class="2xx"}'
fi
curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$addr/nothing" | grep -qx 404 || fail "/nothing is not a 404"
grep -q "^tollgate_certificate_expiry_timestamp_seconds{listener=\"tls-echo\",file=\"$chain\",serial=\"$serial\",.*} $not_after\$" <<<"$metrics" ||
  fail "no expiry gauge $not_after for $chain in the metrics"
note "metrics at http://$addr/metrics: $(grep -c '^tollgate_' <<<"$metrics") samples"

# kill -9 the control plane under a bounded request loop: the dataplane serves on, no request fails.
in_client bash -c 'for i in $(seq 300); do curl -sf -m 2 -o /dev/null "http://'$VIP':8080/api/kill" || echo FAIL; sleep 0.01; done' \
  >"$RUN/loop.out" 2>&1 &
loop=$!
sleep 0.5
old=$(cp_pid)
kill -KILL "$old"
for _ in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
kill -0 "$old" 2>/dev/null && fail "control plane $old survived SIGKILL"
[ -S "$RUN/ctl.sock" ] || fail "no stale socket left by the kill (the restart's stale-socket path is not exercised)"
# Restarted as lab.sh starts it; its PID file is what `down` stops.
setsid "$ROOT/build/controlplane/tollgate-controlplane" -c "$RUN/dataplane.toml" --segment "lab-$P" \
  --socket "$RUN/ctl.sock" --foreground >>"$RUN/controlplane.log" 2>&1 &
echo $! >"$RUN/controlplane.pid"
wait "$loop" || true
loop=""
fails=$(grep -c FAIL "$RUN/loop.out" || true)
assert_eq "$fails" 0 "failed requests while the control plane was killed and restarted"
for _ in $(seq 50); do ctl show stats >/dev/null 2>&1 && break; sleep 0.1; done
ctl show stats >/dev/null || fail "show stats after the restart: $(ctl show stats 2>&1)"
if [ $segment = 1 ]; then
  epoch=$(ctl show stats --json | json_get 'd["segment"]["controller_epoch"]')
  assert_ge "$epoch" 2 "controller epoch after the take-over"
fi
note "kill -9 under 300 requests: 0 failed; restarted control plane (pid $(cp_pid)) answers"

# A broken config is refused, by reload and by SIGHUP; the running config stays; a good one is taken.
gen=$(ctl show stats --json | json_get 'd["config"]["generation"]')
cp "$RUN/dataplane.toml" "$RUN/dataplane.toml.good"
printf 'bogus = 1\n' >>"$RUN/dataplane.toml"   # lands in [management], the last table
line=$(wc -l <"$RUN/dataplane.toml")
rc=0; out=$(ctl config reload 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status of a refused reload"
grep -qF "$RUN/dataplane.toml:$line: management.bogus: unknown key (known keys here: address)" <<<"$out" ||
  fail "reload error lacks file:line: key: message (hint): $out"
grep -q "the running config stays" <<<"$out" || fail "reload refusal does not say the old config stays: $out"
kill -HUP "$(cp_pid)"
for _ in $(seq 30); do grep -q "SIGHUP" "$RUN/controlplane.log" && break; sleep 0.1; done
sleep 0.2
grep -q "config reload refused" "$RUN/controlplane.log" || fail "SIGHUP with a broken file not refused in the log"
assert_eq "$(ctl show stats --json | json_get 'd["config"]["generation"]')" "$gen" "generation after refused reloads"
mv "$RUN/dataplane.toml.good" "$RUN/dataplane.toml"
out=$(ctl config reload) || fail "reload of the good file: $out"
if [ $segment = 1 ]; then
  assert_eq "$(ctl show stats --json | json_get 'd["config"]["generation"]')" $((gen + 1)) "generation after a good reload"
  # The dataplane adopts it (the same file: nothing is rebuilt) on every core before reload returns.
  grep -q "generation $((gen + 1)) adopted by every core" <<<"$out" || fail "reload not adopted: $out"
  assert_eq "$(ctl show stats --json | json_get 'd["config"]["adopted"]')" $((gen + 1)) "adopted generation"
fi
note "broken config refused (reload exit 1 and SIGHUP) with file:line: key; good one reloaded: $out"

# Drain and enable (they need the segment's health table).
if [ $segment = 1 ]; then
  out=$(ctl target drain api 198.19.0.11:8080 --timeout 10) || fail "drain: $out"
  grep -q "drained" <<<"$out" || fail "drain did not report: $out"
  out=$(ctl show targets)
  grep -Eq '^api +198\.19\.0\.11:8080 +draining ' <<<"$out" || fail "not draining: $out"
  ctl target enable api 198.19.0.11:8080 >/dev/null || fail "enable"
  out=$(ctl show targets)
  grep -Eq '^api +198\.19\.0\.11:8080 +healthy ' <<<"$out" || fail "not healthy: $out"
  note "drain reported from every core; enable made it healthy"
else
  rc=0; out=$(ctl target drain api 198.19.0.11:8080 --timeout 1 2>&1) || rc=$?
  assert_eq "$rc" 1 "drain without a segment"
  grep -q "not attached" <<<"$out" || fail "drain without a segment: $out"
fi
rc=0; out=$(ctl target drain api 198.19.0.99:8080 2>&1) || rc=$?
assert_eq "$rc" 1 "drain of an unknown target"
grep -q "pool 'api' has no target 198.19.0.99:8080" <<<"$out" || fail "unknown target: $out"

# top for a bounded number of refreshes; CLI usage.
# (Output captured first: grep -q closing the pipe early would fail the pipeline under pipefail.)
out=$(ctl top --iterations 2 --interval 0.2) || fail "top: $out"
grep -q "^LISTENER" <<<"$out" || fail "top printed no listener table: $out"
"$CTLBIN" --help >/dev/null || fail "--help exit status"
out=$("$CTLBIN" target drain --help) || fail "target drain --help exit status"
grep -q "Usage:" <<<"$out" || fail "target drain --help: $out"
rc=0; "$CTLBIN" frobnicate >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "exit status of an unknown command"
rc=0; ctl show >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "exit status of show without what"
rc=0; "$CTLBIN" --socket /nonexistent.sock show stats >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "exit status without a control plane"
note "top, --help (0), unknown command (2), no control plane (1)"
