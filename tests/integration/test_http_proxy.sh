#!/usr/bin/env bash
# The HTTP and HTTPS listeners (deploy/lab.toml) against curl, wrk and raw Python sockets in the client namespace,
# with the lab's Python backends reporting what they received: path rules to their pools, X-Forwarded-*
# and X-Request-Id values, Host preserved, keep-alive reuse towards the targets, the :80 redirect to
# HTTPS, a fixed response, 100 MB up (chunked) and down (chunked and Content-Length) with SHA-256
# equality, request-smuggling and oversized heads refused, path spellings matched in normal form, forged
# proxy fields dropped, and a wrk run without errors.
source "$(dirname "$0")/lib.sh"
APP="http://$VIP:8080"
json() { "$PY" -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1], {}, {"d": d}))' "$1"; }
header() { "$PY" -c 'import json,sys; d=json.loads(sys.stdin.read()); print(next((v for k, v in d["headers"] if k.lower() == sys.argv[1]), ""))' "$1"; }
http_stat() { stat_value "cores.0.http_listeners.$1"; }  # 0: "https" (:443), 1: "http" (:80), 2: "http-app" (:8080)
CA="$RUN/certs/ca.pem"
HTTPS="https://lab.tollgate.test"
TLS_CURL=(curl -sS --cacert "$CA" --resolve "lab.tollgate.test:443:$VIP")
CLIENT_IP=$(in_client ip -4 -o addr show | sed -n 's/.* inet \(198\.18\.0\.[0-9]*\)\/.*/\1/p' | head -1)

# Rules: /api/* to the api pool (round robin over .11 and .12), everything else to web (.13).
a=$(in_client curl -sS -m 5 "$APP/api/items?x=1" -H 'Host: shop.example') || fail "GET /api/items: $a"
b=$(in_client curl -sS -m 5 "$APP/api/other") || fail "GET /api/other: $b"
w=$(in_client curl -sS -m 5 "$APP/index.html") || fail "GET /index.html: $w"
servers="$(json 'd["server"]' <<<"$a") $(json 'd["server"]' <<<"$b")"
case "$servers" in
  "backend-1 backend-2" | "backend-2 backend-1") ;;
  *) fail "/api/* should alternate over backend-1 and backend-2, got: $servers" ;;
esac
assert_eq "$(json 'd["server"]' <<<"$w")" "backend-3" "/index.html goes to the web pool"
assert_eq "$(json 'd["path"]' <<<"$a")" "/api/items?x=1" "path and query forwarded unchanged"
note "/api/* → $servers (round robin); /index.html → backend-3"

# Forwarded headers, exactly.
assert_eq "$(header host <<<"$a")" "shop.example" "Host preserved"
assert_eq "$(header x-forwarded-for <<<"$a")" "$CLIENT_IP" "X-Forwarded-For"
assert_eq "$(header x-forwarded-proto <<<"$a")" "http" "X-Forwarded-Proto"
assert_eq "$(header x-forwarded-port <<<"$a")" "8080" "X-Forwarded-Port"
[[ "$(header x-request-id <<<"$a")" =~ ^[0-9a-f]{32}$ ]] || fail "X-Request-Id: '$(header x-request-id <<<"$a")'"
[ "$(header x-request-id <<<"$a")" != "$(header x-request-id <<<"$b")" ] || fail "request ids repeat"
x=$(in_client curl -sS -m 5 "$APP/x" -H 'X-Forwarded-For: 203.0.113.7' -H 'X-Forwarded-Proto: https' \
    -H 'X-Request-Id: forged') || fail "GET with client X-Forwarded-*: $x"
assert_eq "$(header x-forwarded-for <<<"$x")" "203.0.113.7, $CLIENT_IP" "X-Forwarded-For appended"
assert_eq "$(header x-forwarded-proto <<<"$x")" "http" "client X-Forwarded-Proto replaced"
[ "$(header x-request-id <<<"$x")" != "forged" ] || fail "client X-Request-Id passed through"
note "X-Forwarded-For/Proto/Port and X-Request-Id as expected; Host preserved; forged values replaced"

