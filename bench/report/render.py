#!/usr/bin/python3
"""A results JSON (bench/run.sh) -> its markdown report and the PNG plots beside it.

  render.py RESULTS.json

Writes RESULTS.md next to the JSON and RESULTS/<plot id>.png (the folder named like the file without
.json), which the markdown links relatively, so the three move together.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plots  # noqa: E402
import schema  # noqa: E402


def cell(value):
    """A table cell for markdown: numbers rounded for reading, pipes escaped."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return cell(int(value))
        magnitude = abs(value)
        if magnitude >= 1000:
            return f"{value:,.0f}"
        if magnitude >= 100:
            return f"{value:.1f}"
        if magnitude >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def table_md(columns, rows):
    lines = ["| " + " | ".join(cell(c) for c in columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines


def machine_md(machine):
    rows = [
        ["CPU", machine.get("cpu_model", "?")],
        ["CPU flags (relevant)", " ".join(machine.get("cpu_flags", [])) or "none of them"],
        ["cores", f"{machine.get('cpus', '?')} logical CPUs ({machine.get('cores_per_socket', '?')} cores "
                  f"per socket, {machine.get('threads_per_core', '?')} threads per core)"],
        ["memory", f"{machine.get('memory_gib', '?')} GiB"],
        ["kernel", machine.get("kernel", "?")],
        ["OS", machine.get("os", "?")],
        ["Tollgate build", machine.get("build", "?")],
    ]
    versions = [[name, version] for name, version in machine.get("versions", {}).items()]
    return (["## Machine", ""] + table_md(["item", "value"], rows) + ["", "Versions:", ""]
            + table_md(["component", "version"], versions))


def run_md(results):
    quick = " (--quick)" if results["quick"] else ""
    noise = results["noise"]
    lines = [
        f"# Tollgate benchmarks: {results['date']}, {results['host']}{quick}",
        "",
        f"Command: `{results['command']}`. Started {results['started']}, finished {results['finished']} "
        f"({results['elapsed_s']:.0f} s).",
        "",
        f"Noise: {noise.get('niced_cpu_s', 0):.1f} s of CPU time in niced processes during the run (other jobs' "
        f"compilers run at nice 19); load average {noise.get('loadavg_start', '?')} at the start, "
        f"{noise.get('loadavg_end', '?')} at the end.",
    ]
    if results.get("budget_s") and results["elapsed_s"] > results["budget_s"]:
        lines += ["", f"**Over budget: this run took {results['elapsed_s']:.0f} s, its budget is "
                  f"{results['budget_s']} s.**"]
    if noise.get("other_labs"):
        lines += ["", "**Warning: other Tollgate labs or benchmarks were up at the start:** "
                  + ", ".join(noise["other_labs"]) + ". The numbers below shared the machine with them."]
    lines += ["", "Benchmarks run:", ""]
    rows = [[p["name"], p["status"] + (f": {p['message']}" if p.get("message") else ""),
             round(p.get("elapsed_s", 0), 1), ", ".join(p.get("sections") or []) or "-"]
            for p in results["producers"]]
    lines += table_md(["producer", "status", "seconds", "sections"], rows)
    for p in results["producers"]:
        if p["status"] != "ok" and p.get("log_tail"):
            lines += ["", f"End of {p['name']}'s log (`{p.get('log', '?')}`):", "", "```"] + p["log_tail"] + ["```"]
    return lines


def section_md(section, plot_dir_name):
    lines = [f"## {section['title']}", ""]
    for paragraph in section["text"]:
        lines += [paragraph, ""]
    for table in section["tables"]:
        lines += [f"### {table['title']}", ""] + table_md(table["columns"], table["rows"]) + [""]
    for plot in section["plots"]:
        lines += [f"![{plot['title']}]({plot_dir_name}/{plot['id']}.png)", ""]
    return lines


def render(results_path):
    results = schema.load_json(results_path)
    stem = results_path[:-len(".json")] if results_path.endswith(".json") else results_path
    plot_dir = stem
    plot_dir_name = os.path.basename(stem)
    lines = run_md(results) + [""] + machine_md(results["machine"]) + [""]
    problems = []
    for section in results["sections"]:
        if schema.section_problems(section):
            lines += [f"## {section.get('title', section.get('section', '?'))}", "",
                      "Not rendered: the section is malformed (see check.py).", ""]
            continue
        for plot in section["plots"]:
            os.makedirs(plot_dir, exist_ok=True)
            try:
                plots.draw(plot, os.path.join(plot_dir, f"{plot['id']}.png"))
            except RuntimeError as e:
                problems.append(str(e))
        lines += section_md(section, plot_dir_name)
    with open(stem + ".md", "w") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")
    return problems


def main(argv):
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    problems = render(argv[0])
    for p in problems:
        print(f"render: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
