#!/usr/bin/env bash
# CONNECT is not a tunnel (issue 16, confirmed 2): on :8080 and :443, CONNECT 198.19.0.12:7000 with a
# GET /smuggled after it in the same write must be answered 405 with an Allow header, and the bytes after
# the CONNECT head must never reach a target as a raw tunnel.
source "$(dirname "$0")/lib.sh"
begin
tunnels0=$(hstat http:http-app.tunnels)
e4=$(hstat http:http-app.responses.4xx)
out=$(py rawhttp.py connect 8080 2>&1) || fail "CONNECT on :8080:
$out"
note "$(tr '\n' ';' <<<"$out")"
out=$(py rawhttp.py connect 443 --tls 2>&1) || fail "CONNECT on :443:
$out"
note "$(tr '\n' ';' <<<"$out")"
alive CONNECT
good_all
settled
fresh_stats
assert_eq "$(hstat http:http-app.tunnels)" "$tunnels0" "tunnels opened by CONNECT"
counted http:http-app.responses.4xx "$e4"
