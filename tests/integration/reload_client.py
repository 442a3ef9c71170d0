#!/usr/bin/python3
"""Keep-alive connections opened before a config reload, watched across it (test_config_reload.sh).

  reload_client.py inflight HOST PORT --first PATH --slow PATH --ready FILE --timeout S
      One connection: GET --first (answered at once), touch --ready, then GET --slow (a response the
      backend holds back while the reload happens) and read its answer, then wait for the connection to
      end. Prints JSON: each response's status, backend and Connection header, the slow body's
      completeness, and whether/when the peer closed after it.
  reload_client.py idle HOST PORT --path PATH --ready FILE --timeout S
      One connection: one GET, touch --ready, then nothing: waits up to S seconds for the peer to close
      it. Prints JSON: closed (true/false) and when (Unix time), and how (eof or reset).

Raw sockets and Content-Length framing only (the lab backend always sends it); standard library only.
"""
import argparse
import json
import socket
import sys
import time


def read_response(sock, deadline):
    data = b""
    while b"\r\n\r\n" not in data:
        if time.time() > deadline:
            raise TimeoutError("no response head")
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a response")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        fields[k.strip().lower()] = v.strip()
    length = int(fields.get("content-length", "0"))
    while len(rest) < length:
        if time.time() > deadline:
            raise TimeoutError("body incomplete")
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    body = rest[:length]
    server = None
    try:
        server = json.loads(body)["server"]
    except (ValueError, KeyError, TypeError):
        pass
    return {"status": status, "connection": fields.get("connection"), "server": server,
            "body_complete": len(body) == length, "at": time.time()}


def wait_closed(sock, deadline):
    sock.settimeout(0.2)
    while time.time() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return {"closed": True, "how": "reset", "at": time.time()}
        if not chunk:
            return {"closed": True, "how": "eof", "at": time.time()}
    return {"closed": False}


def request(sock, host, path):
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: reload-client\r\n\r\n".encode())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["inflight", "idle"])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--first", default="/api/first")
    ap.add_argument("--slow", default="/delay/2000")
    ap.add_argument("--path", default="/api/idle")
    ap.add_argument("--ready", required=True)
    ap.add_argument("--timeout", type=float, default=20)
    args = ap.parse_args()
    deadline = time.time() + args.timeout
    out = {}
    sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
    try:
        request(sock, args.host, args.first if args.mode == "inflight" else args.path)
        out["first"] = read_response(sock, deadline)
        if args.mode == "inflight":
            request(sock, args.host, args.slow)
            out["sent_slow"] = time.time()
        open(args.ready, "w").close()
        if args.mode == "inflight":
            out["slow"] = read_response(sock, deadline)
        out["end"] = wait_closed(sock, deadline)
    except (OSError, ValueError) as e:
        out["error"] = f"{type(e).__name__}: {e}"
    finally:
        sock.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
