#!/usr/bin/env bash
# TLS conformance and hostile TLS clients against the TLS listener (198.18.0.1:8443 → the echo pool,
# deploy/lab.toml): a client that keeps sending after our fatal alert is reset once the alert is
# acknowledged, not held at zero window until FIN-WAIT-2 expires (RFC 8446 §6.2); a ClientHello with
# legacy_version 0x0300 gets protocol_version (RFC 8446 §D.5); a TLS 1.2 renegotiation gets the warning
# no_renegotiation (RFC 5246 §7.2.2). Uses the shared lab (LAB_PREFIX), or by hand:
# scripts/lab.sh up --prefix P --cores 1; LAB_PREFIX=P bash this; scripts/lab.sh down --prefix P.
source "$(dirname "$0")/lib.sh"
CA="$RUN/certs/ca.pem"
CONF=(timeout 30 "$PY" "$ROOT/tests/integration/tls_conformance.py")
field() { "$PY" -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])[sys.argv[1]])' "$1"; }
tls_stat() { stat_value "cores.0.tls_listeners.0.$1"; }

fresh_stats
resets_before=$(tls_stat resets_after_alert)
discarded_before=$(tls_stat discarded_after_close)
out=$(in_client "${CONF[@]}" flood-after-alert $VIP 8443 --bytes $((1 << 20)) --seconds 5) ||
  fail "a client flooding after our fatal alert was not cut off within 5 s: $out"
assert_eq "$(field reset <<<"$out")" "True" "reset after the alert"
fresh_stats
assert_ge "$(( $(tls_stat resets_after_alert) - resets_before ))" 1 "resets_after_alert counted"
note "bad_record_mac, then junk: reset after $(field seconds <<<"$out") s ($(field junk_sent <<<"$out") junk bytes accepted, $(( $(tls_stat discarded_after_close) - discarded_before )) dropped unread)"

failures_before=$(tls_stat handshake_failures_by_reason.unsupported_version)
out=$(in_client "${CONF[@]}" legacy-version $VIP 8443) || fail "legacy_version 0x0300: no alert: $out"
assert_eq "$(field alert <<<"$out")" "70" "legacy_version 0x0300: alert (protocol_version)"
fresh_stats
assert_ge "$(( $(tls_stat handshake_failures_by_reason.unsupported_version) - failures_before ))" 1 \
  "unsupported_version counted"
note "ClientHello legacy_version 0x0300: protocol_version, counted as unsupported_version"

# s_client's "R" renegotiates (TLS 1.2). We answer no_renegotiation (a warning) and keep the connection;
# OpenSSL's client gives up on its own renegotiation when it reads the warning.
refused_before=$(tls_stat renegotiations_refused)
got=$(in_client bash -c "(printf 'before-renegotiation\n'; sleep 0.5; printf 'R\n'; sleep 1) | timeout 5 \
      openssl s_client -connect $VIP:8443 -tls1_2 -servername lab.tollgate.test -CAfile '$CA' -state 2>&1" || true)
grep -q "^before-renegotiation" <<<"$got" || fail "TLS 1.2 echo before the renegotiation: $got"
grep -qi "warning:no renegotiation" <<<"$got" || fail "no no_renegotiation warning: $(grep -i alert <<<"$got")"
fresh_stats
assert_ge "$(( $(tls_stat renegotiations_refused) - refused_before ))" 1 "renegotiations_refused counted"
note "TLS 1.2 renegotiation (s_client R): warning no_renegotiation, counted"
dataplane_alive || fail "the dataplane died"
