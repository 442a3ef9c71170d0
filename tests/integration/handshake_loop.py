#!/usr/bin/env python3
"""TLS clients for the certificate-reload test, each bounded in time and stopped early by a stop file.

  handshake_loop.py new  HOST PORT --ca CA --name NAME --stop FILE --seconds S
      a new verified TLS connection per request (GET /tollgate/health); prints JSON: requests, failures,
      the first failure, and the leaf serials seen in order of first appearance.
  handshake_loop.py kept HOST PORT --ca CA --name NAME --stop FILE --seconds S
      one TLS connection for every request (keep-alive, a request every 0.1 s); prints JSON: requests,
      failures, and whether the connection lasted to the end.
"""
import argparse
import json
import os
import socket
import ssl
import sys
import time

REQUEST = b"GET /tollgate/health HTTP/1.1\r\nHost: lab.tollgate.test\r\n\r\n"


def read_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise ConnectionError("closed before a response")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    while len(body) < length:
        chunk = s.recv(4096)
        if not chunk:
            raise ConnectionError("closed mid-body")
        body += chunk
    return head.split(b"\r\n")[0].decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["new", "kept"])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--stop", required=True)
    ap.add_argument("--seconds", type=float, default=30)
    a = ap.parse_args()
    ctx = ssl.create_default_context(cafile=a.ca)
    deadline = time.monotonic() + a.seconds
    out = {"requests": 0, "failures": 0, "first_failure": None, "serials": []}

    def fail(e):
        out["failures"] += 1
        out["first_failure"] = out["first_failure"] or repr(e)

    def connect():
        raw = socket.create_connection((a.host, a.port), timeout=5)
        s = ctx.wrap_socket(raw, server_hostname=a.name)
        serial = s.getpeercert()["serialNumber"]
        if serial not in out["serials"]:
            out["serials"].append(serial)
        return s

    if a.mode == "new":
        while time.monotonic() < deadline and not os.path.exists(a.stop):
            try:
                with connect() as s:
                    s.sendall(REQUEST)
                    status = read_response(s)
                    if " 200 " not in status:
                        raise ConnectionError(status)
                out["requests"] += 1
            except (OSError, ssl.SSLError, ConnectionError) as e:
                fail(e)
    else:
        out["lasted"] = False
        try:
            s = connect()
            while time.monotonic() < deadline and not os.path.exists(a.stop):
                s.sendall(REQUEST)
                status = read_response(s)
                if " 200 " not in status:
                    raise ConnectionError(status)
                out["requests"] += 1
                time.sleep(0.1)
            out["lasted"] = True
            s.close()
        except (OSError, ssl.SSLError, ConnectionError) as e:
            fail(e)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
