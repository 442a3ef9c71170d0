#!/usr/bin/python3
"""Hogs the dataplane's packet buffers: COUNT connections to DST:PORT, each writing pipelined requests
(up to BYTES, as far as the windows take them) and never reading an answer, so each connection's
received data waits in the dataplane's buffers. Holds them HOLD seconds, then resets them all (SO_LINGER 0)
and prints one JSON line: connections made, bytes written, how long the writing phase ran.

  buffer_hog.py DST PORT COUNT BYTES HOLD [FILL_SECONDS]
"""
import json
import selectors
import socket
import struct
import sys
import time

REQUEST = b"GET /tollgate/health HTTP/1.1\r\nHost: lab\r\n\r\n"


def main(argv):
    dst, port, count, limit, hold = argv[1], int(argv[2]), int(argv[3]), int(argv[4]), float(argv[5])
    fill_seconds = float(argv[6]) if len(argv) > 6 else 10.0
    payload = REQUEST * (65536 // len(REQUEST))
    sel = selectors.DefaultSelector()
    socks, written = [], {}
    for _ in range(count):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # our answers are not read
        s.settimeout(3)
        try:
            s.connect((dst, port))
        except OSError:
            s.close()
            continue
        s.setblocking(False)
        socks.append(s)
        written[s] = 0
        sel.register(s, selectors.EVENT_WRITE)
    start = time.time()
    open_writers = len(socks)
    while open_writers and time.time() - start < fill_seconds:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                n = s.send(payload[: min(len(payload), limit - written[s])])
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:  # reset by the dataplane: this one is done
                sel.unregister(s)
                open_writers -= 1
                continue
            written[s] += n
            if written[s] >= limit:
                sel.unregister(s)
                open_writers -= 1
    fill = time.time() - start
    time.sleep(max(0.0, hold - fill))
    for s in socks:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    print(json.dumps({"connections": len(socks), "bytes": sum(written.values()), "fill_seconds": round(fill, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
