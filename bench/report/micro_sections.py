#!/usr/bin/python3
"""Google Benchmark JSON (one binary's --benchmark_out) -> one section JSON (the contract: bench/README.md).

  micro_sections.py GBENCH.json --binary NAME --section ID --out SECTION.json [--min-time S]

Benchmark names follow <group>/<implementation>/<argument>; the table of a group has a row per argument
and, per implementation, its time per iteration and its rate, then a speed ratio against the baseline
implementation (openssl_evp, openssl_ssl or linear) when the group has one. Names that do not follow the
convention (e.g. BM_Checksum/64) become a group per benchmark family with the family as the implementation.
"""
import argparse
import json
import math
import re
import sys

BASELINES = ("openssl_evp", "openssl_ssl", "linear")  # bench/micro/README.md
# Suffixes Google Benchmark appends to a name for run options, not part of the benchmark's own name.
OPTION_PART = re.compile(r"^(real_time|manual_time|process_time|threads:\d+|min_time:.*|min_warmup_time:.*"
                         r"|iterations:\d+|repeats:\d+)$")
TIME_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
MISSING = "—"


def split_name(name):
    """(group, implementation, argument, uses_real_time) of one benchmark name."""
    parts = name.split("/")
    options = [p for p in parts if OPTION_PART.match(p)]
    parts = [p for p in parts if not OPTION_PART.match(p)]
    real_time = "real_time" in options or "manual_time" in options
    conventional = len(parts) >= 2 and not parts[0].startswith("BM_") and ":" not in parts[1]
    if conventional:
        return parts[0], parts[1], "/".join(parts[2:]), real_time
    family = parts[0]
    return family, family[3:] if family.startswith("BM_") else family, "/".join(parts[1:]), real_time


def numeric_argument(arg):
    """(name, value) for a single numeric argument ("16384" or "bytes:16384"), else None."""
    if not arg or "/" in arg:
        return None
    label, _, value = arg.rpartition(":")
    try:
        number = float(value)
    except ValueError:
        return None
    return label, int(number) if number.is_integer() else number


def pick_runs(benchmarks):
    """The iteration runs, or the medians when the binary ran with repetitions."""
    medians = [b for b in benchmarks if b.get("run_type") == "aggregate" and b.get("aggregate_name") == "median"]
    if medians:
        return medians
    return [b for b in benchmarks if b.get("run_type", "iteration") == "iteration"]


def measure(run):
    """One run's figures: ns per iteration, bytes/s, items/s, label, error (None where absent)."""
    name = run.get("run_name", run["name"])
    group, impl, arg, real_time = split_name(name)
    error = run.get("error_message") if run.get("error_occurred") else None
    scale = TIME_UNIT_NS.get(run.get("time_unit", "ns"), 1.0)
    time_key = "real_time" if real_time else "cpu_time"
    return {
        "group": group, "impl": impl, "arg": arg, "error": error,
        "ns": None if error else run[time_key] * scale,
        "bytes_per_second": None if error else run.get("bytes_per_second"),
        "items_per_second": None if error else run.get("items_per_second"),
        "label": run.get("label", ""), "time": time_key,
    }


def significant(x, digits=4):
    """x rounded to a few significant digits (tables are read by people; raw keeps every digit)."""
    if x == 0:
        return 0
    rounded = float(f"{x:.{digits}g}")
    return int(rounded) if abs(rounded) >= 10 ** (digits - 1) else rounded


def ratio_text(ratio):
    """'2.41x', '11.9x', '1496x': three significant digits are all a noisy run supports."""
    return f"{ratio:.0f}x" if ratio >= 100 else f"{ratio:.1f}x" if ratio >= 10 else f"{ratio:.2f}x"


def sanitize(text):
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "x"


def group_table(group, runs):
    """The table of one group, and the columns needed to plot it."""
    impls = list(dict.fromkeys(r["impl"] for r in runs))
    args = list(dict.fromkeys(r["arg"] for r in runs))
    numeric = {a: numeric_argument(a) for a in args}
    all_numeric = all(numeric.values())
    if all_numeric:
        args.sort(key=lambda a: numeric[a][1])
    arg_names = {numeric[a][0] for a in args} if all_numeric else set()
    arg_title = next(iter(arg_names)) if len(arg_names) == 1 and "" not in arg_names else "argument"
    by_key = {(r["impl"], r["arg"]): r for r in runs}
    uses_bytes = any(r["bytes_per_second"] for r in runs)
    uses_items = not uses_bytes and any(r["items_per_second"] for r in runs)
    # Millions of items per second where the rates are that high; handshakes are thousands per second.
    item_scale = 1e6 if uses_items and max(r["items_per_second"] or 0 for r in runs) >= 1e6 else 1.0
    baseline = next((b for b in BASELINES if b in impls), None)
    compared = [i for i in impls if baseline and i != baseline]

    columns = [arg_title]
    for impl in impls:
        columns.append(f"{impl} ns/op")
        if uses_bytes:
            columns.append(f"{impl} MB/s")
        elif uses_items:
            columns.append(f"{impl} {'M ' if item_scale > 1 else ''}items/s")
    columns += [f"{impl} / {baseline} speed (>1 = faster)" for impl in compared]

    rows = []
    for arg in args:
        row = [numeric[arg][1] if all_numeric else (arg or "-")]
        for impl in impls:
            r = by_key.get((impl, arg))
            if r is None:
                cells = [MISSING]
            elif r["error"]:
                cells = [f"error: {r['error']}"]
            else:
                cells = [significant(r["ns"])]
            if uses_bytes or uses_items:
                key, unit = ("bytes_per_second", 1e6) if uses_bytes else ("items_per_second", item_scale)
                rate = r.get(key) if r and not r["error"] else None
                cells.append(significant(rate / unit) if rate else MISSING)
            row += cells
        for impl in compared:
            mine, base = by_key.get((impl, arg)), by_key.get((baseline, arg))
            if mine and base and mine["ns"] and base["ns"]:
                row.append(ratio_text(base["ns"] / mine["ns"]))
            else:
                row.append(MISSING)
        rows.append(row)
    return {"title": group, "columns": columns, "rows": rows}, all_numeric, arg_title, uses_bytes


