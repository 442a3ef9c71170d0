#!/usr/bin/python3
"""The backend of bench/tls_idle_memory.sh: one process, one epoll loop, echoing whatever arrives on
ADDR:PORT for every ADDR given, and holding any number of idle connections (the lab's threaded echo
servers would need a thread each, and 50,000 threads exceed this machine's pid_max).

  idle_backend.py PORT ADDR... → prints "ready" once listening; runs until SIGTERM
"""
import resource
import selectors
import signal
import socket
import sys


def main(port, addrs):
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    sel = selectors.DefaultSelector()
    for a in addrs:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a, port))
        s.listen(4096)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, "listen")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            if key.data == "listen":
                try:
                    c, _ = key.fileobj.accept()
                except (BlockingIOError, OSError):
                    continue
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ, "conn")
                continue
            try:
                data = key.fileobj.recv(65536)
                if data:
                    key.fileobj.send(data)  # small echoes only (warm-up probes): a short send is not retried
                    continue
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                pass
            sel.unregister(key.fileobj)
            key.fileobj.close()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2:])
