#!/usr/bin/env bash
# The TLS listener (198.18.0.1:8443 → the echo pool, deploy/lab.toml) against real TLS clients in the
# client namespace (Python's ssl and openssl s_client, both OpenSSL): TLS 1.3 and 1.2 with each AEAD
# suite, ECDSA and RSA certificates, SNI with exact and wildcard names, key exchange groups and
# HelloRetryRequest, bulk echo with SHA-256 equality, close_notify both ways, ALPN, and refused handshakes
# (TLS 1.1, CBC-only, h2-only ALPN, X448/FFDHE-only groups) counted by reason. Needs the lab: run.sh brings
# it up (prefix ti), or by hand: scripts/lab.sh up --prefix P --cores 1; LAB_PREFIX=P bash this; lab.sh down.
source "$(dirname "$0")/lib.sh"
CA="$RUN/certs/ca.pem"
TLS=(timeout 150 "$PY" "$ROOT/tests/integration/tls_client.py")
field() { "$PY" -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])[sys.argv[1]])' "$1"; }
tls_stat() { stat_value "cores.0.tls_listeners.0.$1"; }

fresh_stats
handshakes_before=$(tls_stat handshakes)

out=$(in_client "${TLS[@]}" echo $VIP 8443 65536 --ca "$CA" --tls 1.3) || fail "TLS 1.3 echo: $out"
assert_eq "$(field version <<<"$out")" "TLSv1.3" "version"
assert_eq "$(field key <<<"$out")" "ECDSA" "certificate type (ECDSA preferred)"
assert_eq "$(field close_notify <<<"$out")" "True" "close_notify exchanged"
note "TLS 1.3 $(field cipher <<<"$out"), ECDSA, 64 KiB echoed, close_notify both ways"

for suite in TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
  # Python cannot restrict TLS 1.3 suites; openssl s_client can.
  msg="ping-$suite"
  got=$(in_client bash -c "printf '$msg' | timeout 3 openssl s_client -connect $VIP:8443 -tls1_3 \
        -ciphersuites $suite -servername lab.tollgate.test -CAfile '$CA' -verify_return_error -quiet \
        2>/dev/null | head -c ${#msg}" || true)
  [ "$got" = "$msg" ] || fail "TLS 1.3 $suite echo: got '$got'"
  note "TLS 1.3 $suite: echo ok (openssl s_client)"
done

# Key exchange groups: X25519, P-256, P-384 (and a client offering P-384 first but only a P-256 key share
# exercises OpenSSL's group choice).
for g in X25519 P-256 P-384; do
  msg="group-$g"
  got=$(in_client bash -c "printf '$msg' | timeout 3 openssl s_client -connect $VIP:8443 -tls1_3 -groups $g \
        -servername lab.tollgate.test -CAfile '$CA' -verify_return_error -quiet 2>/dev/null | head -c ${#msg}" || true)
  [ "$got" = "$msg" ] || fail "TLS 1.3 with group $g: got '$got'"
done
note "TLS 1.3 key exchange over X25519, P-256 and P-384: echo ok"

# HelloRetryRequest: the key share is for X448, which the policies leave out, X25519 comes second in the
# client's groups. We ask again (HRR); the client's second ClientHello completes on X25519.
fresh_stats
retries_before=$(tls_stat hello_retries)
got=$(in_client bash -c "(printf 'after-hrr\\n'; sleep 1) | timeout 4 openssl s_client -connect $VIP:8443 -tls1_3 \
      -groups X448:X25519 -msg -servername lab.tollgate.test -CAfile '$CA' -verify_return_error 2>&1" || true)
# s_client -msg names the HelloRetryRequest "ServerHello" (it is one, with a special random): the trace
# must read ClientHello, ServerHello (the HRR), ClientHello, ServerHello.
hellos=$(grep -oE '^(>>>|<<<) .*Handshake .*(ClientHello|ServerHello)$' <<<"$got" | grep -oE '[A-Za-z]+Hello$' | tr '\n' ' ')
assert_eq "$hellos" "ClientHello ServerHello ClientHello ServerHello " "HRR: hello sequence"
grep -q "^after-hrr" <<<"$got" || fail "HRR: no echo after the retry: $got"
grep -q "Server Temp Key: X25519" <<<"$got" || fail "HRR: not X25519: $(grep 'Temp Key' <<<"$got")"
fresh_stats
assert_ge "$(( $(tls_stat hello_retries) - retries_before ))" 1 "hello_retries counted"
note "key share for X448 first: HelloRetryRequest, second ClientHello, X25519, echo ok"

