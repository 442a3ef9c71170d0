#!/usr/bin/python3
"""Reads the dataplane's JSON stats snapshot for the lab and tests.

  stats.py summary FILE           a short table per core and port
  stats.py get FILE PATH          one value, PATH like totals.drops.runt or ports.0.ipackets
"""
import json
import sys


def get(doc, path):
    for part in path.split("."):
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def summary(doc):
    print(f"workers: {doc['workers']}  state: {doc['state']}")
    for c in doc["cores"]:
        drops = {k: v for k, v in c["drops"].items() if v}
        print(f"core {c['core']}: packets {c['packets']} rx {c['rx_packets']} tx {c['tx_packets']} "
              f"steered in/out {c['steered_in']}/{c['steered_out']} busy {100 * c['busy_ratio']:.2f}% "
              f"busy cycles/packet {c['busy_cycles_per_packet']:.0f} drops {drops or 0}")
    for p in doc["ports"]:
        print(f"port {p['name']} ({p['driver']} {p['mac']} {p['ipv4']}): in {p.get('ipackets', 0)} "
              f"out {p.get('opackets', 0)} missed {p.get('imissed', 0)} link {'up' if p.get('link_up') else 'down'}")


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[2]) as f:
        doc = json.load(f)
    if argv[1] == "summary":
        summary(doc)
    elif argv[1] == "get" and len(argv) == 4:
        print(get(doc, argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
