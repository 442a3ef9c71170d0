#!/usr/bin/python3
"""Hand-made requests that a balancer must not let through as something else.

  rawhttp.py connect PORT [--tls]
      CONNECT 198.19.0.12:7000 with GET /smuggled in the same write: the answer must be 405 with an Allow
      header, and the bytes after the CONNECT head must never come back from a target as a raw tunnel.
  rawhttp.py paths PORT [--tls]
      /%61pi/x, /./api/x, //api/x ... must be routed like /api/x (the api pool: backend-1 or -2) and
      forwarded as /api/x.
  rawhttp.py local PORT [--tls]
      answers the balancer makes itself: an HTTP/1.0 keep-alive request gets Connection: keep-alive or a
      close (RFC 9112 9.3, else the client waits forever); HEAD gets no body (the GET pipelined after it
      must parse as its own answer).
  rawhttp.py smuggle PORT --log FILE [--tls] [--only NAME]
      the smuggling corpus; FILE is the probe backend's log (one line per request it parsed). Each entry
      must be refused (a 4xx/501 from the balancer, nothing reaching the target) or forwarded
      unambiguously: the target parsed exactly as many requests as the client got answers from it.
Prints one line per check; exit 1 if any failed.
"""
import argparse
import json
import sys
import time

from hostile_http import Closed, Reader, connect, read_all

FAILED = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILED.append(what)


class Bytes:
    """A socket stand-in that yields bytes already read, so Reader can parse a captured stream."""

    def __init__(self, data):
        self.data = data

    def recv(self, _n):
        out, self.data = self.data, b""
        return out


def responses(data):
    r = Reader(Bytes(data))
    out = []
    try:
        while True:
            out.append(r.response())
    except (Closed, ValueError, IndexError):
        pass
    return out, r.buf


def exchange(a, raw, quiet=2.0):
    s = connect(a.port, tls=a.tls)
    s.sendall(raw)
    data, closed = read_all(s, quiet)
    s.close()
    return data, closed


def from_backend(resp):
    return (resp.header("server") or "").startswith("BaseHTTP") or b'"server": "' in resp.body


def do_connect(a):
    raw = (b"CONNECT 198.19.0.12:7000 HTTP/1.1\r\nHost: 198.19.0.12:7000\r\n\r\n"
           b"GET /smuggled HTTP/1.1\r\nHost: internal\r\n\r\n")
    data, closed = exchange(a, raw)
    rs, rest = responses(data)
    first = rs[0] if rs else None
    check(first is not None and first.status == 405,
          f"CONNECT answered 405 (got {first.status if first else data[:60]!r})")
    check(first is not None and bool(first.header("allow")), f"405 carries Allow ({first.header('allow') if first else None})")
    check(b"GET /smuggled HTTP/1.1\r\nHost: internal" not in data, "the bytes after CONNECT never echoed back by a target")
    for r in rs[1:]:  # a later answer may only be an ordinary, routed request
        try:
            seen = json.loads(r.body)
            names = {k.lower() for k, _ in seen.get("headers", [])}
            check("x-request-id" in names and "x-forwarded-for" in names,
                  "a request after the CONNECT reached a target only as a routed request (X-Request-Id, X-Forwarded-For)")
        except ValueError:
            check(r.status >= 400, f"answer after the CONNECT: {r.status}")
    check(not rest, f"nothing but HTTP responses on the connection (left: {rest[:60]!r})")


PATHS = ["/%61pi/x", "/./api/x", "//api/x", "/api/./x", "/web/../api/x", "/%2e/api/x", "/ap%69/x", "///api//x"]


def do_paths(a):
    for p in PATHS:
        data, _ = exchange(a, b"GET %s HTTP/1.1\r\nHost: lab.tollgate.test\r\nConnection: close\r\n\r\n" % p.encode(), 3.0)
        rs, _ = responses(data)
        try:
            seen = json.loads(rs[0].body)
        except (IndexError, ValueError):
            check(False, f"{p}: no backend answer ({data[:80]!r})")
            continue
        check(seen["server"] in ("backend-1", "backend-2") and seen["path"] == "/api/x",
              f"{p} routed like /api/x: reached {seen['server']} as {seen['path']}")


def do_local(a):
    s = connect(a.port, tls=a.tls, timeout=3)
    s.sendall(b"GET /tollgate/health HTTP/1.0\r\nHost: lab.tollgate.test\r\nConnection: keep-alive\r\n\r\n")
    r = Reader(s)
    try:
        resp = r.response()
        kept = "keep-alive" in (resp.header("connection") or "").lower()
        rest, closed = read_all(s, 1.0)
        check(resp.status == 200 and (kept or closed),
              f"HTTP/1.0 keep-alive: {resp.status}, Connection: {resp.header('connection')}, closed by the server: {closed}")
    except (Closed, OSError, ValueError) as e:
        check(False, f"HTTP/1.0 keep-alive: {type(e).__name__}: {e}")
    s.close()
    s = connect(a.port, tls=a.tls, timeout=3)
    s.sendall(b"HEAD /tollgate/health HTTP/1.1\r\nHost: lab.tollgate.test\r\n\r\n"
              b"GET /tollgate/health HTTP/1.1\r\nHost: lab.tollgate.test\r\n\r\n")
    r = Reader(s)
    try:
        head = r.response(head_request=True)
        get = r.response()
        check(head.status == 200 and get.status == 200 and get.body == b"ok\n",
              f"HEAD answered without a body: HEAD {head.status}, then GET {get.status} {get.body!r}")
    except (Closed, OSError, ValueError) as e:
        check(False, f"HEAD answered without a body: the GET after it did not parse ({e})")
    s.close()


