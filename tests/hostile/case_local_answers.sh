#!/usr/bin/env bash
# Answers the balancer makes itself (fixed responses), on :8080 and :443: an HTTP/1.0 keep-alive request
# (ab -k, HTTP/1.0 health checkers) must not be left waiting for a close that never comes, and HEAD must
# carry no body (else the next pipelined answer is misread).
source "$(dirname "$0")/lib.sh"
begin
out=$(py rawhttp.py local 8080 2>&1) || fail "local answers on :8080:
$out"
out2=$(py rawhttp.py local 443 --tls 2>&1) || fail "local answers on :443:
$out2"
note "$(tr '\n' ';' <<<"$out")"
alive "local answers"
good_all
settled