# The access log has the request, found by the id the target saw (the writer drains every ~20 ms).
id=$(header x-request-id <<<"$a")
line=""
for _ in $(seq 50); do line=$(grep -F "\"request_id\":\"$id\"" "$RUN/access.log" || true); [ -n "$line" ] && break; sleep 0.1; done
[ -n "$line" ] || fail "no access log line for request $id"
assert_eq "$(json 'd["request"]' <<<"$line")" "GET /api/items?x=1 HTTP/1.1" "access log: request line"
assert_eq "$(json 'd["listener"]' <<<"$line")" "http-app" "access log: listener"
assert_eq "$(json 'd["pool"]' <<<"$line")" "api" "access log: pool"
assert_eq "$(json 'd["rule_priority"]' <<<"$line")" "10" "access log: rule"
assert_eq "$(json 'd["status"]' <<<"$line") $(json 'd["target_status"]' <<<"$line")" "200 200" "access log: statuses"
assert_eq "$(json 'd["client"].split(":")[0]' <<<"$line")" "$CLIENT_IP" "access log: client"
assert_eq "$(json 'd["target"]' <<<"$line")" "$(json 'd["addr"]' <<<"$a")" "access log: target"
assert_eq "$(json 'd["user_agent"].split("/")[0]' <<<"$line")" "curl" "access log: user agent"
assert_eq "$(json 'd["tls_protocol"]' <<<"$line")" "None" "access log: plaintext"
note "access log: $(cut -c1-160 <<<"$line")..."

# Keep-alive: two requests on one client connection ride one upstream connection.
two=$(in_client curl -sS -m 5 "$APP/k1" "$APP/k2") || fail "two requests on one connection: $two"
first=$(head -1 <<<"$two"); second=$(tail -1 <<<"$two")
assert_eq "$(json 'd["client"]' <<<"$second")" "$(json 'd["client"]' <<<"$first")" "same upstream connection"
[ "$(json 'd["connection_requests"]' <<<"$second")" -gt "$(json 'd["connection_requests"]' <<<"$first")" ] ||
  fail "the upstream connection was not reused: $two"
note "keep-alive: consecutive requests share the upstream connection (connection_requests $(json 'd["connection_requests"]' <<<"$second"))"

# Port 80 redirects to HTTPS keeping host, path and query.
r=$(in_client curl -sS -m 5 -o /dev/null -w '%{http_code} %{redirect_url}' "http://$VIP/a/b?q=1" \
    -H 'Host: lab.tollgate.test') || fail "redirect: $r"
assert_eq "$r" "301 https://lab.tollgate.test/a/b?q=1" "redirect from :80"
h=$(in_client curl -sS -m 5 "$APP/tollgate/health") || fail "fixed response: $h"
assert_eq "$h" "ok" "fixed response body"
note "redirect :80 → $r; fixed response '$h'"

# 100 MB each way with SHA-256 equality: a chunked upload, a chunked and a Content-Length download.
SIZE=$((100 * 1024 * 1024))
pattern_sha=$("$PY" -c "import hashlib,sys; n=int(sys.argv[1]); print(hashlib.sha256((b'tollgate'*(n//8+1))[:n]).hexdigest())" $SIZE)
file=$(mktemp /tmp/tollgate-http-up.XXXXXX)
trap 'rm -f "$file"' EXIT
head -c $SIZE /dev/urandom >"$file"
up_sha=$(sha256sum "$file" | cut -d' ' -f1)
up=$(in_client curl -sS -m 120 -H 'Transfer-Encoding: chunked' --data-binary @"$file" "$APP/upload") ||
  fail "chunked upload: $up"
assert_eq "$(json 'd["body_length"]' <<<"$up")" "$SIZE" "uploaded length"
assert_eq "$(json 'd["body_sha256"]' <<<"$up")" "$up_sha" "uploaded SHA-256"
for kind in chunked bytes; do
  got=$(in_client bash -c "curl -sS -m 120 '$APP/$kind/$SIZE' | sha256sum | cut -d' ' -f1") || fail "download $kind"
  assert_eq "$got" "$pattern_sha" "100 MB download ($kind) SHA-256"
