#!/usr/bin/python3
"""Latency percentiles from h2load --log-file output (one line per request: start time in µs since the
epoch, status code, response time in µs), for bench/http_latency.sh.

  h2load_log.py LOG SKIP_SECONDS  → "requests per_second p50_ms p99_ms p999_ms non_2xx"

Requests started in the first SKIP_SECONDS (connection set-up, TLS handshakes) are left out; the rate is
the kept requests over the span of their start times. Percentiles by the nearest-rank method.
"""
import math
import sys


def main(path, skip):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3:
                rows.append((int(parts[0]), int(parts[1]), int(parts[2])))
    if not rows:
        sys.exit(f"{path}: no requests logged")
    t0 = min(r[0] for r in rows) + skip * 1e6
    kept = [r for r in rows if r[0] >= t0]
    if len(kept) < 2:
        sys.exit(f"{path}: fewer than 2 requests after the first {skip} s")
    span = (max(r[0] for r in kept) - min(r[0] for r in kept)) / 1e6
    times = sorted(r[2] for r in kept)

    def pct(p):
        return times[max(0, math.ceil(p / 100 * len(times)) - 1)] / 1000

    bad = sum(1 for r in kept if not 200 <= r[1] < 300)
    print(len(kept), f"{len(kept) / span:.1f}" if span > 0 else 0, f"{pct(50):.3f}", f"{pct(99):.3f}", f"{pct(99.9):.3f}", bad)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
