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

# The hugepage unit's shell line, run against a file standing in for nr_hugepages: systemd's $$ is the
# shell's $, its line continuations are joined.
H=$(mktemp)
trap 'rm -f "$H"' EXIT
line=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$D/tollgate-hugepages.service" | sed 's/\\$//' | tr -d '\n' |
  sed -e 's/^ExecStart=//' -e 's/[$][$]/$/g' -e "s#/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages#$H#")
script=$(eval "set -- $line"; [ "$1 $2" = "/bin/sh -c" ] || exit 1; printf '%s' "$3") || fail "hugepages ExecStart is not /bin/sh -c '...': $line"
echo 5 >"$H"
out=$(TOLLGATE_HUGEPAGES=300 sh -c "$script") || fail "hugepages: 300 refused"
assert_eq "$(cat "$H")" 300 "nr_hugepages after TOLLGATE_HUGEPAGES=300"
grep -q "asked for 300, have 300" <<<"$out" || fail "hugepages: no report of the grant: $out"
TOLLGATE_HUGEPAGES=0 sh -c "$script" >/dev/null || fail "hugepages: 0 refused"
assert_eq "$(cat "$H")" 300 "nr_hugepages after TOLLGATE_HUGEPAGES=0 (left alone)"
TOLLGATE_HUGEPAGES=12x sh -c "$script" >/dev/null 2>&1 && fail "hugepages: 12x accepted"
assert_eq "$(cat "$H")" 300 "nr_hugepages after TOLLGATE_HUGEPAGES=12x"
note "the hugepage line writes the count, leaves 0 alone and refuses a non-number"
