#!/usr/bin/python3
"""A transparent L2 relay between two interfaces that loses, duplicates, reorders and delays frames.

Stands in for `tc qdisc ... netem` on kernels built without sch_netem. Each direction is impaired on its
own: a frame is dropped with probability --loss, sent twice with --duplicate, held back an extra
--reorder-ms with --reorder (so later frames overtake it), and always delayed by --delay-ms plus up to
--jitter-ms. Runs for at most --seconds and exits by itself.

  impair.py --a IFACE --b IFACE [--loss P] [--duplicate P] [--reorder P] [--delay-ms D] [--jitter-ms J]
            [--reorder-ms R] [--seconds S] [--seed N] [--stats FILE]
"""
import argparse
import heapq
import json
import random
import selectors
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def open_raw(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    s.setblocking(False)
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--loss", type=float, default=0.0)
    ap.add_argument("--duplicate", type=float, default=0.0)
    ap.add_argument("--reorder", type=float, default=0.0)
    ap.add_argument("--delay-ms", type=float, default=0.0)
    ap.add_argument("--jitter-ms", type=float, default=0.0)
    ap.add_argument("--reorder-ms", type=float, default=5.0)
    ap.add_argument("--seconds", type=float, default=600.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stats", default="")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    socks = {args.a: open_raw(args.a), args.b: open_raw(args.b)}
    other = {args.a: socks[args.b], args.b: socks[args.a]}
    sel = selectors.DefaultSelector()
    for name, s in socks.items():
        sel.register(s, selectors.EVENT_READ, name)
    counts = {"relayed": 0, "lost": 0, "duplicated": 0, "reordered": 0, "send_errors": 0}
    pending = []  # (due, order, socket, frame)
    order = 0
    end = time.monotonic() + args.seconds

    def schedule(now, out, frame, extra):
        nonlocal order
        due = now + (args.delay_ms + rng.uniform(0, args.jitter_ms) + extra) / 1000.0
        heapq.heappush(pending, (due, order, out, frame))
        order += 1

    while True:
        now = time.monotonic()
        if now >= end:
            break
        while pending and pending[0][0] <= now:
            _, _, out, frame = heapq.heappop(pending)
            try:
                out.send(frame)
                counts["relayed"] += 1
            except OSError:
                counts["send_errors"] += 1
        timeout = min(end - now, max(0.0, pending[0][0] - now) if pending else 0.05)
        for key, _ in sel.select(timeout):
            s = key.fileobj
            out = other[key.data]
            for _ in range(256):
                try:
                    frame, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                except OSError:
                    return 1  # the interface went away (its namespace was deleted): nothing left to relay
                if addr[2] == PACKET_OUTGOING:
                    continue  # our own transmissions, seen again by the raw socket
                now = time.monotonic()
                if rng.random() < args.loss:
                    counts["lost"] += 1
                    continue
                extra = 0.0
                if rng.random() < args.reorder:
                    extra = args.reorder_ms
                    counts["reordered"] += 1
                schedule(now, out, frame, extra)
                if rng.random() < args.duplicate:
                    counts["duplicated"] += 1
                    schedule(now, out, frame, extra + 0.1)
    if args.stats:
        with open(args.stats, "w") as f:
            json.dump(counts, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
