#!/usr/bin/python3
"""WebSocket (RFC 6455) client for the lab's HTTP listener tests, against scripts/lab/backend.py's /ws echo.

  ws_client.py echo HOST PORT [--path /ws] [--sizes 10,100000,1000000] [--timeout S]
      handshake (101, Upgrade/Connection, Sec-WebSocket-Accept computed from our key); text and binary
      messages of each size, masked, echoed byte for byte (SHA-256 compared too); payloads at the 7/16/64-bit
      length boundaries with the server's length encoding checked; a fragmented text message with a ping
      between its fragments; ping/pong; the close handshake (our 1000 echoed, then the server's FIN).
      Prints JSON; exit 0 only if everything held.

Standard library only (/usr/bin/python3).
"""
import argparse
import base64
import hashlib
import json
import os
import random
import socket
import struct
import sys
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
NAMES = {CONT: "continuation", TEXT: "text", BINARY: "binary", CLOSE: "close", PING: "ping", PONG: "pong"}


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def mask(data, key):
    n = len(data)
    if n == 0:
        return data
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(k, "little")).to_bytes(n, "little")


def length_form(n):
    return 7 if n < 126 else 16 if n < 65536 else 64


class Client:
    def __init__(self, host, port, path, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile = self.sock.makefile("rb")
        self.host, self.port, self.path = host, port, path

    def handshake(self):
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        status = self.rfile.readline(65536).decode("latin-1").rstrip("\r\n")
        headers = {}
        while True:
            line = self.rfile.readline(65536)
            check(line, f"connection closed in the response head after {status!r}")
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        check(status.split(" ")[1:2] == ["101"], f"expected 101, got {status!r}")
        check(headers.get("upgrade", "").lower() == "websocket", f"Upgrade header: {headers.get('upgrade')!r}")
        check("upgrade" in [t.strip().lower() for t in headers.get("connection", "").split(",")],
              f"Connection header: {headers.get('connection')!r}")
        want = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        check(headers.get("sec-websocket-accept") == want,
              f"Sec-WebSocket-Accept {headers.get('sec-websocket-accept')!r}, expected {want!r}")
        return status, want

    def send(self, opcode, payload, fin=True):
        """A client frame: always masked (RFC 6455 5.3)."""
        b0 = (0x80 if fin else 0) | opcode
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", b0, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", b0, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", b0, 0x80 | 127, n)
        key = os.urandom(4)
        self.sock.sendall(head + key + mask(payload, key))

    def read_exact(self, n):
        data = self.rfile.read(n) if n else b""
        check(len(data) == n, f"connection ended mid-frame ({len(data)} of {n} bytes)")
        return data

    def recv(self):
        """(fin, opcode, payload, length form) of the next server frame, which must be unmasked."""
        b0, b1 = self.read_exact(2)
        check(not b0 & 0x70, "RSV bits set by the server")
        check(not b1 & 0x80, "the server masked a frame")
        n, form = b1 & 0x7F, 7
        if n == 126:
            (n,), form = struct.unpack("!H", self.read_exact(2)), 16
        elif n == 127:
            (n,), form = struct.unpack("!Q", self.read_exact(8)), 64
        return bool(b0 & 0x80), b0 & 0x0F, self.read_exact(n), form

    def expect(self, opcode, payload, fin=True, what=""):
        got_fin, got_op, got, form = self.recv()
        check(got_op == opcode, f"{what}: opcode {NAMES.get(got_op, got_op)}, expected {NAMES[opcode]}")
        check(got_fin == fin, f"{what}: FIN {got_fin}, expected {fin}")
        check(len(got) == len(payload), f"{what}: {len(got)} bytes echoed, expected {len(payload)}")
        check(hashlib.sha256(got).digest() == hashlib.sha256(payload).digest(), f"{what}: SHA-256 differs")
        check(got == payload, f"{what}: bytes differ")
        check(form == length_form(len(payload)), f"{what}: {form}-bit length for {len(payload)} bytes")
        return form


def text_payload(n, rng):
    """Exactly n bytes of valid UTF-8 with 1-, 2- and 3-byte characters."""
    alphabet = ["a", "Z", "7", " ", "é", "ß", "€", "✓"]
    data = "".join(rng.choices(alphabet, k=n // 2 + 1)).encode()[:n]
    data = data.decode("utf-8", errors="ignore").encode()  # drop a character cut at the end
    return data + b"x" * (n - len(data))


def run_echo(args):
    rng = random.Random(int.from_bytes(os.urandom(8), "little"))
    c = Client(args.host, args.port, args.path, args.timeout)
    result = {}
    status, accept = c.handshake()
    result["status"] = status
    result["accept"] = accept
    start = time.monotonic()
    messages = 0
    echoed = 0
    for size in args.sizes:
        for opcode in (TEXT, BINARY):
            payload = text_payload(size, rng) if opcode == TEXT else os.urandom(size)
            c.send(opcode, payload)
            c.expect(opcode, payload, what=f"{NAMES[opcode]} {size} B")
            messages += 1
            echoed += size
    result["messages"] = messages
    result["bytes_echoed"] = echoed

    forms = {}
    for size in (0, 125, 126, 65535, 65536):
        payload = os.urandom(size)
        c.send(BINARY, payload)
        forms[size] = c.expect(BINARY, payload, what=f"binary {size} B (length boundary)")
    result["length_forms"] = forms

    # A fragmented text message with a ping between its fragments: the echo keeps the frames as sent.
    parts = [text_payload(1000, rng), text_payload(70000, rng), text_payload(10, rng)]
    c.send(TEXT, parts[0], fin=False)
    c.send(PING, b"mid-message")
    c.send(CONT, parts[1], fin=False)
    c.send(CONT, parts[2], fin=True)
    c.expect(TEXT, parts[0], fin=False, what="fragment 1")
    c.expect(PONG, b"mid-message", what="pong between fragments")
    c.expect(CONT, parts[1], fin=False, what="fragment 2")
    c.expect(CONT, parts[2], fin=True, what="fragment 3")
    result["fragmented"] = [len(p) for p in parts]

    ping = os.urandom(125)
    c.send(PING, ping)
    c.expect(PONG, ping, what="pong")
    c.send(PING, b"")
    c.expect(PONG, b"", what="empty pong")
    result["pings"] = 3

    c.send(CLOSE, struct.pack("!H", 1000) + b"bye")
    fin, opcode, payload, _ = c.recv()
    check(opcode == CLOSE and fin, f"expected a close frame, got {NAMES.get(opcode, opcode)}")
    check(payload[:2] == struct.pack("!H", 1000), f"close code {payload[:2].hex()}, expected 1000 (03e8)")
    check(c.rfile.read(1) == b"", "the server sent more after its close frame")
    result["close"] = 1000
    result["seconds"] = round(time.monotonic() - start, 3)
    c.sock.close()
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["echo"])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--path", default="/ws")
    ap.add_argument("--sizes", default="10,100000,1000000",
                    type=lambda s: [int(x) for x in s.split(",")])
    ap.add_argument("--timeout", type=float, default=20)
    args = ap.parse_args()
    try:
        result = run_echo(args)
    except (Failure, OSError) as e:
        print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))
        return 1
    result["ok"] = True
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
