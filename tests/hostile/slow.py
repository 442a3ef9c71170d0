#!/usr/bin/python3
"""Slow and idle clients against the lab's listeners: each connection is watched (TCP_INFO, without reading
what the server sent, so a zero window stays zero) for when the server ended it.

  slow.py loris PORT CONNS [--tls] [--seconds S]
      CONNS connections each send a request head at one byte per second and never finish it.
  slow.py read PORT CONNS [--tls] [--path P] [--push BYTES] [--seconds S]
      CONNS connections with a 2 KiB receive buffer that never read: with --path, GET P (a large answer
      from a listener that speaks HTTP); with --push, BYTES of data written as the window allows (the
      echo of an L4 listener comes back and is never read).
  slow.py idle PORT CONNS [--tls] [--no-handshake] [--seconds S]
      CONNS connections that do nothing (--tls: after a full handshake; --no-handshake: not even that,
      the TLS listener waits for a ClientHello that never comes).
All run at most S seconds (default 20), then print JSON: how many connections the server ended (RST or
FIN), when (seconds after the connection opened, or for read after our last byte: p50 and max), and, for loris, how many
answered 408 first. Exit 0 (the case asserts on the JSON).
"""
import argparse
import json
import resource
import selectors
import socket
import ssl
import struct
import sys
import time

from hostile_http import SNI, VIP

ESTABLISHED = 1


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, n + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def tcp_state(sock):
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
    return struct.unpack("B", info[:1])[0]


def tls_ctx():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def open_conn(port, tls, rcvbuf=None, handshake=True):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect((VIP, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if tls and handshake:
        s = tls_ctx().wrap_socket(s, server_hostname=SNI)
    return s


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.opened = self.last_sent = time.time()
        self.ended = None  # when the server ended it
        self.got_408 = False
        self.pos = 0


def summary(conns, extra, since_last_sent=False):
    """Times are from the connection's start, or (slow readers) from the last byte we sent."""
    ended = sorted(c.ended - (c.last_sent if since_last_sent else c.opened) for c in conns if c.ended is not None)
    out = {"connections": len(conns), "ended_by_server": len(ended),
           "ended_p50_s": round(ended[len(ended) // 2], 1) if ended else None,
           "ended_max_s": round(ended[-1], 1) if ended else None}
    out.update(extra)
    print(json.dumps(out))


def watch(conns, deadline, step=None):
    """Until DEADLINE or every connection ended: STEP(conn) once a second for the live ones."""
    next_step = 0.0
    while time.time() < deadline and any(c.ended is None for c in conns):
        now = time.time()
        for c in conns:
            if c.ended is not None:
                continue
            try:
                state = tcp_state(c.sock)
            except OSError:
                state = 0
            if state != ESTABLISHED:
                c.ended = now
        if step and now >= next_step:
            next_step = now + 1.0
            for c in conns:
                if c.ended is None:
                    step(c)
        time.sleep(0.2)


def loris(a):
    head = b"GET /loris HTTP/1.1\r\nHost: lab.tollgate.test\r\nUser-Agent: loris\r\n" + b"X-Pad: " + b"a" * 4000
    conns = [Conn(open_conn(a.port, a.tls)) for _ in range(a.conns)]
    sel = selectors.DefaultSelector()
    for c in conns:
        c.sock.setblocking(False)
        sel.register(c.sock, selectors.EVENT_READ, c)

    def step(c):
        try:
            c.sock.send(head[c.pos:c.pos + 1])  # one byte (over TLS: a one-byte record)
            c.pos += 1
            c.last_sent = time.time()
        except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
            pass
        except OSError:
            pass
        for key, _ in sel.select(0):  # an answer (408) before the close
            try:
                data = key.data.sock.recv(4096)
                if data.startswith(b"HTTP/1.1 408"):
                    key.data.got_408 = True
            except (OSError, ssl.SSLError):
                pass

    watch(conns, time.time() + a.seconds, step)
    for c in conns:  # the 408s of connections that ended between two steps
        try:
            data = c.sock.recv(4096)
            if data.startswith(b"HTTP/1.1 408"):
                c.got_408 = True
        except (OSError, ssl.SSLError):
            pass
    summary(conns, {"answered_408": sum(c.got_408 for c in conns)})
    for c in conns:
        c.sock.close()


def slow_read(a):
    conns = []
    for _ in range(a.conns):
        c = Conn(open_conn(a.port, a.tls, rcvbuf=2048))
        if a.path:
            c.sock.sendall(b"GET %s HTTP/1.1\r\nHost: lab.tollgate.test\r\n\r\n" % a.path.encode())
        c.sock.setblocking(False)
        conns.append(c)
    chunk = b"x" * 16384

    def push(c):
        while c.pos < a.push:
            try:
                n = c.sock.send(chunk[:min(len(chunk), a.push - c.pos)])
            except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError, OSError):
                return
            c.pos += n
            c.last_sent = time.time()

    watch(conns, time.time() + a.seconds, push if a.push else None)
    summary(conns, {"pushed_bytes": [c.pos for c in conns][:8]}, since_last_sent=True)
    for c in conns:
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.sock.close()


def idle(a):
    conns = [Conn(open_conn(a.port, a.tls, handshake=not a.no_handshake)) for _ in range(a.conns)]
    watch(conns, time.time() + a.seconds)
    summary(conns, {})
    for c in conns:
        c.sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["loris", "read", "idle"])
    ap.add_argument("port", type=int)
    ap.add_argument("conns", type=int)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--no-handshake", action="store_true")
    ap.add_argument("--path", default="")
    ap.add_argument("--push", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=20)
    a = ap.parse_args()
    raise_nofile(a.conns)
    {"loris": loris, "read": slow_read, "idle": idle}[a.mode](a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
