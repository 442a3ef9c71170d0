#!/usr/bin/python3
"""Checks that a benchmark run's results are well formed: never how fast anything was.

  check.py RESULTS.json [--expect a,b,...]

The JSON: the results keys, every section against the contract (ids, row widths, finite numbers, plots),
every requested producer ran and produced its sections (--expect: these producers must be among the
requested). The markdown next to it: present, has each section's title and links each plot. The plots:
RESULTS/<id>.png exists and is a PNG. Exits 1 listing every problem, 0 printing one summary line.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schema  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def report_problems(results, stem):
    """The markdown and the PNG files of an already well-formed results object."""
    problems = []
    md_path = stem + ".md"
    if not os.path.isfile(md_path):
        return [f"{md_path}: missing"]
    with open(md_path) as f:
        md = f.read()
    plot_dir_name = os.path.basename(stem)
    for section in results["sections"]:
        if f"## {section['title']}" not in md:
            problems.append(f"{md_path}: no heading for section {section['section']}")
        for plot in section["plots"]:
            png = os.path.join(stem, f"{plot['id']}.png")
            if f"]({plot_dir_name}/{plot['id']}.png)" not in md:
                problems.append(f"{md_path}: plot {plot['id']} is not linked")
            if not os.path.isfile(png):
                problems.append(f"{png}: missing")
                continue
            with open(png, "rb") as f:
                head = f.read(len(PNG_MAGIC))
            if head != PNG_MAGIC or os.path.getsize(png) < 100:
                problems.append(f"{png}: not a PNG image")
    if "## Machine" not in md:
        problems.append(f"{md_path}: no machine block")
    return problems


def check(results_path, expect=()):
    if not results_path.endswith(".json"):
        return [f"{results_path}: expected a .json results file"]
    try:
        results = schema.load_json(results_path)
    except (OSError, ValueError) as e:
        return [f"{results_path}: {e}"]
    problems = schema.results_problems(results)
    if problems:
        return problems
    problems += [f"producer {name}: expected but not requested" for name in expect
                 if name not in results["requested"]]
    return problems + report_problems(results, results_path[:-len(".json")])


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("--expect", default="", help="comma-separated producers that must have been requested")
    args = ap.parse_args(argv)
    expect = [e for e in args.expect.split(",") if e]
    problems = check(args.results, expect)
    for p in problems:
        print(f"check: {p}", file=sys.stderr)
    if problems:
        print(f"check: {args.results}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    results = schema.load_json(args.results)
    plots = sum(len(s["plots"]) for s in results["sections"])
    print(f"check: {args.results}: well formed ({len(results['sections'])} sections, {plots} plots)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