# Only groups we do not accept (X448, FFDHE): handshake_failure, counted as no_shared_cipher.
no_shared_before=$(tls_stat handshake_failures_by_reason.no_shared_cipher)
got=$(in_client bash -c "printf x | timeout 3 openssl s_client -connect $VIP:8443 -tls1_3 -groups X448:ffdhe2048 \
      -servername lab.tollgate.test -CAfile '$CA' 2>&1" || true)
grep -q "alert handshake failure" <<<"$got" || fail "X448/FFDHE-only client: no handshake_failure: $got"
fresh_stats
assert_ge "$(( $(tls_stat handshake_failures_by_reason.no_shared_cipher) - no_shared_before ))" 1 \
  "no_shared_cipher counted for an X448/FFDHE-only client"
note "X448/FFDHE-only client: handshake_failure, counted as no_shared_cipher"

for c in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305 \
         ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305; do
  out=$(in_client "${TLS[@]}" echo $VIP 8443 100000 --ca "$CA" --tls 1.2 --ciphers "$c") || fail "TLS 1.2 $c: $out"
  assert_eq "$(field cipher <<<"$out")" "$c" "TLS 1.2 cipher"
done
note "TLS 1.2: all six ECDHE AEAD suites echo 100 kB intact (ECDSA and RSA certificates)"

out=$(in_client "${TLS[@]}" echo $VIP 8443 1000 --ca "$CA" --sni api.lab.tollgate.test) || fail "wildcard SNI: $out"
note "SNI api.lab.tollgate.test verified against *.lab.tollgate.test"
out=$(in_client "${TLS[@]}" echo $VIP 8443 1000 --ca "$CA" --alpn http/1.1) || fail "ALPN http/1.1: $out"
assert_eq "$(field alpn <<<"$out")" "http/1.1" "ALPN"

# KeyUpdate from the client mid-stream (s_client's "K": update and request ours), then more data.
got=$(in_client bash -c "(printf 'before-update\n'; sleep 0.5; printf 'K\n'; sleep 0.5; printf 'after-update\n'; \
      sleep 1) | timeout 5 openssl s_client -connect $VIP:8443 -tls1_3 -servername lab.tollgate.test \
      -CAfile '$CA' 2>&1" || true)
grep -q "^before-update" <<<"$got" && grep -q "^after-update" <<<"$got" || fail "KeyUpdate mid-stream: $got"
grep -q "KEYUPDATE" <<<"$got" || fail "s_client did not send a KeyUpdate: $got"
fresh_stats
assert_ge "$(tls_stat key_updates)" 1 "key updates counted"
note "KeyUpdate (update_requested) mid-stream: data before and after echoed"

# Resumption: TLS 1.3 tickets and TLS 1.2 tickets, keys shared by every core.
for v in 1.3 1.2; do
  out=$(in_client "${TLS[@]}" handshakes $VIP 8443 1 --procs 1 --resume --ca "$CA" --tls $v) || fail "resume $v: $out"
  [ "$(field resumed <<<"$out")" -ge 1 ] || fail "TLS $v: no session resumed: $out"
  note "TLS $v: $(field resumed <<<"$out") of $(field connections <<<"$out") connections resumed"
done
sess=$(mktemp)
in_client bash -c "printf x | timeout 3 openssl s_client -connect $VIP:8443 -tls1_2 -servername lab.tollgate.test \
  -CAfile '$CA' -sess_out '$sess' -quiet >/dev/null 2>&1" || true
got=$(in_client bash -c "printf x | timeout 3 openssl s_client -connect $VIP:8443 -tls1_2 -servername lab.tollgate.test \
  -CAfile '$CA' -sess_in '$sess' 2>&1" || true)
rm -f "$sess"
grep -q "^Reused, TLSv1.2" <<<"$got" || fail "s_client -sess_in did not resume: $(grep -E 'Reused|New,' <<<"$got")"
fresh_stats
assert_ge "$(tls_stat handshakes_resumed)" 3 "resumed handshakes counted"
note "openssl s_client -sess_out/-sess_in: Reused, TLSv1.2"

