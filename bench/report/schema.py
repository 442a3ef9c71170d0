"""The section JSON contract (docs: bench/README.md) and the results file that gathers the sections.

Every function returns a list of problems (strings naming where): empty means well formed. The checker
(check.py), the renderer (render.py) and the converter's tests share these rules so that they cannot drift.
"""
import json
import math
import re

SECTION_ID = re.compile(r"^[a-z0-9_]+$")
PLOT_KINDS = ("lines", "bars")
RESULTS_FORMAT = "tollgate-bench-results/1"
RESULTS_KEYS = ("format", "date", "host", "quick", "command", "started", "finished", "elapsed_s",
                "requested", "producers", "noise", "machine", "sections")
PRODUCER_STATUSES = ("ok", "failed", "missing")


def _reject_constant(name):
    raise ValueError(f"{name} is not a finite JSON number")


def load_json(path):
    """json.load that refuses NaN and Infinity (Python accepts them by default; the contract does not)."""
    with open(path) as f:
        return json.load(f, parse_constant=_reject_constant)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _finite(v):
    return _is_number(v) and math.isfinite(v)


def _non_finite_paths(value, where):
    """Every NaN/Infinity inside value (a JSON tree built in Python may hold them even if a file cannot)."""
    if isinstance(value, float) and not math.isfinite(value):
        yield where
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _non_finite_paths(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _non_finite_paths(v, f"{where}[{i}]")


def table_problems(table, where):
    problems = []
    if not isinstance(table, dict):
        return [f"{where}: not an object"]
    if not isinstance(table.get("title"), str):
        problems.append(f"{where}: 'title' must be a string")
    columns = table.get("columns")
    rows = table.get("rows")
    if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns):
        return problems + [f"{where}: 'columns' must be a non-empty list of strings"]
    if not isinstance(rows, list):
        return problems + [f"{where}: 'rows' must be a list"]
    for r, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(columns):
            width = len(row) if isinstance(row, list) else "not a list"
            problems.append(f"{where}.rows[{r}]: {width} cells for {len(columns)} columns")
            continue
        for c, cell in enumerate(row):
            if isinstance(cell, str):
                continue
            if not _finite(cell):
                problems.append(f"{where}.rows[{r}][{c}]: {cell!r} is neither a string nor a finite number")
    return problems


def plot_problems(plot, where):
    problems = []
    if not isinstance(plot, dict):
        return [f"{where}: not an object"]
    pid = plot.get("id")
    if not isinstance(pid, str) or not SECTION_ID.match(pid):
        problems.append(f"{where}: 'id' {pid!r} must match [a-z0-9_]+ (it names the PNG file)")
    for key in ("title", "xlabel", "ylabel"):
        if not isinstance(plot.get(key), str):
            problems.append(f"{where}: '{key}' must be a string")
    kind = plot.get("kind", "lines")
    if kind not in PLOT_KINDS:
        problems.append(f"{where}: 'kind' {kind!r} is not one of {PLOT_KINDS}")
    series = plot.get("series")
    if not isinstance(series, list) or not series:
        return problems + [f"{where}: 'series' must be a non-empty list"]
    points_total = 0
    for s, one in enumerate(series):
        here = f"{where}.series[{s}]"
        if not isinstance(one, dict) or not isinstance(one.get("name"), str) or not isinstance(one.get("points"), list):
            problems.append(f"{here}: needs 'name' (string) and 'points' (list)")
            continue
        for p, point in enumerate(one["points"]):
            if not isinstance(point, list) or len(point) != 2:
                problems.append(f"{here}.points[{p}]: must be [x, y]")
                continue
            x, y = point
            if kind == "bars" and not isinstance(x, (str, int, float)):
                problems.append(f"{here}.points[{p}]: x must be a category label")
            if kind == "lines" and not _finite(x):
                problems.append(f"{here}.points[{p}]: x {x!r} is not a finite number")
            if not _finite(y):
                problems.append(f"{here}.points[{p}]: y {y!r} is not a finite number")
            if kind == "lines" and plot.get("logx") and _finite(x) and x <= 0:
                problems.append(f"{here}.points[{p}]: x {x} on a log axis")
            if plot.get("logy") and _finite(y) and y <= 0:
                problems.append(f"{here}.points[{p}]: y {y} on a log axis")
            points_total += 1
    if points_total == 0:
        problems.append(f"{where}: no points in any series")
    return problems


