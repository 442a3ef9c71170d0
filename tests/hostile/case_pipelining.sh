#!/usr/bin/env bash
# Pipelining storm (issue 16, confirmed crash 1): on :8080 GET /api/delay/3000 followed in the same write by
# 6,000 pipelined GET /tollgate/health; then COUNT requests on one connection, nine in ten answered by the
# balancer and one in ten forwarded (100,000 under TOLLGATE_SOAK=1). Every request answered, in order;
# the dataplane alive; others served meanwhile; nothing left over.
source "$(dirname "$0")/lib.sh"
COUNT=$(soak 5000 100000)
begin
fixed0=$(hstat http:http-app.fixed_responses)
attack storm "$PY" "$HOSTILE/pipeline.py" storm 8080 6000 --delay-ms 3000 --timeout 15
storm=$LAST_ATTACK
sleep 1
good_all  # while the slow response holds 6,000 requests back
attack_wait storm "$storm"
alive "6,000 pipelined behind a slow response"
note "repro: $(attack_out storm)"
out=$(py pipeline.py storm 8080 "$COUNT" --forward-every 10 --timeout "$(soak 30 400)") ||
  fail "$COUNT pipelined requests, local and forwarded: $out"
note "mixed: $out"
alive "$COUNT pipelined, local and forwarded"
good_all
settled
counted http:http-app.fixed_responses "$fixed0" $((6000 + COUNT * 9 / 10))
