#!/usr/bin/env bash
# What a hostile or unusual client does on the :8080 listener (deploy/lab.toml), against the real lab: a
# pipelined burst of 6,000 requests behind a slow one (it once overflowed the worker's stack and killed the
# dataplane) answered in full, in order, with the dataplane alive; CONNECT answered 405 with Allow and
# never forwarded; HTTP/1.0 keep-alive told so on answers the balancer makes itself; HEAD without a body.
source "$(dirname "$0")/lib.sh"
EDGE=("$PY" "$ROOT/tests/integration/edge_client.py")
http_stat() { stat_value "cores.0.http_listeners.2.$1"; }  # 2: "http-app" (:8080)

# 1. The pipelined burst: every answer arrives, the dataplane lives, the budget per event was used.
out=$(in_client "${EDGE[@]}" pipeline "$VIP" 8080 6000)
assert_eq "$out" "answers 6001 ok 6001" "6,000 pipelined requests behind a slow one"
dataplane_alive || fail "the dataplane died on a pipelined burst"
fresh_stats
assert_ge "$(http_stat pipeline_deferred)" 1 "pipelined requests left for the next poll"
note "6,001 pipelined answers, in full; pipeline_deferred=$(http_stat pipeline_deferred)"

# 2. CONNECT: 405 with Allow, the connection closed, nothing forwarded.
fresh_stats
forwarded=$(http_stat forwarded)
out=$(in_client "${EDGE[@]}" connect "$VIP" 8080)
head -1 <<<"$out" | grep -q '^HTTP/1.1 405 Method Not Allowed' || fail "CONNECT: $out"
grep -qi '^Allow: GET, HEAD, POST' <<<"$out" || fail "CONNECT answer without Allow: $out"
[ "$(grep -c '^HTTP/1.1' <<<"$out")" = 1 ] || fail "the request behind CONNECT was answered: $out"
fresh_stats
assert_eq "$(http_stat forwarded)" "$forwarded" "nothing forwarded for CONNECT"
assert_ge "$(http_stat local_errors.405)" 1 "405 counted"
note "CONNECT → 405 with Allow, closed, nothing forwarded"

# 3. HTTP/1.0 keep-alive on a fixed response: told keep-alive, and the connection serves a second request.
out=$(in_client "${EDGE[@]}" http10 "$VIP" 8080)
grep -qi '^Connection: keep-alive' <<<"$out" || fail "HTTP/1.0 keep-alive answer lacks Connection: keep-alive: $out"
[ "$(tail -1 <<<"$out")" = open ] || fail "HTTP/1.0 keep-alive connection: $out"
note "HTTP/1.0 keep-alive: told so, second request served"

# 4. HEAD of a fixed response: its Content-Length, no body (the GET behind it follows directly).
out=$(in_client "${EDGE[@]}" head "$VIP" 8080)
[ "$(grep -c '^ok' <<<"$out")" = 1 ] || fail "HEAD carried a body: $out"
[ "$(grep -c '^HTTP/1.1 200' <<<"$out")" = 2 ] || fail "HEAD + GET: $out"
note "HEAD answered without a body"
dataplane_alive || fail "the dataplane died"
