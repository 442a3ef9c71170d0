#!/usr/bin/env bash
# scripts/nic-bind.sh against a fake sysfs tree and a fake `ip`, in --dry-run only (it never touches this
# machine's devices): interfaces the machine uses are refused with the reason, free ones get exactly the
# dpdk-devbind.py command for vfio-pci, unknown names are errors, and nothing but the named devices appears.
source "$(dirname "$0")/lib.sh"

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
SYS=$T/sys
mkdir -p "$SYS/class/net" "$SYS/bus/pci/drivers/ixgbe" "$SYS/bus/pci/drivers/virtio-pci" \
         "$SYS/bus/pci/drivers/vfio-pci" "$SYS/bus/pci/drivers/nvme"
# fake_nic IFACE PCI DRIVER: a PCI function bound to DRIVER and, unless IFACE is "-", its interface
# (class/net/IF/device leads to the function, the function's net/ lists the interface, as in sysfs).
fake_nic() {
  local ifc=$1 pci=$2 drv=$3 dev=$SYS/bus/pci/devices/$2
  mkdir -p "$dev"
  echo "${CLASS:-0x020000}" >"$dev/class"
  ln -s "../../../../bus/pci/drivers/$drv" "$dev/driver"
  [ "$ifc" != - ] || return 0
  mkdir -p "$dev/net/$ifc" "$SYS/class/net/$ifc"
  ln -s "../../../bus/pci/devices/$pci" "$SYS/class/net/$ifc/device"
}
fake_nic eth0 0000:00:03.0 virtio-pci   # the machine's uplink: IPv4 default route, an address, up
fake_nic eth1 0000:3b:00.0 ixgbe        # free: down, no address
fake_nic eth2 0000:3b:00.1 ixgbe        # an address, no default route
fake_nic eth3 0000:3b:00.2 ixgbe        # the IPv6 default route, no address
fake_nic eth4 0000:3b:00.3 ixgbe        # up, nothing else
fake_nic eth5 0000:3b:00.4 ixgbe        # free too, never named
fake_nic - 0000:3c:00.0 vfio-pci        # already DPDK's
fake_nic - 0000:3b:00.5 ixgbe           # its interface is in another network namespace
CLASS=0x010802 fake_nic - 0000:01:00.0 nvme  # the machine's disk

cat >"$T/ip" <<'EOF'
#!/usr/bin/env bash
# canned `ip -j` answers for the fake machine
case "$*" in
  "-j -4 route show default") echo '[{"dst":"default","gateway":"192.0.2.1","dev":"eth0","flags":[]}]' ;;
  "-j -6 route show default") echo '[{"dst":"default","gateway":"fd00::1","dev":"eth3","flags":[]}]' ;;
  "-j addr show dev eth0") echo '[{"ifname":"eth0","flags":["BROADCAST","UP"],"addr_info":[{"family":"inet","local":"192.0.2.10","prefixlen":24}]}]' ;;
  "-j addr show dev eth2") echo '[{"ifname":"eth2","flags":["BROADCAST"],"addr_info":[{"family":"inet","local":"198.18.7.2","prefixlen":24}]}]' ;;
  "-j addr show dev eth4") echo '[{"ifname":"eth4","flags":["BROADCAST","UP"],"addr_info":[]}]' ;;
  "-j addr show dev "*) echo "[{\"ifname\":\"${*##* }\",\"flags\":[\"BROADCAST\"],\"addr_info\":[]}]" ;;
  *) echo "fake ip: unexpected: $*" >&2; exit 1 ;;
esac
EOF
# dpdk-devbind.py must never run in --dry-run: the fake one leaves a trace if it does.
printf '#!/bin/sh\necho "$@" >>%s/devbind-ran\n' "$T" >"$T/devbind"
chmod +x "$T/ip" "$T/devbind"
export NIC_BIND_SYSFS=$SYS NIC_BIND_IP=$T/ip NIC_BIND_DEVBIND=$T/devbind NIC_BIND_STATE=$T/state
nb() { bash "$ROOT/scripts/nic-bind.sh" "$@"; }

