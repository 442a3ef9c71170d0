"""HTTP/1.1 pieces the hostile attack tools share: a connection (plain or TLS to the lab's listeners) and a
strict response reader, so a tool can count and check every answer it gets back, in order."""
import socket
import ssl

VIP = "198.18.0.1"
SNI = "lab.tollgate.test"


def connect(port, tls=False, ca=None, timeout=10.0, rcvbuf=None, host=VIP):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:  # before connect, so the window scale and the first advertised window follow it
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if ca:
            ctx.load_verify_locations(ca)
        else:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname=SNI)
    return s


class Closed(Exception):
    pass


class Response:
    def __init__(self, status, reason, headers, body):
        self.status, self.reason, self.headers, self.body = status, reason, headers, body

    def header(self, name):
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class Reader:
    """Reads responses one after the other from a socket (or SSLSocket)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        data = self.sock.recv(262144)
        if not data:
            raise Closed("connection closed")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise ValueError("response line too long")
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self, head_request=False):
        line = self._line()
        parts = line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ValueError(f"not a status line: {line[:80]!r}")
        status = int(parts[1])
        reason = parts[2].decode("latin-1") if len(parts) > 2 else ""
        headers = []
        while True:
            h = self._line()
            if not h:
                break
            k, _, v = h.partition(b":")
            headers.append((k.decode("latin-1"), v.strip().decode("latin-1")))
        r = Response(status, reason, headers, b"")
        if head_request or status in (204, 304) or 100 <= status < 200:
            return r
        te = (r.header("transfer-encoding") or "").lower()
        if "chunked" in te:
            body = []
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body.append(self._exact(size))
                self._exact(2)
            r.body = b"".join(body)
        elif r.header("content-length") is not None:
            r.body = self._exact(int(r.header("content-length")))
        else:  # delimited by the close
            try:
                while True:
                    self._fill()
            except Closed:
                pass
            r.body, self.buf = self.buf, b""
        return r


def read_all(sock, timeout=3.0):
    """Everything the peer sends until it closes or stays quiet for TIMEOUT seconds; (bytes, closed)."""
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return data, False
        except (ConnectionResetError, ssl.SSLError, OSError):
            return data, True
        if not chunk:
            return data, True
        data += chunk
