#!/usr/bin/python3
"""Send malformed Ethernet frames at the Tollgate dataplane.

Usage (inside the client network namespace, as root):
  /usr/bin/python3 tests/integration/inject_garbage.py --iface IFACE \
      --dst-mac MAC --src-ip A --dst-ip B [--count-each N] [--seed S]

The dataplane parses raw frames itself, so every parser branch must survive
hostile input. Each kind below is a valid ICMP echo request (or ARP request)
from A to B with exactly one thing broken, so a crash or counter change can
be pinned to one specific check. Prints {"kind": frames_sent, ..., "total": n}.

"total" counts only frames a correct receiver must drop, so tests can compare
it with drop counters. TTL 1 is the exception: it only matters when
forwarding, so an echo request with TTL 1 addressed to B is valid and gets
answered. It is still sent and listed, just left out of the total.
"""

import argparse
import errno
import ipaddress
import json
import random
import socket
import struct
import sys

ETH_IP, ETH_ARP, ETH_IP6, ETH_VLAN = 0x0800, 0x0806, 0x86DD, 0x8100
MAX_FRAME = 1514  # 1500-byte MTU plus the Ethernet header, no FCS
ETH_HLEN = 14
NOT_DROPPED = {"ipv4_ttl1"}  # see the module docstring


def csum(data):
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac_bytes(text):
    b = bytes.fromhex(text.replace(":", "").replace("-", ""))
    if len(b) != 6:
        raise ValueError(f"bad MAC address: {text}")
    return b


class Frames:
    """Builds frames; defaults give a well-formed packet, keywords break it."""

    def __init__(self, src_mac, dst_mac, src_ip, dst_ip, rng):
        self.src_mac, self.dst_mac = src_mac, dst_mac
        self.src_ip, self.dst_ip = src_ip, dst_ip
        self.rng = rng
        self.ip_id = rng.randrange(0x10000)

    def eth(self, ethertype, payload, dst=None):
        return (dst or self.dst_mac) + self.src_mac + struct.pack("!H", ethertype) + payload

    def icmp(self, type_=8, code=0, body=None, bad_csum=False):
        if body is None:
            # Echo identifier/sequence, then a recognisable payload.
            body = struct.pack("!HH", 0x7467, self.rng.randrange(0x10000)) + b"tollgate" * 4
        hdr = struct.pack("!BBH", type_, code, 0) + body
        c = csum(hdr)
        if bad_csum:
            c ^= 0x5A5A  # guaranteed different from the correct value
        return hdr[:2] + struct.pack("!H", c) + hdr[4:]

    def ipv4(self, payload, proto=1, ttl=64, version=4, ihl=None, options=b"",
             total_len=None, frag=0, bad_csum=False, dst=None):
        """IPv4 header + payload. frag is the raw flags/fragment-offset field."""
        if ihl is None:
            ihl = 5 + len(options) // 4
        if total_len is None:
            total_len = 20 + len(options) + len(payload)
        self.ip_id = (self.ip_id + 1) & 0xFFFF
        hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, total_len,
                          self.ip_id, frag, ttl, proto, 0,
                          self.src_ip, dst or self.dst_ip) + options
        c = csum(hdr)
        if bad_csum:
            c ^= 0x5A5A
        return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload

    def echo(self, **ip_kw):
        """Ethernet frame carrying an ICMP echo request; ip_kw breaks the IP layer."""
        return self.eth(ETH_IP, self.ipv4(self.icmp(), **ip_kw))

    def arp(self, htype=1, ptype=ETH_IP, hlen=6, plen=4, op=1, target=None):
        target = target or self.dst_ip
        return self.eth(ETH_ARP, struct.pack(
            "!HHBBH6s4s6s4s", htype, ptype, hlen, plen, op,
            self.src_mac, self.src_ip, b"\0" * 6, target), dst=b"\xff" * 6)

    def random_bytes(self, n):
        return self.rng.randbytes(n)

    def short_icmp(self, n):
        """An n-byte (n < 8) ICMP echo request prefix, checksum correct where
        there is room for one, so shortness is the only fault."""
        if n < 4:
            return self.icmp(body=b"")[:n]
        return self.icmp(body=b"\x74\x67\x00\x01"[: n - 4])

    def long_total_len(self):
        msg = self.icmp()
        claimed = 20 + len(msg) + self.rng.randint(1, 1400)
        return self.eth(ETH_IP, self.ipv4(msg, total_len=claimed))


