#!/usr/bin/python3
"""The hostile suite's view of the dataplane's stats snapshot (--stats-file, written every 500 ms).

  stats.py get FILE NAME            one counter summed over cores; NAME is
                                      http:LISTENER.PATH   an HTTP listener by name (http:https.tls.key_updates)
                                      tls:INDEX.PATH       a tls listener by index (tls:0.record_errors)
                                      tcp:INDEX.PATH       a tcp listener by index (tcp:1.sessions_active)
                                      PATH                 a path from the root (mbufs_in_use, totals.tcp.active)
  stats.py baseline FILE OUT        saves what the leak check compares (leak_values below) to OUT
  stats.py settle FILE BASE SECONDS [SKIP,...]
                                    waits until every value (but SKIP) is back at BASE's (within its slack);
                                    exit 1 and the values that are not, after SECONDS
  stats.py peak FILE OUT            until killed: the largest mbufs_in_use and sessions seen, into OUT
"""
import json
import os
import signal
import sys
import time


def load(path):
    for _ in range(20):  # the file is replaced by rename; a read never sees half of it, but retry anyway
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            time.sleep(0.05)
    raise SystemExit(f"stats.py: cannot read {path}")


def walk(doc, path):
    for part in path.split(".") if path else []:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def get(doc, name):
    if ":" not in name:
        return walk(doc, name)
    kind, rest = name.split(":", 1)
    key, _, path = rest.partition(".")
    total = 0
    for core in doc["cores"]:
        if kind == "http":
            entry = next(l for l in core["http_listeners"] if l["name"] == key)
        else:
            entry = core["listeners" if kind == "tcp" else "tls_listeners"][int(key)]
        total += walk(entry, path)
    return total


def sessions(doc):
    """Sessions of every listener (client side) on every core, TLS layers included."""
    n = 0
    for core in doc["cores"]:
        for l in core["http_listeners"]:
            n += l["sessions_active"] + l.get("tls", {}).get("sessions_active", 0)
        n += sum(l["sessions_active"] for l in core["listeners"] + core["tls_listeners"])
    return n


def leak_values(doc):
    upstream = sum((c["upstreams"] or {}).get("open", 0) for c in doc["cores"])
    return {
        "sessions": sessions(doc),
        # TCBs less the upstream connections the pools keep (those have their own idle timeout).
        "client_tcbs": doc["totals"]["tcp"]["active"] - upstream,
        "chunks_in_use": doc["totals"]["tcp"]["chunks_in_use"],
        "mbufs_in_use": doc["mbufs_in_use"],
    }


def slack(key, base):
    # Health checks open and close a few connections a second; RX rings refill in bursts.
    return {"sessions": 0, "client_tcbs": 6, "chunks_in_use": 64, "mbufs_in_use": max(512, base // 20)}[key]


def settle(path, base_path, seconds, skip=()):
    with open(base_path) as f:
        base = json.load(f)
    for k in skip:
        base.pop(k, None)
    deadline = time.time() + seconds
    while True:
        now = leak_values(load(path))
        over = {k: (v, base[k]) for k, v in now.items() if k in base and v > base[k] + slack(k, base[k])}
        if not over:
            return 0
        if time.time() > deadline:
            print("not back to baseline after %gs: %s" % (seconds, ", ".join(
                f"{k} {v} (baseline {b} + slack {slack(k, b)})" for k, (v, b) in over.items())))
            return 1
        time.sleep(0.5)


def peak(path, out):
    best = {"mbufs_in_use": 0, "sessions": 0, "client_tcbs": 0}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while not stop:
        v = leak_values(load(path))
        best = {k: max(best[k], v[k]) for k in best}
        with open(out + ".tmp", "w") as f:
            json.dump(best, f)
        os.replace(out + ".tmp", out)
        time.sleep(0.25)
    return 0


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, path = argv[1], argv[2]
    if cmd == "get":
        print(get(load(path), argv[3]))
    elif cmd == "baseline":
        with open(argv[3], "w") as f:
            json.dump(leak_values(load(path)), f)
    elif cmd == "settle":
        return settle(path, argv[3], float(argv[4]), argv[5].split(",") if len(argv) > 5 else ())
    elif cmd == "peak":
        return peak(path, argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
