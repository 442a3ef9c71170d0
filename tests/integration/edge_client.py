#!/usr/bin/python3
"""Raw-socket HTTP/1.x clients for tests/integration/test_http_edge.sh (one case per sub-command).

  pipeline HOST PORT N        GET /api/delay/1000, then N pipelined GET /tollgate/health in the same write;
                              prints "answers A ok B" once every answer arrived (or 30 s passed)
  connect HOST PORT           CONNECT to a backend's echo port with a request behind it; prints the answer
  http10 HOST PORT            two HTTP/1.0 keep-alive requests on one connection; prints both answers and
                              "open" if the connection stayed open after the first
  head HOST PORT              HEAD then GET of the fixed response on one connection; prints the bytes
"""
import socket
import sys
import time


def read_until(s, done, limit_s):
    buf = b""
    end = time.time() + limit_s
    s.settimeout(1)
    while not done(buf) and time.time() < end:
        try:
            d = s.recv(1 << 20)
        except socket.timeout:
            continue
        if not d:
            break
        buf += d
    return buf


def main():
    cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    s = socket.create_connection((host, port), timeout=5)
    if cmd == "pipeline":
        n = int(sys.argv[4])
        s.sendall(b"GET /api/delay/1000 HTTP/1.1\r\nHost: lab\r\n\r\n" +
                  b"GET /tollgate/health HTTP/1.1\r\nHost: lab\r\n\r\n" * n)
        buf = read_until(s, lambda b: b.count(b"HTTP/1.1 ") >= n + 1, 30)
        print("answers", buf.count(b"HTTP/1.1 "), "ok", buf.count(b"HTTP/1.1 200 OK"))
    elif cmd == "connect":
        s.sendall(b"CONNECT 198.19.0.12:7000 HTTP/1.1\r\nHost: 198.19.0.12:7000\r\n\r\n"
                  b"GET /smuggled HTTP/1.1\r\nHost: internal\r\n\r\n")
        sys.stdout.write(read_until(s, lambda b: False, 5).decode(errors="replace"))
    elif cmd == "http10":
        s.sendall(b"GET /tollgate/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        first = read_until(s, lambda b: b.endswith(b"ok\n"), 5)
        sys.stdout.write(first.decode(errors="replace"))
        # Still open: the second request on the same connection is answered.
        s.sendall(b"GET /tollgate/health HTTP/1.0\r\n\r\n")
        second = read_until(s, lambda b: False, 5)
        sys.stdout.write(second.decode(errors="replace"))
        print("open" if second.startswith(b"HTTP/1.1 200") else "closed")
    elif cmd == "head":
        s.sendall(b"HEAD /tollgate/health HTTP/1.1\r\nHost: lab\r\n\r\nGET /tollgate/health HTTP/1.1\r\nHost: lab\r\n"
                  b"Connection: close\r\n\r\n")
        sys.stdout.write(read_until(s, lambda b: False, 5).decode(errors="replace"))
    s.close()


if __name__ == "__main__":
    main()
