#!/usr/bin/env bash
# The systemd units (deploy/systemd) pass systemd-analyze verify, the check rejects a broken unit, and the
# dataplane's lifetime is not tied to the control plane's (a control-plane restart must not stop traffic).
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/check-units.sh" >/dev/null || fail "deploy/systemd does not verify: $("$ROOT/scripts/check-units.sh" 2>&1)"
"$ROOT/scripts/check-units.sh" "$ROOT/tests/systemd/broken" >/dev/null 2>&1 && fail "check-units.sh accepted tests/systemd/broken"
D=$ROOT/deploy/systemd
grep -Eq '^(Requires|BindsTo|PartOf|Requisite)=.*tollgate-controlplane' "$D/tollgate-dataplane.service" &&
  fail "the dataplane unit ties its lifetime to the control plane"
grep -Eq '^(BindsTo|PartOf)=.*tollgate-dataplane' "$D/tollgate-controlplane.service" &&
  fail "the control plane unit ties its lifetime to the dataplane"
for u in tollgate-dataplane tollgate-controlplane; do
  grep -q '^RuntimeDirectoryPreserve=yes' "$D/$u.service" || fail "$u: /run/tollgate (ctl.sock) would vanish when it stops"
  grep -q '^RemoveIPC=no' "$D/$u.service" || fail "$u: the shared segment could be removed when it stops"
done
note "units verify, a broken unit is rejected, no lifetime ties between the two processes"