def build_kinds(f, other_ip, limits):
    """Map kind name -> zero-argument callable producing one frame.

    Callables, not frames, so repeated sends differ (IP id, random bytes).
    limits["min_len"] is read late: runt_lt14 goes first and discovers it.
    """
    r = f.rng
    ipv6 = struct.pack("!IHBB16s16s", 6 << 28, 8, 59, 64,  # next header: none
                       socket.inet_pton(socket.AF_INET6, "fe80::1"),
                       socket.inet_pton(socket.AF_INET6, "fe80::2")) + b"\0" * 8
    icmp_other = [0, 3, 5, 11, 13, 17, 42, 255]  # anything but echo request (8)
    kinds = {
        "runt_lt14": lambda: f.dst_mac[: r.randint(1, ETH_HLEN - 1)],
        # Complete Ethernet header, then a prefix of a good echo request,
        # so the only fault is being shorter than the 60-byte minimum.
        "runt_14_59": lambda: f.echo()[: r.randint(ETH_HLEN, 59)],
        "ethertype_88b5": lambda: f.eth(0x88B5, f.random_bytes(46)),
        "ethertype_1234": lambda: f.eth(0x1234, f.random_bytes(46)),
        "arp_bad_htype": lambda: f.arp(htype=6),
        "arp_bad_ptype": lambda: f.arp(ptype=ETH_IP6),
        "arp_bad_hlen": lambda: f.arp(hlen=8),
        "arp_bad_plen": lambda: f.arp(plen=16),
        "arp_bad_op": lambda: f.arp(op=9),
        "arp_truncated": lambda: f.arp()[: ETH_HLEN + r.randint(1, 27)],
        "arp_request_other_ip": lambda: f.arp(target=other_ip),
        "ipv4_bad_version": lambda: f.echo(version=r.choice([0, 5, 6, 15])),
        "ipv4_ihl_lt5": lambda: f.echo(ihl=r.randint(0, 4)),
        # Echo without payload: 28 bytes of IP, while IHL=15 claims 60 of header.
        "ipv4_ihl_gt_packet": lambda: f.eth(ETH_IP, f.ipv4(f.icmp(body=b"\0" * 4), ihl=15)),
        "ipv4_total_len_gt_frame": f.long_total_len,
        "ipv4_total_len_lt_ihl": lambda: f.echo(total_len=r.randint(0, 19)),
        "ipv4_bad_checksum": lambda: f.echo(bad_csum=True),
        "ipv4_ttl0": lambda: f.echo(ttl=0),
        "ipv4_ttl1": lambda: f.echo(ttl=1),
        "ipv4_frag_mf": lambda: f.echo(frag=0x2000),  # MF, offset 0
        "ipv4_frag_offset": lambda: f.echo(frag=185),  # last fragment at 1480
        # Router Alert: a real option that must not be mistaken for payload.
        "ipv4_options": lambda: f.echo(options=b"\x94\x04\x00\x00"),
        "ipv4_proto_253": lambda: f.eth(ETH_IP, f.ipv4(f.random_bytes(32), proto=253)),
        "icmp_truncated": lambda: f.eth(ETH_IP, f.ipv4(f.short_icmp(r.randint(1, 7)))),
        "icmp_bad_checksum": lambda: f.eth(ETH_IP, f.ipv4(f.icmp(bad_csum=True))),
        "icmp_other_type": lambda: f.eth(ETH_IP, f.ipv4(f.icmp(type_=r.choice(icmp_other)))),
        "ipv6_frame": lambda: f.eth(ETH_IP6, ipv6),
        "vlan_tagged": lambda: f.eth(ETH_VLAN, struct.pack("!HH", 100, ETH_IP)
                                     + f.ipv4(f.icmp())),
        # Locally administered address that is certainly not the target's.
        "other_unicast_dst_mac": lambda: f.eth(
            ETH_IP, f.ipv4(f.icmp()),
            dst=b"\x02\x00\x5e\x10\x00" + bytes([f.dst_mac[5] ^ 0xFF])),
        "broadcast_ipv4_bad_checksum": lambda: f.eth(
            ETH_IP, f.ipv4(f.icmp(), bad_csum=True), dst=b"\xff" * 6),
        "jumbo_1514_random": lambda: f.eth(ETH_IP, f.random_bytes(MAX_FRAME - ETH_HLEN)),
        # Entirely random, including the MACs: exercises the MAC filter.
        "random_bytes": lambda: f.random_bytes(r.randint(limits["min_len"], MAX_FRAME)),
        # Random after a real Ethernet address pair, so it reaches the parser.
        "random_to_dst": lambda: (f.dst_mac + f.src_mac
                                  + f.random_bytes(r.randint(max(limits["min_len"], 12),
                                                             MAX_FRAME) - 12)),
    }
    return kinds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iface", required=True)
    ap.add_argument("--dst-mac", required=True, type=mac_bytes)
    ap.add_argument("--src-ip", required=True, type=ipaddress.IPv4Address)
    ap.add_argument("--dst-ip", required=True, type=ipaddress.IPv4Address)
    ap.add_argument("--count-each", type=int, default=10)
    ap.add_argument("--seed", type=int, default=None,
                    help="make the random parts reproducible")
    args = ap.parse_args()

    try:
        with open(f"/sys/class/net/{args.iface}/address") as fh:
            src_mac = mac_bytes(fh.read().strip())
        # Protocol 0: transmit only, so we never queue received traffic.
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        sock.bind((args.iface, 0))
    except (OSError, ValueError) as e:
        print(f"inject_garbage: {args.iface}: {e}", file=sys.stderr)
        return 1

    limits = {"min_len": 1}

    def send(frame):
        try:
            sock.send(frame)
            return True
        except OSError as e:
            # Linux refuses frames shorter than the Ethernet header on an
            # Ethernet device (EINVAL), even for root. That is a property of
            # the sender, not a test failure: count 0 and stop drawing such
            # lengths for the random kinds.
            if e.errno == errno.EINVAL and len(frame) < ETH_HLEN:
                if limits["min_len"] < ETH_HLEN:
                    print("inject_garbage: kernel rejects frames < 14 bytes; "
                          "random lengths start at 14", file=sys.stderr)
                limits["min_len"] = ETH_HLEN
                return False
            raise

    other_ip = (ipaddress.IPv4Address(int(args.dst_ip) ^ 1)).packed
    f = Frames(src_mac, args.dst_mac, args.src_ip.packed, args.dst_ip.packed,
               random.Random(args.seed))
    counts = {}
    try:
        for name, make in build_kinds(f, other_ip, limits).items():
            counts[name] = sum(send(make()) for _ in range(args.count_each))
    except OSError as e:
        print(f"inject_garbage: send failed: {e}", file=sys.stderr)
        return 1
    counts["total"] = sum(n for k, n in counts.items() if k not in NOT_DROPPED)
    print(json.dumps(counts, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