def corpus(tag):
    """(name, bytes): P is the outer request's path, Q the one smuggled inside it."""
    p = f"/probe/s-{tag}"
    q = f"/probe/smuggled-{tag}"
    inner = f"GET {q} HTTP/1.1\r\nHost: h\r\n\r\n"
    post = f"POST {p} HTTP/1.1\r\nHost: h\r\n"
    te_body = "0\r\n\r\n" + inner
    chunk = f"{len(inner):x}\r\n{inner}\r\n0\r\n\r\n"

    def te_te(field):  # an obfuscated Transfer-Encoding beside a Content-Length that covers everything
        return post + field + f"Content-Length: {len(te_body)}\r\n\r\n" + te_body

    return [
        ("control: two pipelined requests", post + "Content-Length: 5\r\n\r\nhello" + inner),
        ("CL.TE", post + f"Content-Length: {len(te_body)}\r\nTransfer-Encoding: chunked\r\n\r\n" + te_body),
        ("TE.CL", post + f"Transfer-Encoding: chunked\r\nContent-Length: {len(chunk.split(chr(13))[0]) + 2}\r\n\r\n" + chunk),
        ("TE.TE xchunked", te_te("Transfer-Encoding: xchunked\r\n")),
        ("TE.TE chunked, identity", te_te("Transfer-Encoding: chunked, identity\r\n")),
        ("TE.TE twice", te_te("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n")),
        ("TE.TE space before colon", te_te("Transfer-Encoding : chunked\r\n")),
        ("TE.TE obs-fold", te_te("X: y\r\n Transfer-Encoding: chunked\r\n")),
        ("TE.TE vertical tab", te_te("Transfer-Encoding: \x0bchunked\r\n")),
        ("TE.TE underscore", te_te("Transfer_Encoding: chunked\r\n")),
        ("TE.TE quoted", te_te('Transfer-Encoding: "chunked"\r\n')),
        ("TE on HTTP/1.0", f"POST {p} HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + te_body),
        ("duplicate Content-Length", post + "Content-Length: 5\r\nContent-Length: %d\r\n\r\nhello" % (5 + len(inner)) + inner),
        ("Content-Length list", post + "Content-Length: 5, %d\r\n\r\nhello" % (5 + len(inner)) + inner),
        ("Content-Length space before colon", post + "Content-Length : 5\r\n\r\nhello" + inner),
        ("Content-Length sign", post + "Content-Length: +5\r\n\r\nhello" + inner),
        ("Content-Length obs-fold", post + "X: y\r\n Content-Length: 5\r\n\r\nhello" + inner),
        ("bare LF head", f"POST {p} HTTP/1.1\nHost: h\nContent-Length: 5\n\nhello" + inner),
        ("bare LF in a field", post + f"X: a\nTransfer-Encoding: chunked\r\nContent-Length: {len(te_body)}\r\n\r\n" + te_body),
        ("bare CR in a field", post + f"X: a\rTransfer-Encoding: chunked\r\nContent-Length: {len(te_body)}\r\n\r\n" + te_body),
        ("NUL in a field", post + "X: a\x00b\r\nContent-Length: 5\r\n\r\nhello" + inner),
        ("chunk size overflow", post + "Transfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n" + inner),
        ("chunk lines with bare LF", post + "Transfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n" + inner),
        ("chunk extension with bare CR", post + "Transfer-Encoding: chunked\r\n\r\n5;a\rb\r\nhello\r\n0\r\n\r\n" + inner),
    ]


def backend_lines(log, tag):
    with open(log, errors="replace") as f:
        text = f.read()
    return sum(text.count(f" {path}-{tag} HTTP") for path in ("/probe/s", "/probe/smuggled"))


def do_smuggle(a):
    for k, name in enumerate(n for n, _ in corpus("")):
        if a.only and a.only != name:
            continue
        tag = f"{a.port}-{int(time.time() * 1000) % 100000000}-{k}"  # unique in the log across runs
        raw = corpus(tag)[k][1]
        data, _ = exchange(a, raw.encode("latin-1"), 1.0)
        rs, rest = responses(data)
        time.sleep(0.3)  # the backend logs after it answered
        seen = backend_lines(a.log, tag)
        answered = sum(1 for r in rs if from_backend(r))
        local = [r.status for r in rs if not from_backend(r)]
        refused_ok = all(s in (400, 501) for s in local)
        what = f"{name}: target parsed {seen}, client got {answered} target answers and local {local}"
        if name.startswith("control"):
            check(seen == 2 and answered == 2 and not local, what)
        else:
            check(bool(rs) and refused_ok and seen == answered and seen <= 1, what)
        # The upstream connection the entry used must still be in step: a fresh request gets its own answer.
        after = f"/probe/after-{tag}"
        data, _ = exchange(a, b"GET %s HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" % after.encode(), 3.0)
        rs, _ = responses(data)
        try:
            ok = json.loads(rs[0].body)["path"] == after
        except (IndexError, ValueError, KeyError):
            ok = False
        if not ok:
            check(False, f"{name}: the next request got someone else's answer: {data[:120]!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["connect", "paths", "local", "smuggle"])
    ap.add_argument("port", type=int)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--log")
    ap.add_argument("--only")
    a = ap.parse_args()
    {"connect": do_connect, "paths": do_paths, "local": do_local, "smuggle": do_smuggle}[a.cmd](a)
    print(f"{len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
