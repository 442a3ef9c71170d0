#!/usr/bin/env bash
# Path-normalisation escapes: /%61pi/x, /./api/x, //api/x and friends must be routed like /api/x (the api
# pool) and forwarded as /api/x, on :8080 and :443.
source "$(dirname "$0")/lib.sh"
begin
out=$(py rawhttp.py paths 8080 2>&1) || fail "path escapes on :8080:
$out"
out2=$(py rawhttp.py paths 443 --tls 2>&1) || fail "path escapes on :443:
$out2"
note "$(tail -1 <<<"$out") / $(tail -1 <<<"$out2")"
alive "path escapes"
good_all
settled
