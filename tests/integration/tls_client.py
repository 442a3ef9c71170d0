#!/usr/bin/python3
"""TLS client for the lab's TLS listener tests (Python's ssl module: OpenSSL underneath, a real peer).

  tls_client.py echo HOST PORT BYTES [--sni NAME] [--ca FILE] [--tls 1.2|1.3] [--ciphers LIST]
                [--alpn P,...] [--chunk N]
      handshake (certificate verified against --ca for --sni), send BYTES of random data while reading
      the echo, compare SHA-256; prints JSON with version, cipher, ALPN, certificate subject and
      SAN names, and throughput. Exit 0 only if everything came back intact.
  tls_client.py handshakes HOST PORT SECONDS [--procs N] [--resume] [same options]
      N processes open TLS connections back to back for SECONDS (handshake, 1-byte echo, close_notify):
      full handshakes, or with --resume each process resumes the session of its first connection;
      prints JSON with the count per second and how many were resumed.
  tls_client.py expect-fail HOST PORT [same options]
      the handshake must fail; prints the error.
"""
import argparse
import hashlib
import json
import os
import selectors
import socket
import ssl
import sys
import time
import warnings

# TLS 1.1 is deprecated in Python too: the test uses it only to prove the listener refuses it.
warnings.filterwarnings("ignore", category=DeprecationWarning)


def context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(args.ca)
    if args.tls == "1.2":
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    elif args.tls == "1.3":
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    elif args.tls == "1.1":
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    if args.ciphers:
        ctx.set_ciphers(args.ciphers)
    if args.alpn:
        ctx.set_alpn_protocols(args.alpn.split(","))
    return ctx


def connect(args):
    raw = socket.create_connection((args.host, args.port), timeout=10)
    return context(args).wrap_socket(raw, server_hostname=args.sni)


def describe(s):
    cert = s.getpeercert()
    subject = dict(x[0] for x in cert.get("subject", ()))
    return {
        "version": s.version(),
        "cipher": s.cipher()[0],
        "alpn": s.selected_alpn_protocol(),
        "subject": subject.get("commonName"),
        "san": [v for k, v in cert.get("subjectAltName", ()) if k == "DNS"],
        "key": "ECDSA" if "ECDSA" in s.cipher()[0] or s.version() == "TLSv1.3" and _is_ec(s) else "RSA",
    }


def _is_ec(s):
    der = s.getpeercert(binary_form=True)
    return b"\x2a\x86\x48\xce\x3d\x02\x01" in der  # id-ecPublicKey OID


def echo(args):
    s = connect(args)
    info = describe(s)
    data = os.urandom(args.bytes)
    want = hashlib.sha256(data).hexdigest()
    got = hashlib.sha256()
    received = 0
    sent = 0
    start = time.time()
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    deadline = start + args.timeout
    while received < args.bytes:
        if time.time() > deadline:
            info.update(ok=False, error="timeout", received=received, sent=sent)
            print(json.dumps(info))
            return 1
        for _, ev in sel.select(0.5):
            if ev & selectors.EVENT_WRITE and sent < args.bytes:
                try:
                    sent += s.send(data[sent:sent + args.chunk])
                except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                    pass
            if ev & selectors.EVENT_READ:
                try:
                    while True:
                        chunk = s.recv(65536)
                        if not chunk:
                            info.update(ok=False, error="closed early", received=received)
                            print(json.dumps(info))
                            return 1
                        got.update(chunk)
                        received += len(chunk)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    pass
        if sent >= args.bytes:
            sel.modify(s, selectors.EVENT_READ)
    seconds = time.time() - start
    s.setblocking(True)
    try:
        s.unwrap()  # close_notify both ways
        clean = True
    except (ssl.SSLError, OSError):
        clean = False
    s.close()
    ok = got.hexdigest() == want
    info.update(ok=ok, bytes=args.bytes, sha256_equal=ok, seconds=round(seconds, 3),
                mbit_per_s=round(args.bytes * 8 / max(seconds, 1e-6) / 1e6, 1), close_notify=clean)
    print(json.dumps(info))
    return 0 if ok else 1


def handshake_worker(args):
    ctx = context(args)
    session = None
    done = resumed = failed = 0
    end = time.time() + args.seconds
    while time.time() < end:
        try:
            raw = socket.create_connection((args.host, args.port), timeout=5)
            s = ctx.wrap_socket(raw, server_hostname=args.sni, session=session if args.resume else None)
            s.sendall(b"x")
            s.recv(1)  # TLS 1.3: the ticket arrives with (before) the echo
            if args.resume and session is None:
                session = s.session
            resumed += s.session_reused
            s.close()
            done += 1
        except (ssl.SSLError, OSError):
            failed += 1
    return done, resumed, failed


def handshakes(args):
    import multiprocessing
    with multiprocessing.Pool(args.procs) as pool:
        results = pool.map(handshake_worker, [args] * args.procs)
    done = sum(r[0] for r in results)
    print(json.dumps({"connections": done, "resumed": sum(r[1] for r in results),
                      "failed": sum(r[2] for r in results), "seconds": args.seconds,
                      "per_second": round(done / args.seconds, 1)}))
    return 0 if done > 0 and sum(r[2] for r in results) == 0 else 1


def expect_fail(args):
    try:
        s = connect(args)
        s.send(b"x")
        s.recv(1)
    except (ssl.SSLError, OSError) as e:
        print(json.dumps({"failed": True, "error": str(e)}))
        return 0
    print(json.dumps({"failed": False, **describe(s)}))
    return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["echo", "expect-fail", "handshakes"])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("bytes", type=float, nargs="?", default=0, help="echo: bytes; handshakes: seconds")
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--sni", default="lab.tollgate.test")
    ap.add_argument("--ca", required=True)
    ap.add_argument("--tls", choices=["1.1", "1.2", "1.3"])
    ap.add_argument("--ciphers", default="")
    ap.add_argument("--alpn", default="")
    ap.add_argument("--chunk", type=int, default=16384)
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()
    args.seconds = args.bytes
    args.bytes = int(args.bytes)
    if args.cmd == "handshakes":
        return handshakes(args)
    return echo(args) if args.cmd == "echo" else expect_fail(args)


if __name__ == "__main__":
    sys.exit(main())
