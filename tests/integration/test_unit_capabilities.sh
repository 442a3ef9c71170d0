#!/usr/bin/env bash
# The dataplane unit's capability set is enough: a lab (prefix tu) whose dataplane runs as an unprivileged
# uid with exactly the unit's AmbientCapabilities= (setpriv; no systemd needed) serves HTTPS on AF_XDP, and
# its control plane as the same uid with none (the segment must be owned by the control plane's uid).
source "$(dirname "$0")/lib.sh"
own_lab tu
BUILD=${TOLLGATE_BUILD_DIR:-$ROOT/build}
UNIT=${UNIT:-$ROOT/deploy/systemd/tollgate-dataplane.service}
WRAP=$(mktemp -d)
trap '"$ROOT/scripts/lab.sh" down --prefix tu >/dev/null 2>&1 || true; rm -rf "$WRAP"' EXIT
chmod 755 "$WRAP"
UID_=65534

# CAP_NET_ADMIN CAP_NET_RAW → +net_admin,+net_raw
caps=$(sed -n 's/^AmbientCapabilities=//p' "$UNIT" | tr ' ' '\n' | grep . | sed 's/^CAP_/+/' | tr 'A-Z' 'a-z' | paste -sd,)
[ -n "$caps" ] || fail "no AmbientCapabilities= in $UNIT"
cat >"$WRAP/tollgate-dataplane" <<WRAPPER
#!/bin/sh
# lab.sh made its run dir as root; the unit's RuntimeDirectory= would belong to the service user.
chown -R $UID_:$UID_ "$RUN"
XDG_RUNTIME_DIR="$RUN" exec setpriv --reuid $UID_ --regid $UID_ --clear-groups --inh-caps -all,$caps \
  --ambient-caps -all,$caps --bounding-set -all,$caps -- "$BUILD/dataplane/tollgate-dataplane" "\$@"
WRAPPER
cat >"$WRAP/tollgate-controlplane" <<WRAPPER
#!/bin/sh
exec setpriv --reuid $UID_ --regid $UID_ --clear-groups --inh-caps -all --bounding-set -all -- \
  "$BUILD/controlplane/tollgate-controlplane" "\$@"
WRAPPER
ln -s "$BUILD/controlplane/tollgatectl" "$WRAP/tollgatectl"
chmod +x "$WRAP"/tollgate-*

TOLLGATE_BIN_DIR=$WRAP "$ROOT/scripts/lab.sh" up --prefix tu --cores 1 >/tmp/tollgate-lab-tu-caps.log 2>&1 ||
  fail "lab up with the dataplane as uid $UID_ and $caps: $(grep -m3 -i 'not permitted\|fail' /tmp/tollgate-lab-tu-caps.log)"
dp=$(cat "$RUN/dataplane.pid")
assert_eq "$(stat -c %u "/proc/$dp")" "$UID_" "the dataplane's uid"
assert_eq "$(awk '/^CapEff/ {print $2}' "/proc/$dp/status")" "$(awk '/^CapAmb/ {print $2}' "/proc/$dp/status")" "effective = ambient"
body=$(in_client curl -sS -m 5 --cacert "$RUN/certs/ca.pem" --resolve "lab.tollgate.test:443:$VIP" \
  https://lab.tollgate.test/tollgate/health) || fail "HTTPS through the unprivileged dataplane: $body"
assert_eq "$body" "ok" "the balancer's fixed health answer"
"$BUILD/controlplane/tollgatectl" --socket "$RUN/ctl.sock" show cores >/dev/null || fail "the control plane as uid $UID_"
note "dataplane as uid $UID_ with only $caps served HTTPS on AF_XDP; control plane with no capability"