# curl (OpenSSL underneath, HTTP/1.1 over ALPN): the TLS side completes; the echo backend answers with
# the request itself, which curl then rejects as a response - what matters here is the handshake.
got=$(in_client curl -sv --max-time 5 --cacert "$CA" --resolve lab.tollgate.test:8443:$VIP \
      https://lab.tollgate.test:8443/ 2>&1 || true)
grep -q "SSL connection using TLSv1.3" <<<"$got" || fail "curl handshake: $got"
grep -q "ALPN: server accepted http/1.1" <<<"$got" || fail "curl ALPN: $(grep ALPN <<<"$got")"
note "curl: TLSv1.3 handshake, ALPN http/1.1 accepted, certificate verified"

out=$(in_client "${TLS[@]}" echo $VIP 8443 $((16 << 20)) --ca "$CA") || fail "bulk echo: $out"
note "bulk: 16 MiB each way through TLS, $(field mbit_per_s <<<"$out") Mbit/s, SHA-256 equal"

# Refused: versions below 1.2, no shared cipher, an application protocol we do not speak.
fresh_stats
failures_before=$(tls_stat handshake_failures)
out=$(in_client "${TLS[@]}" expect-fail $VIP 8443 --ca "$CA" --tls 1.1) || fail "TLS 1.1 was accepted: $out"
out=$(in_client "${TLS[@]}" expect-fail $VIP 8443 --ca "$CA" --tls 1.2 --ciphers ECDHE-RSA-AES128-SHA) ||
  fail "a CBC-only client was accepted: $out"
out=$(in_client "${TLS[@]}" expect-fail $VIP 8443 --ca "$CA" --alpn h2) || fail "h2-only ALPN was accepted: $out"
fresh_stats
assert_ge "$(( $(tls_stat handshake_failures) - failures_before ))" 3 "handshake failures counted"
assert_ge "$(tls_stat handshake_failures_by_reason.no_application_protocol)" 1 "no_application_protocol"
assert_ge "$(( $(tls_stat handshakes) - handshakes_before ))" 10 "handshakes counted"
note "refused TLS 1.1, CBC-only and h2-only clients; failures by reason: $(stat_value cores.0.tls_listeners.0.handshake_failures_by_reason)"
# Under loss, duplication, reordering and delay (impair.py relays, as in test_tcp_proxy.sh): records split
# across retransmitted segments still open. Last, because it rewires the shared lab's namespaces.
IMPAIRED_MB=${TLS_IMPAIRED_MB:-$([ "${TOLLGATE_SOAK:-0}" = 1 ] && echo 100 || echo 4)}
IMPAIRED_SECONDS=$((60 + IMPAIRED_MB * 12))
relay_args=(--loss 0.01 --duplicate 0.01 --reorder 0.05 --reorder-ms 5 --delay-ms 10 --seconds $((IMPAIRED_SECONDS + 10)))
relays=("$(impair "$NS_CLIENT" $LAB_PREFIX-cli0 "${relay_args[@]}" --seed 3)")
relays+=("$(impair "$NS_BACKEND" $LAB_PREFIX-be0 "${relay_args[@]}" --seed 4)")
sleep 0.5
out=$(in_client timeout $IMPAIRED_SECONDS "$PY" "$ROOT/tests/integration/tls_client.py" echo $VIP 8443 \
      $((IMPAIRED_MB << 20)) --ca "$CA" --timeout $IMPAIRED_SECONDS) || fail "TLS echo under impairment: $out"
unimpair "$NS_CLIENT" $LAB_PREFIX-cli0 "${relays[0]}"
unimpair "$NS_BACKEND" $LAB_PREFIX-be0 "${relays[1]}"
# The shared lab goes on to other tests: the client must reach the VIP directly again.
in_client ping -c 1 -W 2 $VIP >/dev/null || fail "client cannot reach the VIP after the impairment was removed"
note "impaired (1% loss, 1% dup, 5% reordered, 10 ms each way): $IMPAIRED_MB MiB each way through TLS, $(field mbit_per_s <<<"$out") Mbit/s, SHA-256 equal"
dataplane_alive || fail "the dataplane died"