# refused DEVICE FRAGMENT...: --dry-run DEVICE exits 1 and names every reason.
refused() {
  local dev=$1 out rc=0
  shift
  out=$(nb --dry-run "$dev" 2>&1) || rc=$?
  [ $rc = 1 ] || fail "$dev: exit $rc, expected a refusal: $out"
  for frag in "$@"; do grep -qF -- "$frag" <<<"$out" || fail "$dev: '$frag' missing in: $out"; done
  grep -q "would run" <<<"$out" && fail "$dev: a refused run still plans commands: $out"
  return 0
}
refused eth0 "refusing eth0 (0000:00:03.0)" "eth0 carries the IPv4 default route via 192.0.2.1" \
  "eth0 has address 192.0.2.10/24" "eth0 is up"
refused 0000:00:03.0 "eth0 carries the IPv4 default route"
refused eth2 "eth2 has address 198.18.7.2/24"
refused eth3 "eth3 carries the IPv6 default route via fd00::1"
refused eth4 "eth4 is up"
refused 0000:01:00.0 "0000:01:00.0 is not a network controller (PCI class 0x010802)"
refused 0000:3b:00.5 "0000:3b:00.5 has driver ixgbe but no interface in this network namespace"
# One refused device stops the whole run: the free one named with it is not bound either.
out=$(nb --dry-run eth1 eth2 2>&1) && fail "eth1 eth2 was accepted: $out"
grep -q "would run" <<<"$out" && fail "a run with a refused device still plans commands: $out"

# plan_is ARGS... -- LINE...: --dry-run ARGS exits 0 and prints exactly these lines.
plan_is() {
  local args=() out
  while [ "$1" != -- ]; do args+=("$1"); shift; done
  shift
  out=$(nb --dry-run "${args[@]}" 2>&1) || fail "${args[*]}: refused: $out"
  [ "$out" = "$(printf '%s\n' "$@")" ] || fail "${args[*]}: plan was:
$out
expected:
$(printf '%s\n' "$@")"
}
plan_is eth1 -- "would run: modprobe vfio-pci" \
  "would record in $T/state/0000:3b:00.0: driver=ixgbe iface=eth1" \
  "would run: $T/devbind --bind=vfio-pci 0000:3b:00.0"
plan_is 0000:3b:00.0 -- "would run: modprobe vfio-pci" \
  "would record in $T/state/0000:3b:00.0: driver=ixgbe iface=eth1" \
  "would run: $T/devbind --bind=vfio-pci 0000:3b:00.0"
plan_is eth1 0000:3b:00.0 -- "would run: modprobe vfio-pci" \
  "would record in $T/state/0000:3b:00.0: driver=ixgbe iface=eth1" \
  "would run: $T/devbind --bind=vfio-pci 0000:3b:00.0"
plan_is 0000:3c:00.0 -- "would run: modprobe vfio-pci" "0000:3c:00.0: already bound to vfio-pci"

# Unknown names are errors, and nothing is planned.
for bad in eth9 0000:99:00.0 not-a-pci:00; do
  out=$(nb --dry-run eth1 "$bad" 2>&1) && fail "$bad accepted: $out"
  grep -q "$bad" <<<"$out" || fail "$bad: the error does not name it: $out"
  grep -q "would run" <<<"$out" && fail "$bad: still plans commands: $out"
done

# --restore gives the device back to the driver recorded at bind time (by address or recorded name).
mkdir -p "$T/state"
printf 'driver=ixgbe\niface=eth7\n' >"$T/state/0000:3c:00.0"
plan_is --restore 0000:3c:00.0 -- "would run: $T/devbind --bind=ixgbe 0000:3c:00.0" \
  "would remove $T/state/0000:3c:00.0"
plan_is --unbind eth7 -- "would run: $T/devbind --bind=ixgbe 0000:3c:00.0" \
  "would remove $T/state/0000:3c:00.0"
out=$(nb --dry-run --restore 0000:3b:00.0 2>&1) && fail "restore without a record accepted: $out"
grep -qF "no driver recorded" <<<"$out" || fail "restore without a record: $out"

[ ! -e "$T/devbind-ran" ] || fail "--dry-run ran dpdk-devbind.py: $(cat "$T/devbind-ran")"
[ "$(cat "$T/state/0000:3c:00.0")" = $'driver=ixgbe\niface=eth7' ] || fail "--dry-run changed the state dir"
[ "$(ls "$T/state")" = 0000:3c:00.0 ] || fail "--dry-run wrote to the state dir: $(ls "$T/state")"
note "7 busy or foreign devices refused with their reasons, free ones planned for vfio-pci, unknown names refused"