def group_plot(section_id, group, runs, arg_title, uses_bytes, used_ids):
    """Throughput (bytes) or time per iteration against the numeric argument, one series per implementation."""
    pid = f"{section_id}_{sanitize(group)}"
    while pid in used_ids:
        pid += "_"
    used_ids.add(pid)
    series = []
    for impl in dict.fromkeys(r["impl"] for r in runs):
        points = []
        for r in runs:
            if r["impl"] != impl or r["error"]:
                continue
            x = numeric_argument(r["arg"])[1]
            y = r["bytes_per_second"] / 1e6 if uses_bytes else r["ns"]
            if y:
                points.append([x, significant(y)])
        if points:
            series.append({"name": impl, "points": sorted(points)})
    ys = [p[1] for s in series for p in s["points"]]
    xs = [p[0] for s in series for p in s["points"]]
    if not ys:
        return None
    ylabel = "MB/s" if uses_bytes else "ns per iteration"
    return {
        "id": pid, "title": f"{group}: {'throughput' if uses_bytes else 'time'} by {arg_title}",
        "xlabel": arg_title, "ylabel": ylabel, "kind": "lines",
        "logx": min(xs) > 0 and max(xs) / min(xs) >= 10,
        "logy": min(ys) > 0 and max(ys) / min(ys) >= 100,
        "series": series,
    }


def context_text(data, binary, min_time):
    ctx = data.get("context", {})
    scaling = ctx.get("cpu_scaling_enabled")
    lines = [
        f"Google Benchmark binary `{binary}`"
        + (f", run with `--benchmark_min_time={min_time}`" if min_time else "")
        + f" on {ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz"
        + f" (load average at its start: {', '.join(f'{x:.2f}' for x in ctx.get('load_avg', [])) or '?'}).",
        "`ns/op` is the time of one benchmark iteration (CPU time unless the benchmark measures real time; "
        "an iteration may process a batch); MB/s (10^6 bytes) and items/s (M: millions) come from the benchmark's "
        "SetBytesProcessed / SetItemsProcessed. A ratio column `X / baseline speed` is the baseline's time "
        "divided by X's: above 1 means X is faster than the baseline (openssl_evp, openssl_ssl or "
        "linear).",
    ]
    if scaling:
        lines.append("**Warning: CPU frequency scaling was enabled** during this run; times may be noisy.")
    else:
        lines.append("CPU frequency scaling: " + ("disabled." if scaling is False else "not reported."))
    build = ctx.get("library_build_type")
    if build:
        lines.append(f"The Google Benchmark library itself is a `{build}` build (it only times the code; "
                     "the code measured is Tollgate's own build, see the machine block).")
    return lines


def label_summary(runs):
    """'impl: label' once per implementation and label, naming the groups only when not all have it."""
    groups_of = {}
    for r in runs:
        if r["label"]:
            groups_of.setdefault((r["impl"], r["label"]), []).append(r["group"])
    summary = []
    for (impl, label), groups in groups_of.items():
        all_groups = {r["group"] for r in runs if r["impl"] == impl}
        where = "" if set(groups) == all_groups else " (" + ", ".join(dict.fromkeys(groups)) + ")"
        summary.append(f"{impl}: {label}{where}")
    return summary


def finite_only(value):
    """value with NaN/Infinity (which Google Benchmark can print for an empty counter) replaced by null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_only(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_only(v) for v in value]
    return value


def convert(data, binary, section_id, min_time=None):
    data = finite_only(data)
    runs = [measure(r) for r in pick_runs(data.get("benchmarks", []))]
    groups = list(dict.fromkeys(r["group"] for r in runs))
    tables, plots, used_ids = [], [], set()
    for group in groups:
        mine = [r for r in runs if r["group"] == group]
        table, numeric, arg_title, uses_bytes = group_table(group, mine)
        tables.append(table)
        if numeric and len({r["arg"] for r in mine}) > 1:
            plot = group_plot(section_id, group, mine, arg_title, uses_bytes, used_ids)
            if plot:
                plots.append(plot)
    text = context_text(data, binary, min_time)
    medians = [b for b in data.get("benchmarks", []) if b.get("aggregate_name") == "median"]
    if medians:
        text.append(f"Each figure is the median of {medians[0].get('repetitions', '?')} repetitions.")
    labels = label_summary(runs)
    if labels:
        text.append("Labels the benchmarks reported (e.g. the code path chosen): " + "; ".join(labels) + ".")
    if not runs:
        text.append("The binary reported no benchmark.")
    return {
        "section": section_id,
        "title": f"Micro-benchmarks: {binary}",
        "text": text,
        "tables": tables,
        "plots": plots,
        "raw": data,
    }


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gbench_json")
    ap.add_argument("--binary", required=True, help="the binary's name, for the section title")
    ap.add_argument("--section", required=True, help="section id, [a-z0-9_]+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--min-time", help="the --benchmark_min_time the binary ran with")
    args = ap.parse_args(argv)
    with open(args.gbench_json) as f:
        data = json.load(f)
    section = convert(data, args.binary, args.section, args.min_time)
    with open(args.out, "w") as f:
        json.dump(section, f, indent=1, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
