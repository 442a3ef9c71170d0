#!/usr/bin/python3
"""A well-behaved HTTPS client for bench/hostile.sh: RATE requests per second for SECONDS, each on a new
connection (TCP, full TLS handshake, GET PATH, close), started on schedule whatever the earlier ones are
doing (no coordinated omission: up to 256 in flight). A request succeeds when a 2xx arrives within
TIMEOUT seconds; latency is connect to the end of the body.

  good_client.py HOST PORT --rate R --seconds S [--path /] [--timeout 5] [--sni lab.tollgate.test]
Prints JSON: requests, succeeded, success_pct, p50_ms, p99_ms (of the successful ones).
"""
import argparse
import json
import socket
import ssl
import threading
import time


def one(a, ctx, results, lock):
    t0 = time.perf_counter()
    ok = False
    try:
        with socket.create_connection((a.host, a.port), timeout=a.timeout) as raw:
            raw.settimeout(max(0.1, a.timeout - (time.perf_counter() - t0)))
            with ctx.wrap_socket(raw, server_hostname=a.sni) as s:
                s.sendall(f"GET {a.path} HTTP/1.1\r\nHost: {a.sni}\r\nConnection: close\r\n\r\n".encode())
                data = b""
                while True:
                    if time.perf_counter() - t0 > a.timeout:
                        raise TimeoutError
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                ok = data[9:10] == b"2"
    except (OSError, ssl.SSLError, TimeoutError):
        ok = False
    ms = (time.perf_counter() - t0) * 1000
    with lock:
        results.append((ok, ms))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--rate", type=float, default=20)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--path", default="/")
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("--sni", default="lab.tollgate.test")
    a = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    results, lock, threads = [], threading.Lock(), []
    n = int(a.rate * a.seconds)
    start = time.perf_counter()
    for i in range(n):
        delay = start + i / a.rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        threads = [t for t in threads if t.is_alive()]
        if len(threads) >= 256:  # the client's own bound: count as failed rather than queue
            with lock:
                results.append((False, a.timeout * 1000))
            continue
        t = threading.Thread(target=one, args=(a, ctx, results, lock), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join(a.timeout + 1)
    ok = sorted(ms for good, ms in results if good)

    def pct(p):
        return round(ok[min(len(ok) - 1, int(p * len(ok)))], 1) if ok else None

    print(json.dumps({"requests": n, "succeeded": len(ok), "success_pct": round(100.0 * len(ok) / max(1, n), 2),
                      "p50_ms": pct(0.50), "p99_ms": pct(0.99)}))


if __name__ == "__main__":
    main()
