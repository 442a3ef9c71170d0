#!/usr/bin/python3
"""Bounded keep-alive HTTP load with a record per request, for tests that change the lab under load.

  http_load.py run URL --out FILE [--connections N] [--seconds S] [--max-requests N] [--timeout S]
      N threads, each on its own keep-alive connection, GET URL back to back until S seconds have passed
      or N requests were made in all; a failed request (error or no answer) closes its connection and the
      next one opens a new one. Writes one JSON line per request to FILE: start and end (Unix time),
      connection number, HTTP status or the error, and the "server" field of the lab backend's JSON answer.
  http_load.py analyse FILE --stop T --dead T [--connections N]
      splits the records at the moment a target was being stopped (T = --stop, when the signal was sent;
      --dead, when the process was gone) and prints JSON: totals, answers by server before and after,
      the failures and whether each overlapped the stop window.

Standard library only (/usr/bin/python3).
"""
import argparse
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


def worker(index, url, deadline, budget, timeout, records, lock):
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    conn = None
    while time.time() < deadline:
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        if conn is None:
            conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
        start = time.time()
        rec = {"start": start, "conn": index}
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            rec["status"] = resp.status
            if resp.status == 200:
                try:
                    rec["server"] = json.loads(body)["server"]
                except (ValueError, KeyError, TypeError):
                    rec["server"] = "?"
            if resp.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            rec["error"] = type(e).__name__
            conn.close()
            conn = None
        rec["end"] = time.time()
        records.append(rec)  # list.append is atomic under the GIL
    if conn is not None:
        conn.close()


def run(args):
    records, lock = [], threading.Lock()
    budget = [args.max_requests]
    deadline = time.time() + args.seconds
    threads = [threading.Thread(target=worker, daemon=True,
                                args=(i, args.url, deadline, budget, args.timeout, records, lock))
               for i in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        # Each thread stops by the deadline plus at most one request's timeout.
        t.join(args.seconds + args.timeout + 5)
    with open(args.out, "w") as f:
        for r in sorted(records, key=lambda r: r["start"]):
            f.write(json.dumps(r) + "\n")
    ok = sum(1 for r in records if r.get("status") == 200)
    print(json.dumps({"requests": len(records), "ok": ok}))
    return 0


def analyse(args):
    records = [json.loads(line) for line in open(args.file)]
    failed = [r for r in records if r.get("status") != 200]
    before = [r for r in records if r["end"] < args.stop]
    after = [r for r in records if r["start"] > args.dead]

    def by_server(rs):
        out = {}
        for r in rs:
            if r.get("status") == 200:
                out[r["server"]] = out.get(r["server"], 0) + 1
        return dict(sorted(out.items()))

    # In flight at the death: started before the process was gone and ended after the signal was sent.
    in_flight = [r for r in failed if r["start"] <= args.dead and r["end"] >= args.stop]
    first, last = records[0]["start"], max(r["end"] for r in records)
    last_second = [r for r in records if r["end"] >= last - 1 and r.get("status") == 200]
    print(json.dumps({
        "requests": len(records),
        "ok": len(records) - len(failed),
        "failed": len(failed),
        "failed_in_flight_at_stop": len(in_flight),
        "failed_outside_stop": len(failed) - len(in_flight),
        "failures": [{"t": round(r["start"] - args.stop, 3), "conn": r["conn"],
                      "what": r.get("error") or r.get("status")} for r in failed][:50],
        "ok_before_by_server": by_server(before),
        "ok_after_by_server": by_server(after),
        "after": len(after),
        "ok_in_last_second": len(last_second),
        "seconds": round(last - first, 3),
        "stop_window_ms": round((args.dead - args.stop) * 1000, 1),
    }))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("run")
    r.add_argument("url")
    r.add_argument("--out", required=True)
    r.add_argument("--connections", type=int, default=16)
    r.add_argument("--seconds", type=float, default=10)
    r.add_argument("--max-requests", type=int, default=200000)
    r.add_argument("--timeout", type=float, default=5)
    a = sub.add_parser("analyse")
    a.add_argument("file")
    a.add_argument("--stop", type=float, required=True)
    a.add_argument("--dead", type=float, required=True)
    args = ap.parse_args()
    return run(args) if args.mode == "run" else analyse(args)


if __name__ == "__main__":
    sys.exit(main())
