#!/usr/bin/env bash
# KeyUpdate flood over TLS 1.3 on :443 (openssl s_client 'k', 2 ms apart): KeyUpdate costs the server a
# key derivation each, so it must be limited: the server ends the connection before COUNT of them.
source "$(dirname "$0")/lib.sh"
COUNT=$(soak 1000 10000)
begin
ku0=$(hstat http:https.tls.key_updates)
attack ku "$PY" "$HOSTILE/tls_attacks.py" keyupdate 443 "$COUNT"
ku=$LAST_ATTACK
sleep 1
good_all
attack_wait ku "$ku"
out=$(attack_out ku)
alive "KeyUpdate flood"
fresh_stats
note "key_updates +$(( $(hstat http:https.tls.key_updates) - ku0 )); $(head -c 200 <<<"$out")"
"$PY" -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["closed_by_server"] else 1)' "$out" ||
  fail "$COUNT KeyUpdates on one connection were all accepted: no rate limit"
settled
counted http:https.tls.key_updates "$ku0" 2
