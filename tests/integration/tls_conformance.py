#!/usr/bin/python3
"""Crafted TLS records against the lab's TLS listener (test_tls_conformance.sh). Python's ssl (OpenSSL)
runs the handshakes over memory BIOs on a plain socket, so the script can write records of its own after.

  tls_conformance.py flood-after-alert HOST PORT [--bytes N] [--seconds S]
      TLS 1.3 handshake, then a forged application-data record (bad_record_mac), then N bytes of junk
      as fast as the socket takes them. Prints JSON: whether the connection was reset, how many junk
      bytes the socket took, how many of them were still unacknowledged at the end (the server's window
      closed on them) and after how many seconds it ended. Exit 0 when the connection was reset, or
      everything was acknowledged, within S seconds; 1 when it was left stalled.
  tls_conformance.py legacy-version HOST PORT
      a ClientHello whose legacy_version is 0x0300 (SSL 3.0); prints JSON with the alert received.
"""
import argparse
import fcntl
import json
import socket
import ssl
import struct
import sys
import termios
import time


def client_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def handshake(sock, ctx, server_name="lab.tollgate.test"):
    """Runs the handshake over memory BIOs on `sock`; returns the SSLObject."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=server_name)
    while True:
        try:
            obj.do_handshake()
            sock.sendall(outgoing.read())
            return obj
        except ssl.SSLWantReadError:
            sock.sendall(outgoing.read())
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("closed during the handshake")
            incoming.write(data)


def first_alert(data):
    """The (level, description) of the first plaintext alert record in `data`, or None."""
    at = 0
    while at + 5 <= len(data):
        length = int.from_bytes(data[at + 3:at + 5], "big")
        if data[at] == 21 and length == 2 and at + 7 <= len(data):
            return data[at + 5], data[at + 6]
        at += 5 + length
    return None


def unacknowledged(sock):
    """Bytes in the socket's send queue: not yet acknowledged by the server (Linux SIOCOUTQ)."""
    return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]


def flood_after_alert(args):
    ctx = client_context()
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    sock = socket.create_connection((args.host, args.port), timeout=10)
    handshake(sock, ctx)
    sock.sendall(b"\x17\x03\x03\x00\x20" + b"x" * 32)  # right framing, wrong tag
    sock.setblocking(False)
    junk = b"j" * 16384
    sent = 0
    received = b""
    reset = False
    closed = False
    start = time.monotonic()
    while time.monotonic() - start < args.seconds:
        try:
            data = sock.recv(65536)
            if not data:
                closed = True
            received += data
        except BlockingIOError:
            pass
        except ConnectionResetError:
            reset = True
            break
        try:
            if sent < args.bytes:
                sent += sock.send(junk[: min(len(junk), args.bytes - sent)])
            elif unacknowledged(sock) == 0:
                break
            else:
                time.sleep(0.01)
        except BlockingIOError:
            time.sleep(0.001)
        except (ConnectionResetError, BrokenPipeError):
            reset = True
            break
    elapsed = time.monotonic() - start
    left = 0 if reset else unacknowledged(sock)
    sock.close()
    print(json.dumps({"reset": reset, "closed": closed, "junk_sent": sent, "unacknowledged": left,
                      "seconds": round(elapsed, 3), "bytes_received": len(received)}))
    return 0 if (reset or left == 0) and elapsed < args.seconds else 1


def legacy_version(args):
    ctx = client_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="lab.tollgate.test")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = bytearray(outgoing.read())
    hello[9:11] = b"\x03\x00"  # record header (5), handshake header (4), legacy_version
    sock = socket.create_connection((args.host, args.port), timeout=5)
    sock.sendall(bytes(hello))
    data = b""
    try:
        while len(data) < 7:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    sock.close()
    alert = first_alert(data)
    print(json.dumps({"alert_level": alert[0] if alert else None,
                      "alert": alert[1] if alert else None}))
    return 0 if alert else 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["flood-after-alert", "legacy-version"])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--bytes", type=int, default=1 << 20)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    if args.command == "flood-after-alert":
        return flood_after_alert(args)
    return legacy_version(args)


if __name__ == "__main__":
    sys.exit(main())