done
note "100 MB chunked upload and chunked / Content-Length downloads: SHA-256 equal"

# Smuggling and oversized heads: refused with the right status, and the connection closed.
raw() {  # request bytes (Python escapes) → first status line
  in_client "$PY" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 8080), timeout=5)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
data = b""
while True:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        break
    if not chunk:
        break
    data += chunk
print(data.split(b"\r\n")[0].decode(), data.count(b"HTTP/1.1 "), "closed")
' "$VIP" "$1"
}
out=$(raw 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: h\r\n\r\n')
assert_eq "$out" "HTTP/1.1 400 Bad Request 1 closed" "CL.TE request"
out=$(raw 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n')
assert_eq "$out" "HTTP/1.1 400 Bad Request 1 closed" "obfuscated Transfer-Encoding"
big=$("$PY" -c "print('X-Big: ' + 'a' * 20000)")
out=$(raw "GET / HTTP/1.1\\r\\nHost: h\\r\\n$big\\r\\n\\r\\n")
assert_eq "$out" "HTTP/1.1 431 Request Header Fields Too Large 1 closed" "oversized head"
note "CL.TE and obfuscated TE → 400, 20 kB header → 431, connection closed each time"

# Path spellings cannot walk around the /api/* rule: each is matched, and forwarded, as /api/x.
fresh_stats
norm_before=$(http_stat 2.paths_normalized)
for p in '/%61pi/x' '/./api/x' '//api/x' '/foo/../api/x' '/%2e%2E/api//%78'; do
  got=$(in_client curl -sS -m 5 --path-as-is "$APP$p?q=/../") || fail "GET $p: $got"
  case "$(json 'd["server"]' <<<"$got")" in backend-1 | backend-2) ;; *) fail "$p escaped /api/*: went to $(json 'd["server"]' <<<"$got")" ;; esac
  assert_eq "$(json 'd["path"]' <<<"$got")" "/api/x?q=/../" "$p forwarded in normal form"
done
out=$(raw 'GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n')
assert_eq "$out" "HTTP/1.1 400 Bad Request 1 closed" "invalid percent-encoding"
fresh_stats
assert_ge "$(( $(http_stat 2.paths_normalized) - norm_before ))" 5 "paths_normalized counted"
note "/%61pi/x, /./api/x, //api/x, /foo/../api/x, /%2e%2E/api//%78 → /api/x on the api pool; %zz → 400"

# A client cannot speak for the balancer: forged proxy fields (any spelling) and non-WebSocket upgrades
# stay here.
f=$(in_client curl -sS -m 5 "$APP/x" -H 'X_Forwarded_For: 203.0.113.66' -H 'X-Real-IP: 203.0.113.66' \
    -H 'Forwarded: for=203.0.113.66' -H 'X-Forwarded-Host: admin.internal' -H 'X_Request_Id: forged' \
    -H 'Upgrade: h2c' -H 'Connection: Upgrade, HTTP2-Settings' -H 'HTTP2-Settings: AAMAAABkAAQCAAAA') ||
  fail "GET with forged fields: $f"
names=$("$PY" -c 'import json,sys; print(" ".join(sorted(k.lower() for k, v in json.loads(sys.stdin.read())["headers"])))' <<<"$f")
for n in x_forwarded_for x-real-ip forwarded x-forwarded-host x_request_id upgrade http2-settings; do
  case " $names " in *" $n "*) fail "$n reached the target (it saw: $names)" ;; esac
done
assert_eq "$(header x-forwarded-for <<<"$f")" "$CLIENT_IP" "X-Forwarded-For is the client's address only"
note "forged Forwarded/X-Real-IP/X-Forwarded-Host/underscore fields and Upgrade: h2c not forwarded"

