#!/usr/bin/python3
"""Gathers one bench/run.sh run into its results JSON: the run's facts, the machine block and every
section the producers wrote. A producer whose file is missing or malformed is recorded as failed, with
what was wrong and the end of its log; its sections are kept out of 'sections' so the report stays whole.

  assemble.py --manifest TSV --machine JSON --run JSON --out RESULTS.json

TSV (bench/run.sh writes it): a line per producer, tab-separated:
  name kind status exit_code elapsed_s section_file log_file message command
RUN: {"date", "host", "quick", "command", "started", "finished", "elapsed_s", "requested", "noise"}.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schema  # noqa: E402

LOG_TAIL_LINES = 20


def log_tail(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().splitlines()[-LOG_TAIL_LINES:]
    except OSError:
        return []


def read_manifest(path):
    producers = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            name, kind, status, code, elapsed, section_file, log_file, message, command = \
                line.rstrip("\n").split("\t")
            producers.append({"name": name, "kind": kind, "status": status, "exit_code": int(code),
                              "elapsed_s": round(float(elapsed), 2), "command": command, "message": message,
                              "section_file": section_file, "log": log_file, "sections": []})
    return producers


def collect(producer, taken_ids):
    """The producer's well-formed sections; marks it failed (with why) when there are none or some are bad."""
    if producer["status"] != "ok":
        return []
    try:
        found = schema.sections_in_file(schema.load_json(producer["section_file"]))
    except (OSError, ValueError) as e:
        producer.update(status="failed", message=f"no readable section JSON: {e}")
        return []
    good, problems = [], []
    for section in found:
        mine = schema.section_problems(section)
        sid = section.get("section") if isinstance(section, dict) else None
        if not mine and sid in taken_ids:
            mine = [f"section {sid}: id already produced by another producer"]
        if mine:
            problems += mine
            producer.setdefault("rejected_sections", []).append(section)
        else:
            good.append(section)
            taken_ids.add(sid)
    if problems:
        producer.update(status="failed", message="malformed section: " + "; ".join(problems[:5]))
    elif not good:
        producer.update(status="failed", message="wrote no section")
    producer["sections"] = [s["section"] for s in good]
    return good


def assemble(manifest, machine, run):
    producers = read_manifest(manifest)
    sections, taken = [], set()
    for producer in producers:
        sections += collect(producer, taken)
        if producer["status"] != "ok":
            producer["log_tail"] = log_tail(producer["log"])
    results = {"format": schema.RESULTS_FORMAT}
    results.update(run)
    results.update(producers=producers, machine=machine, sections=sections)
    return results


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--manifest", "--machine", "--run", "--out"):
        ap.add_argument(name, required=True)
    args = ap.parse_args(argv)
    with open(args.machine) as f:
        machine = json.load(f)
    with open(args.run) as f:
        run = json.load(f)
    results = assemble(args.manifest, machine, run)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1, allow_nan=False)
        f.write("\n")
    failed = [p["name"] for p in results["producers"] if p["status"] != "ok"]
    if failed:
        print(f"assemble: not ok: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
