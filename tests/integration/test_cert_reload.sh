#!/usr/bin/env bash
# Certificate reload without a restart (its own lab, prefix cr): while one client makes a new verified TLS
# connection per request to the https listener and another keeps one connection busy, the listener's
# ECDSA certificate and key are replaced (written aside, then renamed over the configured files). New
# handshakes must show the new serial within a few seconds, no handshake or request may fail, and the
# kept connection must live on. Then a key that does not match the certificate is put in place: the
# reload is refused (logged with the reason) and the new certificate goes on serving.
source "$(dirname "$0")/lib.sh"
own_lab_begin cr
own_lab_up --cores 1
CERTS=$RUN/certs
LOOP=("$PY" "$ROOT/tests/integration/handshake_loop.py")
CLIENT_ARGS=("$VIP" 443 --ca "$CERTS/ca.pem" --name lab.tollgate.test --stop "$work/stop" --seconds 40)
field() { "$PY" -c 'import json,sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$1"; }
serial_of() { openssl x509 -noout -serial -in "$1" | cut -d= -f2; }

old_serial=$(serial_of "$CERTS/lab-ecdsa.pem")
in_client "${LOOP[@]}" new "${CLIENT_ARGS[@]}" >"$work/new.json" 2>"$work/new.err" &
pids+=($!)
in_client "${LOOP[@]}" kept "${CLIENT_ARGS[@]}" >"$work/kept.json" 2>"$work/kept.err" &
pids+=($!)
sleep 2

# A new leaf from the lab intermediate CA with the same names, written aside and renamed into place.
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/new.key"
openssl req -new -key "$work/new.key" -subj "/CN=lab.tollgate.test" -out "$work/new.csr"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:lab.tollgate.test,DNS:*.lab.tollgate.test\n' >"$work/ext"
openssl x509 -req -in "$work/new.csr" -CA "$CERTS/intermediate.pem" -CAkey "$CERTS/intermediate.key" -set_serial "0x$(openssl rand -hex 16)" \
  -sha256 -days 30 -extfile "$work/ext" -out "$work/new.pem" 2>/dev/null
new_serial=$(serial_of "$work/new.pem")
cat "$work/new.pem" "$CERTS/intermediate.pem" >"$work/new-chain.pem"
cp "$work/new.key" "$CERTS/.lab-ecdsa.key.tmp" && chmod 600 "$CERTS/.lab-ecdsa.key.tmp"
cp "$work/new-chain.pem" "$CERTS/.lab-ecdsa-chain.pem.tmp"
replaced_at=$(date +%s.%N)
mv "$CERTS/.lab-ecdsa.key.tmp" "$CERTS/lab-ecdsa.key"
mv "$CERTS/.lab-ecdsa-chain.pem.tmp" "$CERTS/lab-ecdsa-chain.pem"

# New handshakes show the new serial within 10 s.
seen=""
for _ in $(seq 100); do
  seen=$(echo | in_client timeout 5 openssl s_client -connect "$VIP:443" -servername lab.tollgate.test 2>/dev/null |
         openssl x509 -noout -serial 2>/dev/null | cut -d= -f2 || true)
  [ "$seen" = "$new_serial" ] && break
  sleep 0.1
done
picked_up=$(echo "$(date +%s.%N) - $replaced_at" | bc -l)
assert_eq "$seen" "$new_serial" "serial of a new handshake after the replacement (old one: $old_serial)"
grep -q "listener 'https': certificates reloaded (serial $new_serial" "$RUN/dataplane.log" ||
  fail "no reload line in the dataplane log: $(grep certificate "$RUN/dataplane.log" || true)"
sleep 2
touch "$work/stop"
wait "${pids[@]}"
pids=()
new=$(cat "$work/new.json")
kept=$(cat "$work/kept.json")
assert_eq "$(field failures <<<"$new")" 0 "failed handshakes or requests during the reload ($(field first_failure <<<"$new"))"
assert_ge "$(field requests <<<"$new")" 20 "requests on new connections"
"$PY" -c 'import json,sys; s=json.loads(sys.argv[1])["serials"]; sys.exit(0 if s == [sys.argv[2], sys.argv[3]] else 1)' \
  "$new" "$old_serial" "$new_serial" || fail "serials seen by the handshake loop: $new"
assert_eq "$(field failures <<<"$kept")" 0 "failures on the kept connection ($(field first_failure <<<"$kept"))"
assert_eq "$(field lasted <<<"$kept")" True "the kept connection lived through the reload"
note "reloaded in $(printf %.1f "$picked_up") s: $(field requests <<<"$new") new connections (serials $old_serial → $new_serial)" \
     "and $(field requests <<<"$kept") requests on one kept connection, none failed"

# A key that does not belong to the certificate: refused, the new certificate stays.
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$CERTS/.lab-ecdsa.key.tmp"
mv "$CERTS/.lab-ecdsa.key.tmp" "$CERTS/lab-ecdsa.key"
for _ in $(seq 50); do grep -q "certificate reload refused" "$RUN/dataplane.log" && break; sleep 0.1; done
grep -q "listener 'https': certificate reload refused, the previous certificates stay" "$RUN/dataplane.log" ||
  fail "a mismatched key was not refused: $(grep certificate "$RUN/dataplane.log" || true)"
seen=$(echo | in_client timeout 5 openssl s_client -connect "$VIP:443" -servername lab.tollgate.test 2>/dev/null |
       openssl x509 -noout -serial | cut -d= -f2)
assert_eq "$seen" "$new_serial" "serial after a refused reload"
note "a mismatched key: refused ($(grep -m1 'https.*refused' "$RUN/dataplane.log" | sed 's/.*stay: //')), serial unchanged"
dataplane_alive || fail "the dataplane died"
