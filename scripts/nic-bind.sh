#!/usr/bin/env bash
# Hands the NICs an operator names to DPDK (vfio-pci) for `driver = "pci"` ports, and gives them back.
#
#   scripts/nic-bind.sh [--dry-run] DEVICE...              bind to vfio-pci (PCI address or interface name)
#   scripts/nic-bind.sh [--dry-run] --restore DEVICE...    back to the kernel driver recorded at bind time
#                                                          (--unbind is the same)
#   scripts/nic-bind.sh [--dry-run] --status               dpdk-devbind.py's view and the recorded drivers
#
# A device is refused, with the reason, when one of its interfaces carries a default route (IPv4 or IPv6),
# has any IP address, or is administratively up: the machine would lose a network it uses. Take the
# interface down and flush its addresses first if it really is free. Devices that are not network
# controllers, and NICs whose kernel driver shows no interface here (another network namespace?), are
# refused too. Only the devices named are touched.
# --dry-run prints every command it would run and changes nothing.
#
# Environment (for tests): NIC_BIND_SYSFS (default /sys), NIC_BIND_IP (default ip), NIC_BIND_DEVBIND
# (default /usr/bin/dpdk-devbind.py, from Debian's dpdk package), NIC_BIND_STATE (default
# /var/lib/tollgate/nic-bind: one file per bound PCI address with the driver and interface it had).
set -euo pipefail

SYSFS=${NIC_BIND_SYSFS:-/sys}
IP=${NIC_BIND_IP:-ip}
DEVBIND=${NIC_BIND_DEVBIND:-/usr/bin/dpdk-devbind.py}
STATE=${NIC_BIND_STATE:-/var/lib/tollgate/nic-bind}
PY=/usr/bin/python3
PCI_RE='^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$'

usage() {
  sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}
die() { echo "nic-bind: $*" >&2; exit 1; }

DRY=0
MODE=bind
devices=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1 ;;
    --unbind|--restore) MODE=restore ;;
    --status) MODE=status ;;
    -h|--help) usage 0 ;;
    -*) echo "nic-bind: unknown option $1" >&2; usage ;;
    *) devices+=("$1") ;;
  esac
  shift
done

# run CMD...: the one place anything is changed; --dry-run only prints.
run() {
  if [ $DRY = 1 ]; then echo "would run: $*"; else echo "+ $*"; "$@"; fi
}

