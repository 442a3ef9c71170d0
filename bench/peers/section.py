#!/usr/bin/python3
"""Builds a benchmark section JSON file (the format of bench/run.sh) one call at a time, from shell scripts.

  section.py init FILE ID TITLE                 a new section (overwrites FILE)
  section.py text FILE PARAGRAPH                appends a markdown paragraph
  section.py table FILE TITLE COLUMN...         starts a table; rows go to the last table
  section.py row FILE CELL...                   a row of the last table (as many cells as columns)
  section.py plot FILE ID TITLE XLABEL YLABEL [--kind lines|bars] [--logx] [--logy]
  section.py point FILE PLOT_ID SERIES X Y      a point of a plot's series (series made on first use)
  section.py raw FILE KEY JSON_OR_STRING        raw["KEY"] = the value (a JSON text or, failing that, a string)
  section.py markdown FILE                      prints the section as markdown (title, text, tables)
  section.py ratio A B                          prints "A/B" as "1.23x" ("n/a" when not both positive numbers)

Cells that look like numbers are stored as numbers; NaN and infinities never are (they stay strings), so
the file is plain JSON. Every write checks that each table's rows have as many cells as its columns.
"""
import json
import math
import os
import re
import sys

NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def cell(text):
    if NUMBER.match(text):
        v = float(text)
        if math.isfinite(v):
            return int(v) if re.match(r"^-?\d+$", text) else v
    return text


def load(path):
    with open(path) as f:
        return json.load(f)


def save(path, s):
    for t in s["tables"]:
        for r in t["rows"]:
            if len(r) != len(t["columns"]):
                sys.exit(f"section.py: table '{t['title']}': row {r} has {len(r)} cells for {len(t['columns'])} columns")
    with open(path + ".tmp", "w") as f:
        json.dump(s, f, indent=1, allow_nan=False)
    os.replace(path + ".tmp", path)


def markdown(s):
    out = [f"## {s['title']}", ""]
    for p in s["text"]:
        out += [p, ""]
    for t in s["tables"]:
        out += [f"**{t['title']}**", "", "| " + " | ".join(t["columns"]) + " |", "|" + "---|" * len(t["columns"])]
        for r in t["rows"]:
            out.append("| " + " | ".join(fmt(c) for c in r) + " |")
        out.append("")
    for p in s["plots"]:
        out.append(f"Plot {p['id']}: {p['title']} ({len(p['series'])} series)")
    return "\n".join(out)


def fmt(c):
    if isinstance(c, float):
        return f"{c:.0f}" if abs(c) >= 1000 else f"{c:.3g}" if abs(c) < 10 else f"{c:.1f}"
    return str(c)


def ratio(a, b):
    try:
        a, b = float(a), float(b)
    except ValueError:
        return "n/a"
    if not (math.isfinite(a) and math.isfinite(b)) or a <= 0 or b <= 0:
        return "n/a"
    return f"{a / b:.2f}x"


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "ratio":
        print(ratio(argv[2], argv[3]))
        return
    path = argv[2]
    if cmd == "init":
        save(path, {"section": argv[3], "title": argv[4], "text": [], "tables": [], "plots": [], "raw": {}})
        return
    s = load(path)
    if cmd == "text":
        s["text"].append(argv[3])
    elif cmd == "table":
        s["tables"].append({"title": argv[3], "columns": argv[4:], "rows": []})
    elif cmd == "row":
        s["tables"][-1]["rows"].append([cell(c) for c in argv[3:]])
    elif cmd == "plot":
        opts = argv[7:]
        kind = opts[opts.index("--kind") + 1] if "--kind" in opts else "lines"
        s["plots"].append({"id": argv[3], "title": argv[4], "xlabel": argv[5], "ylabel": argv[6],
                           "logx": "--logx" in opts, "logy": "--logy" in opts, "kind": kind, "series": []})
    elif cmd == "point":
        plot = next(p for p in s["plots"] if p["id"] == argv[3])
        series = next((x for x in plot["series"] if x["name"] == argv[4]), None)
        if series is None:
            series = {"name": argv[4], "points": []}
            plot["series"].append(series)
        x, y = cell(argv[5]), cell(argv[6])
        if isinstance(y, str):
            return  # an unmeasured point (n/a) is left out, never invented
        series["points"].append([x, y])
    elif cmd == "raw":
        try:
            s["raw"][argv[3]] = json.loads(argv[4])
        except json.JSONDecodeError:
            s["raw"][argv[3]] = argv[4]
    elif cmd == "markdown":
        print(markdown(s))
        return
    else:
        sys.exit(__doc__)
    save(path, s)


if __name__ == "__main__":
    main(sys.argv)