def section_problems(section, where="section"):
    if not isinstance(section, dict):
        return [f"{where}: not an object"]
    sid = section.get("section")
    if isinstance(sid, str):
        where = f"section {sid}"
    problems = []
    if not isinstance(sid, str) or not SECTION_ID.match(sid):
        problems.append(f"{where}: 'section' {sid!r} must match [a-z0-9_]+")
    if not isinstance(section.get("title"), str) or not section.get("title"):
        problems.append(f"{where}: 'title' must be a non-empty string")
    text = section.get("text")
    if not isinstance(text, list) or not all(isinstance(t, str) for t in text):
        problems.append(f"{where}: 'text' must be a list of strings")
    for key, check in (("tables", table_problems), ("plots", plot_problems)):
        items = section.get(key)
        if not isinstance(items, list):
            problems.append(f"{where}: '{key}' must be a list")
            continue
        for i, item in enumerate(items):
            problems += check(item, f"{where}.{key}[{i}]")
    if "raw" not in section:
        problems.append(f"{where}: 'raw' is missing (every raw number the section measured)")
    problems += [f"{p}: NaN/Infinity" for p in _non_finite_paths(section, where)]
    return problems


def sections_in_file(data):
    """A producer's file holds one section object, a list of them, or {"sections": [...]}."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "sections" in data and "section" not in data:
        return data["sections"]
    return [data]


def results_problems(results):
    """The results file as a whole: its keys, each section, unique ids, every requested producer ran."""
    if not isinstance(results, dict):
        return ["results: not an object"]
    problems = [f"results: '{k}' is missing" for k in RESULTS_KEYS if k not in results]
    if problems:
        return problems
    if results["format"] != RESULTS_FORMAT:
        problems.append(f"results: format {results['format']!r}, expected {RESULTS_FORMAT!r}")
    if not isinstance(results["machine"], dict) or not isinstance(results["machine"].get("versions"), dict):
        problems.append("results: 'machine' must be an object with 'versions'")
    section_ids, plot_ids = set(), set()
    for i, section in enumerate(results["sections"]):
        problems += section_problems(section, f"sections[{i}]")
        sid = section.get("section") if isinstance(section, dict) else None
        if sid in section_ids:
            problems.append(f"section {sid}: id used twice")
        section_ids.add(sid)
        for plot in section.get("plots", []) if isinstance(section, dict) else []:
            pid = plot.get("id") if isinstance(plot, dict) else None
            if pid in plot_ids:
                problems.append(f"plot {pid}: id used twice (plots share one folder)")
            plot_ids.add(pid)
    by_name = {p.get("name"): p for p in results["producers"] if isinstance(p, dict)}
    for name in results["requested"]:
        producer = by_name.get(name)
        if producer is None:
            problems.append(f"producer {name}: requested but not recorded")
            continue
        if producer.get("status") not in PRODUCER_STATUSES:
            problems.append(f"producer {name}: status {producer.get('status')!r}")
        if producer.get("status") != "ok":
            problems.append(f"producer {name}: {producer.get('status')} ({producer.get('message', '')})")
        produced = producer.get("sections") or []
        if not produced:
            problems.append(f"producer {name}: produced no section")
        for sid in produced:
            if sid not in section_ids:
                problems.append(f"producer {name}: section {sid} is not in 'sections'")
    outside_sections = {k: v for k, v in results.items() if k != "sections"}
    problems += [f"{p}: NaN/Infinity" for p in _non_finite_paths(outside_sections, "results")]
    return problems
