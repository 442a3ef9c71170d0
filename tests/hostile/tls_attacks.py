#!/usr/bin/python3
"""TLS-level attacks on the lab's TLS listeners (:443 https, :8443 tls). Python's ssl module cannot send
KeyUpdate, renegotiate or encrypt an alert, so those go through `openssl s_client` and its commands; after
a handshake over memory BIOs the raw socket is ours, for what no TLS stack would send.

  tls_attacks.py tiny PORT CONNS RECORDS [--hold S]
      CONNS connections each send a request head as RECORDS one-byte TLS records (all but its last
      CRLF), hold S seconds (the case measures mbufs then), finish the head; each must be answered 200.
  tls_attacks.py garbage PORT KIND       after a valid TLS 1.3 handshake: KIND random (random bytes) or
      record (an application-data record header with a random body); the server must alert and close.
  tls_attacks.py alerts PORT SECONDS     after a valid handshake, plaintext alert records as fast as the
      server takes them: the server must end the connection (RST) rather than stall at zero window.
  tls_attacks.py keyupdate PORT COUNT    COUNT KeyUpdate messages (s_client 'k'), 2 ms apart, one connection.
  tls_attacks.py reneg PORT              TLS 1.2, a renegotiation attempt (s_client 'R'), then a GET.
Each prints JSON; exit status 0 unless the tool itself failed (the case asserts).
"""
import json
import os
import socket
import ssl
import subprocess
import sys
import time

from hostile_http import SNI, VIP, Reader, read_all


def ctx(version=ssl.TLSVersion.TLSv1_3):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    c.minimum_version = c.maximum_version = version
    return c


def bio_handshake(port):
    """A TLS 1.3 handshake over memory BIOs: (raw socket, SSLObject, incoming BIO, outgoing BIO)."""
    sock = socket.create_connection((VIP, port), timeout=10)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx().wrap_bio(inc, out, server_hostname=SNI)
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            sock.sendall(out.read())
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("closed during the handshake")
            inc.write(data)
    sock.sendall(out.read())  # the client Finished
    return sock, obj, inc, out


def tiny(port, conns, records, hold):
    pad = max(0, records - 80)
    head = (b"GET /tollgate/health HTTP/1.1\r\nHost: lab.tollgate.test\r\nX-Pad: " + b"a" * pad + b"\r\n\r\n")
    socks = []
    for _ in range(conns):
        s = ctx().wrap_socket(socket.create_connection((VIP, port), timeout=10), server_hostname=SNI)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        socks.append(s)
    start = time.time()
    for s in socks:
        for i in range(len(head) - 2):
            s.send(head[i:i + 1])  # one write, one record
    sent_s = time.time() - start
    time.sleep(hold)
    statuses = []
    for s in socks:
        try:
            s.send(head[-2:-1])
            s.send(head[-1:])
            s.settimeout(10)
            statuses.append(Reader(s).response().status)
        except (OSError, ValueError, Exception) as e:  # noqa: B014 - any failure is one unanswered request
            statuses.append(f"{type(e).__name__}")
    print(json.dumps({"connections": conns, "records_each": len(head), "send_seconds": round(sent_s, 2),
                      "statuses": statuses[:10], "answered_200": statuses.count(200)}))


def garbage(port, kind):
    sock, *_ = bio_handshake(port)
    if kind == "random":
        payload = os.urandom(4096)
    else:
        payload = b"\x17\x03\x03\x01\x00" + os.urandom(256)
    start = time.time()
    try:
        sock.sendall(payload)
    except OSError:
        pass
    data, closed = read_all(sock, 5.0)
    # an alert record: content type 21 in the clear, or (TLS 1.3) an encrypted record of a few bytes
    print(json.dumps({"closed": closed, "seconds": round(time.time() - start, 2), "bytes_back": len(data),
                      "first_record_type": data[0] if data else None}))
    sock.close()


def alerts(port, seconds):
    sock, *_ = bio_handshake(port)
    alert = b"\x15\x03\x03\x00\x02\x01\x5a"  # warning user_canceled, in the clear after the handshake
    burst = alert * 2000
    sock.settimeout(1.0)
    start = time.time()
    sent = 0
    ended = None
    while time.time() - start < seconds:
        try:
            sent += sock.send(burst)
        except socket.timeout:
            continue  # zero window: the server stopped reading but did not end the connection
        except OSError as e:
            ended = f"{type(e).__name__} after {time.time() - start:.2f}s"
            break
    print(json.dumps({"alert_bytes_sent": sent, "ended": ended, "seconds": round(time.time() - start, 2)}))
    sock.close()


def s_client(port, lines, gap, timeout):
    """openssl s_client with LINES typed GAP seconds apart; (output, exited early)."""
    p = subprocess.Popen(["openssl", "s_client", "-connect", f"{VIP}:{port}", "-servername", SNI, "-crlf"] + lines[0],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    early = False
    deadline = time.time() + timeout
    for line in lines[1]:
        if p.poll() is not None or time.time() > deadline:
            early = p.poll() is not None
            break
        try:
            p.stdin.write(line)
            p.stdin.flush()
        except BrokenPipeError:
            early = True
            break
        time.sleep(gap)
    time.sleep(1.0)
    if p.poll() is not None:
        early = True
    else:
        p.kill()
    out = p.communicate()[0].decode("latin-1")
    return out, early


def keyupdate(port, count):
    out, early = s_client(port, (["-tls1_3"], [b"k\n"] * count + [b"GET /tollgate/health HTTP/1.1\n", b"Host: x\n", b"\n"]),
                          0.002, 60)
    print(json.dumps({"key_updates_typed": count, "closed_by_server": early,
                      "answered_after": "HTTP/1.1 200" in out, "tail": out[-300:]}))


def reneg(port):
    out, early = s_client(port, (["-tls1_2"], [b"R\n", b"GET /tollgate/health HTTP/1.1\n", b"Host: x\n", b"\n"]),
                          0.5, 20)
    print(json.dumps({"renegotiating": "RENEGOTIATING" in out, "closed": early,
                      "answered_after": "HTTP/1.1 200" in out, "no_renegotiation_alert": "no renegotiation" in out,
                      "tail": out[-400:]}))


def main(argv):
    cmd, port = argv[1], int(argv[2])
    if cmd == "tiny":
        hold = float(argv[argv.index("--hold") + 1]) if "--hold" in argv else 2.0
        tiny(port, int(argv[3]), int(argv[4]), hold)
    elif cmd == "garbage":
        garbage(port, argv[3])
    elif cmd == "alerts":
        alerts(port, float(argv[3]))
    elif cmd == "keyupdate":
        keyupdate(port, int(argv[3]))
    elif cmd == "reneg":
        reneg(port)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