# The same application over HTTPS (:443): TLS ends in Tollgate, the targets see X-Forwarded-Proto https,
# every response carries HSTS, 100 MB each way intact, keep-alive inside one TLS connection.
fresh_stats
hs_before=$(http_stat 0.tls.handshakes)
s1=$(in_client "${TLS_CURL[@]}" -m 5 -D /dev/stderr "$HTTPS/api/secure?z=9" 2>/tmp/tollgate-hsts.$$) || fail "HTTPS GET: $s1"
hsts=$(tr -d '\r' </tmp/tollgate-hsts.$$ | sed -n 's/^Strict-Transport-Security: //Ip'); rm -f /tmp/tollgate-hsts.$$
assert_eq "$hsts" "max-age=31536000; includeSubDomains" "HSTS header"
case "$(json 'd["server"]' <<<"$s1")" in backend-1 | backend-2) ;; *) fail "HTTPS /api/* went to $(json 'd["server"]' <<<"$s1")" ;; esac
assert_eq "$(header x-forwarded-proto <<<"$s1")" "https" "X-Forwarded-Proto over TLS"
assert_eq "$(header x-forwarded-port <<<"$s1")" "443" "X-Forwarded-Port over TLS"
assert_eq "$(header host <<<"$s1")" "lab.tollgate.test" "Host over TLS"
two=$(in_client "${TLS_CURL[@]}" -m 5 "$HTTPS/t1" "$HTTPS/t2") || fail "two HTTPS requests: $two"
assert_eq "$(tail -1 <<<"$two" | json 'd["client"]')" "$(head -1 <<<"$two" | json 'd["client"]')" "HTTPS keep-alive upstream"
up=$(in_client "${TLS_CURL[@]}" -m 120 -H 'Transfer-Encoding: chunked' --data-binary @"$file" "$HTTPS/upload") ||
  fail "HTTPS chunked upload: $up"
assert_eq "$(json 'd["body_sha256"]' <<<"$up")" "$up_sha" "HTTPS uploaded SHA-256"
got=$(in_client bash -c "curl -sS --cacert '$CA' --resolve 'lab.tollgate.test:443:$VIP' -m 120 '$HTTPS/chunked/$SIZE' | sha256sum | cut -d' ' -f1")
assert_eq "$got" "$pattern_sha" "HTTPS 100 MB chunked download SHA-256"
fresh_stats
assert_ge "$(( $(http_stat 0.tls.handshakes) - hs_before ))" 4 "HTTPS handshakes counted"
id=$(header x-request-id <<<"$s1")
line=""
for _ in $(seq 50); do line=$(grep -F "\"request_id\":\"$id\"" "$RUN/access.log" || true); [ -n "$line" ] && break; sleep 0.1; done
assert_eq "$(json 'd["tls_protocol"] + " " + d["sni"] + " " + d["listener"]' <<<"$line")" "TLSv1.3 lab.tollgate.test https" "access log over TLS"
note "HTTPS: HSTS '$hsts', X-Forwarded-Proto https / Port 443, keep-alive, 100 MB up and down SHA-256 equal"

# Load with keep-alive: no errors, and upstream connections are reused rather than opened per request.
fresh_stats
connects_before=$(stat_value cores.0.upstreams.connects)
wrk_out=$(in_client timeout 30 wrk -t1 -c32 -d3s "$APP/api/load") || fail "wrk: $wrk_out"
grep -q "Non-2xx\|Socket errors" <<<"$wrk_out" && fail "wrk saw errors: $wrk_out"
requests=$(sed -n 's/^ *\([0-9]\+\) requests in.*/\1/p' <<<"$wrk_out")
fresh_stats
connects=$(( $(stat_value cores.0.upstreams.connects) - connects_before ))
[ "$requests" -gt 1000 ] || fail "wrk completed only $requests requests"
[ "$connects" -le 64 ] || fail "$connects upstream connections for $requests requests: keep-alive not reused"
note "wrk: $requests requests, 32 connections, no errors; $connects upstream connections opened"
wrk_out=$(in_client timeout 30 wrk -t1 -c32 -d3s "https://$VIP/api/load") || fail "wrk over TLS: $wrk_out"
grep -q "Non-2xx\|Socket errors" <<<"$wrk_out" && fail "wrk over TLS saw errors: $wrk_out"
note "wrk over TLS: $(sed -n 's/^ *\([0-9]\+\) requests in.*/\1/p' <<<"$wrk_out") requests, no errors"
dataplane_alive || fail "dataplane died"
