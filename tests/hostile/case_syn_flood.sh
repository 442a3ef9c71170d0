#!/usr/bin/env bash
# A spoofed SYN flood against tcp-limited (:7001, max_connections = 64): half-open handshakes must not
# count against the limit before SYN cookies take over, so a real client still connects during the flood.
source "$(dirname "$0")/lib.sh"
COUNT=$(soak 20000 200000)
begin
good_tcp 7001  # the listener works before the flood
cookies0=$(hstat totals.tcp.syn_cookies_sent)
attack flood "$PY" "$ROOT/tests/integration/syn_flood.py" $VIP 7001 "$COUNT" 5000
flood=$LAST_ATTACK
sleep 2
good_tcp 7001
good_all
attack_wait flood "$flood"
good_tcp 7001
alive "SYN flood"
settled 20
counted totals.tcp.syn_cookies_sent "$cookies0" 100
