#!/usr/bin/python3
"""The clients of bench/tls_idle_memory.sh: open N TLS connections to HOST:PORT one after the other, each
completing its handshake (TLS 1.3; after the first, resuming the first's session, which makes opening
50,000 affordable for a Python client — the proxy keeps the same state either way), then hold them all
idle. Writes the number held (and how many were resumed) to FLAG, then sleeps HOLD seconds at most.

  idle_clients.py HOST PORT N CA FLAG HOLD SOURCE

SOURCE is the local address to connect from: the script gives each client process its own, as the
kernel's search for a free ephemeral port towards one destination slows down as the range fills.
"""
import resource
import socket
import ssl
import sys
import time


def main(host, port, n, ca, flag, hold, source):
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    held, session, resumed = [], None, 0
    deadline = time.time() + 600
    while len(held) < n and time.time() < deadline:
        raw = socket.create_connection((host, port), timeout=10, source_address=(source, 0))
        s = ctx.wrap_socket(raw, server_hostname="lab.tollgate.test", session=session)
        if session is None:
            # TLS 1.3 tickets arrive after the handshake: a short echo reads them in.
            s.sendall(b"x")
            s.recv(1)
            session = s.session
        resumed += s.session_reused
        held.append(s)
    with open(flag, "w") as f:
        f.write(f"{len(held)} {resumed}\n")
    time.sleep(hold)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], float(sys.argv[6]), sys.argv[7])
