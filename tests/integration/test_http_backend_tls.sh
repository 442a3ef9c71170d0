#!/usr/bin/env bash
# HTTPS to the targets ("end-to-end encryption"), in its own lab (prefix bk) whose config is the lab's plus
# a listener on :8081 that forwards everything to the secure pool and two pools that must be refused:
# one trusting another CA, one expecting another name. Checks: /secure/* on the https listener reaches
# the three backends' TLS port (TLS 1.3 as the backend reports it), requests reuse the verified
# connections (handshake count, the backend's per-connection request count), 32 MiB up (chunked) and
# down (chunked and Content-Length) through TLS on both sides are SHA-256 equal, and a target whose
# certificate does not chain to the configured CA, or does not carry the configured name, gets no
# request: the client gets 502 and the handshake failure is counted by reason. The lab config's health
# checks are left out: HTTPS probes of the secure pool go through the same client-role TLS layer and would
# add handshakes to the counts asserted here (test_health_checks.sh covers the probes).
source "$(dirname "$0")/lib.sh"
own_lab bk
work=$(mktemp -d /tmp/tollgate-backend-tls.XXXXXX)
trap 'rm -rf "$work"; "$ROOT/scripts/lab.sh" down --prefix $P >/dev/null 2>&1 || true' EXIT
json() { "$PY" -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1], {}, {"d": d}))' "$1"; }
up_stat() { stat_value "cores.0.upstream_tls.$1"; }

# A CA the targets' certificates do not chain to.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Not The Lab CA" \
  -keyout "$work/other-ca.key" -out "$work/other-ca.pem" 2>/dev/null || fail "making another CA"
sed '/^health_check *=/d' "$ROOT/deploy/lab.toml" >"$work/lab.toml"
! grep -q health_check "$work/lab.toml" || fail "health_check left in the config copy"
cat >>"$work/lab.toml" <<TOML

[[listener]]
name = "http-secure"
protocol = "http"
address = "198.18.0.1"
port = 8081
default_action = { type = "forward", pool = "secure" }

[[listener.rule]]
priority = 1
path = "/wrong-ca/*"
action = { type = "forward", pool = "wrong-ca" }

[[listener.rule]]
priority = 2
path = "/wrong-name/*"
action = { type = "forward", pool = "wrong-name" }

[[pool]]
name = "wrong-ca"
targets = ["198.19.0.11:8443"]
tls = { ca = "$work/other-ca.pem", server_name = "backend.lab.tollgate.test" }

[[pool]]
name = "wrong-name"
targets = ["198.19.0.12:8443"]
tls = { ca = "certs/ca.pem", server_name = "other.lab.tollgate.test" }
TOML
"$ROOT/scripts/lab.sh" up --prefix $P --cores 1 --config "$work/lab.toml" >"$work/up.log" 2>&1 ||
  fail "lab up: $(tail -20 "$work/up.log")"
CA="$RUN/certs/ca.pem"
TLS_CURL=(curl -sS -m 10 --cacert "$CA" --resolve "lab.tollgate.test:443:$VIP")
SECURE="http://$VIP:8081"

# /secure/* over HTTPS on both sides: round robin over the three backends, on their TLS port.
servers=""
for i in 1 2 3; do
  r=$(in_client "${TLS_CURL[@]}" "https://lab.tollgate.test/secure/item-$i") || fail "GET /secure/item-$i: $r"
  assert_eq "$(json 'd["tls"]' <<<"$r")" "TLSv1.3" "the backend saw TLS 1.3"
  assert_eq "$(json 'd["addr"].split(":")[1]' <<<"$r")" "8443" "the backend's HTTPS port"
  assert_eq "$(json 'd["path"]' <<<"$r")" "/secure/item-$i" "path forwarded"
  servers="$servers $(json 'd["server"]' <<<"$r")"
done
assert_eq "$(tr ' ' '\n' <<<"$servers" | sort | tr '\n' ' ')" " backend-1 backend-2 backend-3 " \
  "/secure/* over the three backends"
note "/secure/* →$servers, TLS 1.3 to each"