# pci_of DEVICE: the PCI address a PCI address or interface name stands for.
pci_of() {
  local dev=$1 link
  if [[ $dev =~ $PCI_RE ]]; then
    [ -e "$SYSFS/bus/pci/devices/$dev" ] || die "$dev: no such PCI device"
    echo "$dev"
  elif [ -e "$SYSFS/class/net/$dev" ]; then
    link=$(readlink -f "$SYSFS/class/net/$dev/device" 2>/dev/null) || true
    if [ -z "$link" ] || ! [[ $(basename "$link") =~ $PCI_RE ]]; then die "$dev: not a PCI network device"; fi
    basename "$link"
  else
    # A bound device has no interface any more: look for the name recorded when it was bound.
    local f
    for f in "$STATE"/*; do
      [ -f "$f" ] && grep -qx "iface=$dev" "$f" && { basename "$f"; return; }
    done
    die "$dev: no such interface or PCI address"
  fi
}

driver_of() {  # PCI address → its current driver, empty when none
  local d=$SYSFS/bus/pci/devices/$1/driver
  if [ -e "$d" ]; then basename "$(readlink -f "$d")"; fi
}

ifaces_of() {  # PCI address → its kernel interfaces
  local n
  for n in "$SYSFS/bus/pci/devices/$1/net"/*; do [ -e "$n" ] && basename "$n"; done
  return 0
}

# why_busy IFACE: prints why the interface is in use by the machine; nothing when it is free.
why_busy() {
  local ifc=$1 routes4 routes6 addr
  routes4=$("$IP" -j -4 route show default) || die "'$IP -j -4 route show default' failed"
  routes6=$("$IP" -j -6 route show default) || die "'$IP -j -6 route show default' failed"
  addr=$("$IP" -j addr show dev "$ifc") || die "'$IP -j addr show dev $ifc' failed"
  IFC=$ifc R4=$routes4 R6=$routes6 ADDR=$addr $PY - <<'EOF' || die "cannot read the JSON of '$IP -j'"
import json, os
ifc = os.environ["IFC"]
for fam, var in (("IPv4", "R4"), ("IPv6", "R6")):
    for r in json.loads(os.environ[var] or "[]"):
        if r.get("dev") == ifc:
            via = f" via {r['gateway']}" if r.get("gateway") else ""
            print(f"{ifc} carries the {fam} default route{via}")
for link in json.loads(os.environ["ADDR"] or "[]"):
    for a in link.get("addr_info", []):
        print(f"{ifc} has address {a.get('local')}/{a.get('prefixlen')}")
    if "UP" in link.get("flags", []):
        print(f"{ifc} is up (ip link set {ifc} down first)")
EOF
}

# refusals PCI: why the device must stay with the kernel, one reason a line; nothing when it is free.
refusals() {
  local pci=$1 class drv ifcs ifc
  class=$(cat "$SYSFS/bus/pci/devices/$pci/class" 2>/dev/null || echo unknown)
  # PCI class 0x02xxxx is a network controller: anything else (a disk, a GPU) is never ours to take.
  if [[ $class != 0x02* ]]; then echo "$pci is not a network controller (PCI class $class)"; return; fi
  ifcs=$(ifaces_of "$pci")
  drv=$(driver_of "$pci")
  # A kernel NIC driver with no interface in sight: it may live in another network namespace, where
  # the route and address checks cannot see it.
  if [ -z "$ifcs" ] && [ -n "$drv" ] && [[ ! $drv =~ ^(vfio-pci|uio_pci_generic|igb_uio)$ ]]; then
    echo "$pci has driver $drv but no interface in this network namespace"
  fi
  for ifc in $ifcs; do why_busy "$ifc"; done
}

bind_one() {
  local pci=$1 drv ifcs
  drv=$(driver_of "$pci")
  if [ "$drv" = vfio-pci ]; then echo "$pci: already bound to vfio-pci"; return; fi
  ifcs=$(ifaces_of "$pci" | tr '\n' ' ' | sed 's/ $//')
  if [ $DRY = 1 ]; then
    echo "would record in $STATE/$pci: driver=$drv iface=$ifcs"
  else
    mkdir -p "$STATE"
    printf 'driver=%s\niface=%s\n' "$drv" "$ifcs" >"$STATE/$pci"
  fi
  run "$DEVBIND" --bind=vfio-pci "$pci"
}

restore_one() {
  local pci=$1 f=$STATE/$1 drv
  [ -f "$f" ] || die "$pci: no driver recorded in $f (bound by hand?); use $DEVBIND --bind=DRIVER $pci"
  drv=$(sed -n 's/^driver=//p' "$f")
  if [ -z "$drv" ]; then
    run "$DEVBIND" --unbind "$pci"
  else
    run "$DEVBIND" --bind="$drv" "$pci"
  fi
  if [ $DRY = 1 ]; then echo "would remove $f"; else rm -f "$f"; fi
}

case $MODE in
  status)
    [ ${#devices[@]} -eq 0 ] || usage
    run "$DEVBIND" --status-dev net
    echo "recorded in $STATE:"
    for f in "$STATE"/*; do [ -f "$f" ] && echo "  $(basename "$f"): $(tr '\n' ' ' <"$f")"; done
    exit 0 ;;
esac

[ ${#devices[@]} -gt 0 ] || usage
# Resolve and check everything before changing anything: one bad name stops the whole run.
pcis=()
names=()
for dev in "${devices[@]}"; do
  pci=$(pci_of "$dev") || exit 1
  [[ " ${pcis[*]} " == *" $pci "* ]] && continue  # named twice (address and interface)
  pcis+=("$pci")
  names+=("$dev")
done
if [ $MODE = bind ]; then
  refused=0
  for i in "${!pcis[@]}"; do
    [ "$(driver_of "${pcis[$i]}")" = vfio-pci ] && continue
    reasons=$(refusals "${pcis[$i]}") || exit 1
    [ -n "$reasons" ] || continue
    refused=1
    echo "nic-bind: refusing ${names[$i]} (${pcis[$i]}):" >&2
    while IFS= read -r r; do echo "  $r" >&2; done <<<"$reasons"
  done
  [ $refused = 0 ] || die "nothing was changed"
  run modprobe vfio-pci
  for pci in "${pcis[@]}"; do bind_one "$pci"; done
else
  for pci in "${pcis[@]}"; do restore_one "$pci"; done
fi
