#!/usr/bin/python3
"""Pipelining attacks on the lab's HTTP listeners (issue 16, confirmed crash 1).

  pipeline.py storm PORT COUNT [--delay-ms MS] [--forward-every K] [--tls --ca FILE] [--timeout S]
      One connection, one write: GET /api/delay/MS first (when MS > 0), then COUNT pipelined requests,
      GET /tollgate/health (answered by the balancer) except every K-th, GET /probe/p<i> (forwarded to the
      probe backend). A second thread reads every answer and checks it is the one for its request, in
      order (the health body, or the backend's JSON naming that path). Prints JSON; exit 0 only when all
      COUNT (+1) requests were answered, in order, within S seconds.
  pipeline.py noread PORT CONNS COUNT [--seconds S] [--tls --ca FILE]
      CONNS connections with a tiny receive buffer each write up to COUNT pipelined GET /tollgate/health
      and never read an answer; after S seconds they are closed. Prints how much each got written.
"""
import argparse
import json
import ssl
import sys
import threading
import time

from hostile_http import Closed, Reader, connect

HEALTH = b"GET /tollgate/health HTTP/1.1\r\nHost: lab.tollgate.test\r\n\r\n"


def storm(a):
    reqs = []
    expect = []
    if a.delay_ms:
        reqs.append(b"GET /api/delay/%d HTTP/1.1\r\nHost: lab.tollgate.test\r\n\r\n" % a.delay_ms)
        expect.append(("json", "/api/delay/%d" % a.delay_ms))
    for i in range(a.count):
        if a.forward_every and i % a.forward_every == 0:
            reqs.append(b"GET /probe/p%d HTTP/1.1\r\nHost: lab.tollgate.test\r\n\r\n" % i)
            expect.append(("json", "/probe/p%d" % i))
        else:
            reqs.append(HEALTH)
            expect.append(("health", None))
    s = connect(a.port, tls=a.tls, ca=a.ca, timeout=a.timeout)
    payload = b"".join(reqs)
    sent = []

    def send():
        try:
            s.sendall(payload)  # one write; the kernel splits it into segments as the window allows
            sent.append(len(payload))
        except OSError as e:
            sent.append(f"send failed: {e}")

    t = threading.Thread(target=send, daemon=True)
    start = time.time()
    t.start()
    r = Reader(s)
    answered = 0
    error = None
    deadline = start + a.timeout
    try:
        for kind, path in expect:
            s.settimeout(max(0.1, deadline - time.time()))
            resp = r.response()
            if kind == "health":
                if resp.status != 200 or resp.body != b"ok\n":
                    error = f"answer {answered}: expected the health answer, got {resp.status} {resp.body[:60]!r}"
                    break
            else:
                try:
                    seen = json.loads(resp.body)["path"]
                except (ValueError, KeyError):
                    seen = None
                if resp.status != 200 or seen != path:
                    error = f"answer {answered}: expected the backend's answer for {path}, got {resp.status} {resp.body[:80]!r}"
                    break
            answered += 1
    except (Closed, OSError, ValueError) as e:
        error = f"after {answered} answers: {type(e).__name__}: {e}"
    out = {"requests": len(expect), "answered": answered, "seconds": round(time.time() - start, 2),
           "sent": sent[0] if sent else "still sending"}
    if error:
        out["error"] = error
    print(json.dumps(out))
    return 0 if answered == len(expect) else 1


def noread(a):
    conns = []
    for _ in range(a.conns):
        s = connect(a.port, tls=a.tls, ca=a.ca, rcvbuf=1024)
        s.setblocking(False)
        conns.append([s, 0])
    payload = HEALTH * a.count
    deadline = time.time() + a.seconds
    while time.time() < deadline:
        progress = False
        for c in conns:
            if c[1] >= len(payload):
                continue
            try:
                n = c[0].send(payload[c[1]:c[1] + 65536])
                c[1] += n
                progress = progress or n > 0
            except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                pass
            except OSError:
                c[1] = len(payload)  # reset by the peer: nothing more to push
        if not progress:
            time.sleep(0.05)
    written = [c[1] // len(HEALTH) for c in conns]
    for c in conns:
        c[0].close()
    print(json.dumps({"connections": a.conns, "requests_written": written}))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("storm")
    s.add_argument("port", type=int)
    s.add_argument("count", type=int)
    s.add_argument("--delay-ms", type=int, default=0)
    s.add_argument("--forward-every", type=int, default=0)
    s.add_argument("--timeout", type=float, default=30)
    n = sub.add_parser("noread")
    n.add_argument("port", type=int)
    n.add_argument("conns", type=int)
    n.add_argument("count", type=int)
    n.add_argument("--seconds", type=float, default=8)
    for p in (s, n):
        p.add_argument("--tls", action="store_true")
        p.add_argument("--ca")
    a = ap.parse_args()
    return storm(a) if a.cmd == "storm" else noread(a)


if __name__ == "__main__":
    sys.exit(main())