# Keep-alive: six more requests on one client connection reuse the three verified connections.
fresh_stats
handshakes=$(up_stat handshakes)
out=$(in_client "${TLS_CURL[@]}" $(for i in 1 2 3 4 5 6; do echo "https://lab.tollgate.test/secure/again-$i"; done)) ||
  fail "six requests: $out"
fresh_stats
assert_eq "$(up_stat handshakes)" "$handshakes" "handshakes with the targets after six more requests"
last=$(tail -1 <<<"$out")
assert_ge "$(json 'd["connection_requests"]' <<<"$last")" 3 "requests the backend saw on the last connection"
assert_eq "$(up_stat handshake_failures)" 0 "handshake failures with good targets"
assert_ge "$(up_stat tickets_skipped)" 1 "the targets' session tickets skipped"
note "keep-alive: $(up_stat handshakes) handshakes for 9 requests; the last connection carried" \
     "$(json 'd["connection_requests"]' <<<"$last") requests"

# 32 MiB each way through TLS on both sides.
SIZE=$((32 * 1024 * 1024))
pattern_sha=$("$PY" -c "import hashlib,sys; n=int(sys.argv[1]); print(hashlib.sha256((b'tollgate'*(n//8+1))[:n]).hexdigest())" $SIZE)
head -c $SIZE /dev/urandom >"$work/up.bin"
up_sha=$(sha256sum "$work/up.bin" | cut -d' ' -f1)
up=$(in_client curl -sS -m 120 --cacert "$CA" --resolve "lab.tollgate.test:443:$VIP" \
     -H 'Transfer-Encoding: chunked' --data-binary @"$work/up.bin" "https://lab.tollgate.test/secure/upload") ||
  fail "chunked upload: $up"
assert_eq "$(json 'd["body_length"]' <<<"$up")" "$SIZE" "uploaded length"
assert_eq "$(json 'd["body_sha256"]' <<<"$up")" "$up_sha" "uploaded SHA-256"
for kind in chunked bytes; do
  got=$(in_client bash -c "curl -sS -m 120 '$SECURE/$kind/$SIZE' | sha256sum | cut -d' ' -f1") ||
    fail "download $kind"
  assert_eq "$got" "$pattern_sha" "32 MiB download ($kind) from a TLS target, SHA-256"
done
note "32 MiB chunked upload (HTTPS both sides) and chunked / Content-Length downloads: SHA-256 equal"

# Refusals: another CA, another name. No request reaches those targets: 502, failures counted by reason.
fresh_stats
bad_ca=$(up_stat handshake_failures_by_reason.bad_certificate)
bad_name=$(up_stat handshake_failures_by_reason.certificate_name_mismatch)
code=$(in_client curl -sS -m 10 -o /dev/null -w '%{http_code}' "$SECURE/wrong-ca/x") || fail "GET /wrong-ca/x"
assert_eq "$code" 502 "a target whose certificate does not chain to the configured CA"
code=$(in_client curl -sS -m 10 -o /dev/null -w '%{http_code}' "$SECURE/wrong-name/x") || fail "GET /wrong-name/x"
assert_eq "$code" 502 "a target whose certificate does not carry the configured name"
fresh_stats
assert_ge "$(( $(up_stat handshake_failures_by_reason.bad_certificate) - bad_ca ))" 1 "bad_certificate failures"
assert_ge "$(( $(up_stat handshake_failures_by_reason.certificate_name_mismatch) - bad_name ))" 1 \
  "certificate_name_mismatch failures"
# The access log says Tollgate answered them itself, with no status from a target.
for path in /wrong-ca/x /wrong-name/x; do
  for _ in $(seq 20); do grep -q "GET $path " "$RUN/access.log" && break; sleep 0.1; done
  line=$(grep "GET $path " "$RUN/access.log") || fail "no access-log line for $path"
  assert_eq "$(json '(d["status"], d["target_status"])' <<<"$line")" "(502, None)" "access log of $path"
done
# The good pool still works after the refusals.
r=$(in_client curl -sS -m 10 "$SECURE/after") || fail "GET /after: $r"
assert_eq "$(json 'd["tls"]' <<<"$r")" "TLSv1.3" "the secure pool after the refusals"
note "wrong CA and wrong name: 502, counted as bad_certificate and certificate_name_mismatch"
dataplane_alive || fail "the dataplane died"
