#!/usr/bin/env bash
# The smuggling corpus (CL.TE, TE.CL, TE.TE obfuscations, duplicate Content-Length, bare LF and CR,
# obs-fold, space before colon, chunk-size tricks) through :8080 and :443: each refused with 400/501 or
# forwarded unambiguously, checked against the probe backend, which logs every request it parsed.
source "$(dirname "$0")/lib.sh"
begin
e400=$(hstat 'http:http-app.local_errors.400')
for port in 8080 443; do
  tls=""; [ $port = 443 ] && tls=--tls
  out=$(py rawhttp.py smuggle $port $tls --log "$RUN/probe.log" 2>&1) || fail "smuggling corpus on :$port:
$(grep -v '^ok' <<<"$out")"
  note ":$port $(tail -1 <<<"$out") of $(grep -c . <<<"$out") lines"
done
alive smuggling
good_all
settled
counted 'http:http-app.local_errors.400' "$e400" 10
