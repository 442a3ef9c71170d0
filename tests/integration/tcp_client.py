#!/usr/bin/python3
"""Linux TCP clients for the TCP listener tests (run inside the client namespace).

  tcp_client.py echo HOST PORT BYTES            stream BYTES through an echo path, compare SHA-256 both ways
  tcp_client.py concurrent HOST PORT N BYTES    N connections at once, each echoing BYTES
  tcp_client.py halfclose HOST PORT BYTES       send, shut down writing, read the echo to EOF
  tcp_client.py expect-reset HOST PORT SECONDS  the connection must be reset (or closed) within SECONDS
  tcp_client.py abort HOST PORT                 connect, send a little, close with RST (SO_LINGER 0)
  tcp_client.py idle HOST PORT MIN MAX          one echo, then silence: the connection must be reset between
                                                MIN and MAX seconds after the last byte
  tcp_client.py cps HOST PORT SECONDS PROCS     connections per second: open, 1 KiB echo, close, in PROCS processes

Prints one JSON line with what it measured; exits non-zero on any mismatch.
"""
import asyncio
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time


def pattern(n, seed):
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB of deterministic bytes
    whole, rest = divmod(n, len(block))
    return block * whole + block[:rest]


def echo(host, port, nbytes, timeout=600):
    data_block = pattern(1 << 20, 1)
    sent_hash, got_hash = hashlib.sha256(), hashlib.sha256()
    s = socket.create_connection((host, port), timeout=timeout)
    start = time.time()
    received = 0

    def reader():
        nonlocal received
        while received < nbytes:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            got_hash.update(chunk)
            received += len(chunk)

    t = threading.Thread(target=reader)
    t.start()
    left = nbytes
    while left:
        chunk = data_block[: min(left, len(data_block))]
        s.sendall(chunk)
        sent_hash.update(chunk)
        left -= len(chunk)
    t.join(timeout)
    secs = time.time() - start
    s.close()
    ok = received == nbytes and sent_hash.digest() == got_hash.digest()
    print(json.dumps({"bytes": nbytes, "received": received, "seconds": round(secs, 3),
                      "mbit_per_s": round(nbytes * 8 / secs / 1e6, 1), "sha256_equal": ok}))
    return ok


async def one_echo(host, port, nbytes, i):
    payload = pattern(nbytes, i)
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(payload)
    await writer.drain()
    got = await reader.readexactly(nbytes)
    writer.close()
    await writer.wait_closed()
    return got == payload


async def concurrent(host, port, n, nbytes):
    start = time.time()
    results = await asyncio.gather(*(one_echo(host, port, nbytes, i) for i in range(n)), return_exceptions=True)
    good = sum(1 for r in results if r is True)
    errors = [repr(r) for r in results if r is not True][:5]
    print(json.dumps({"connections": n, "bytes_each": nbytes, "intact": good, "seconds": round(time.time() - start, 3),
                      "errors": errors}))
    return good == n


def halfclose(host, port, nbytes):
    payload = pattern(nbytes, 7)
    s = socket.create_connection((host, port), timeout=30)
    s.sendall(payload)
    s.shutdown(socket.SHUT_WR)
    got = bytearray()
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    s.close()
    ok = bytes(got) == payload
    print(json.dumps({"bytes": nbytes, "echoed_before_eof": len(got), "equal": ok}))
    return ok


def expect_reset(host, port, seconds):
    start = time.time()
    s = socket.socket()
    s.settimeout(seconds)
    outcome = "open"
    try:
        s.connect((host, port))
        s.sendall(b"hello")
        data = s.recv(100)
        outcome = "eof" if not data else "data"
    except ConnectionResetError:
        outcome = "reset"
    except ConnectionRefusedError:
        outcome = "refused"
    except socket.timeout:
        outcome = "timeout"
    elapsed = time.time() - start
    print(json.dumps({"outcome": outcome, "seconds": round(elapsed, 3)}))
    return outcome in ("reset", "refused", "eof") and elapsed < seconds


def idle(host, port, least, most):
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(b"hello")
    got = b""
    while len(got) < 5:
        chunk = s.recv(5 - len(got))
        if not chunk:
            break
        got += chunk
    quiet_from = time.time()
    s.settimeout(most + 5)
    outcome = "open"
    try:
        outcome = "eof" if not s.recv(100) else "data"
    except ConnectionResetError:
        outcome = "reset"
    except socket.timeout:
        outcome = "timeout"
    elapsed = time.time() - quiet_from
    print(json.dumps({"echoed": got == b"hello", "outcome": outcome, "seconds": round(elapsed, 3)}))
    return got == b"hello" and outcome == "reset" and least <= elapsed <= most


def abort(host, port):
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(b"about to reset")
    s.recv(100)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print(json.dumps({"aborted": True}))
    return True


def cps_worker(args):
    host, port, seconds = args
    payload = b"x" * 1024
    end = time.time() + seconds
    done = failed = 0
    while time.time() < end:
        try:
            s = socket.create_connection((host, port), timeout=5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # no TIME-WAIT pile-up
            s.sendall(payload)
            got = 0
            while got < len(payload):
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += len(chunk)
            s.close()
            done += got == len(payload)
            failed += got != len(payload)
        except OSError:
            failed += 1
    return done, failed


def cps(host, port, seconds, procs):
    import multiprocessing
    with multiprocessing.Pool(procs) as pool:
        results = pool.map(cps_worker, [(host, port, seconds)] * procs)
    done = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    print(json.dumps({"connections": done, "failed": failed, "seconds": seconds, "per_second": round(done / seconds, 1)}))
    return failed == 0


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, host, port = argv[1], argv[2], int(argv[3])
    if cmd == "echo":
        ok = echo(host, port, int(argv[4]))
    elif cmd == "concurrent":
        ok = asyncio.run(concurrent(host, port, int(argv[4]), int(argv[5])))
    elif cmd == "halfclose":
        ok = halfclose(host, port, int(argv[4]))
    elif cmd == "expect-reset":
        ok = expect_reset(host, port, float(argv[4]))
    elif cmd == "abort":
        ok = abort(host, port)
    elif cmd == "idle":
        ok = idle(host, port, float(argv[4]), float(argv[5]))
    elif cmd == "cps":
        ok = cps(host, port, float(argv[4]), int(argv[5]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
