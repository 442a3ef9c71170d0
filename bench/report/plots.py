"""A section's plot (the contract: bench/README.md) drawn as a PNG with gnuplot (Debian's gnuplot-nox)."""
import os
import subprocess
import tempfile


def quoted(text):
    """A gnuplot single-quoted string: the only escape is a doubled quote."""
    return "'" + str(text).replace("'", "''") + "'"


def _terminal():
    """pngcairo when this gnuplot has it (antialiased), else the libgd png terminal."""
    probe = subprocess.run(["gnuplot", "-e", "set terminal pngcairo"], capture_output=True, text=True)
    return "pngcairo" if probe.returncode == 0 and not probe.stderr.strip() else "png"


TERMINAL = None


def _data_lines(plot):
    """(data text, plot clauses) for gnuplot; series without points are left out."""
    series = [s for s in plot["series"] if s["points"]]
    if plot.get("kind", "lines") == "bars":
        labels = list(dict.fromkeys(str(x) for s in series for x, _ in s["points"]))
        values = [{str(x): y for x, y in s["points"]} for s in series]
        lines = [" ".join([quoted_data(label)] + [repr(v[label]) if label in v else "?" for v in values])
                 for label in labels]
        clauses = [f"$data using {i + 2}{':xtic(1)' if i == 0 else ''} title {quoted(s['name'])}"
                   for i, s in enumerate(series)]
        return "\n".join(lines), clauses
    blocks = []
    for s in series:
        blocks.append("\n".join(f"{x!r} {y!r}" for x, y in sorted(s["points"], key=lambda p: p[0])))
    clauses = [f"$data index {i} using 1:2 with linespoints lw 2 pt 7 title {quoted(s['name'])}"
               for i, s in enumerate(series)]
    return "\n\n\n".join(blocks), clauses


def quoted_data(label):
    """A category label as one field of a gnuplot data line."""
    return '"' + label.replace('"', "'") + '"'


def script(plot, png_path):
    global TERMINAL
    if TERMINAL is None:
        TERMINAL = _terminal()
    data, clauses = _data_lines(plot)
    lines = [
        f"set terminal {TERMINAL} noenhanced size 900,540",
        f"set output {quoted(png_path)}",
        f"set title {quoted(plot['title'])}",
        f"set xlabel {quoted(plot.get('xlabel', ''))}",
        f"set ylabel {quoted(plot.get('ylabel', ''))}",
        "set grid",
        "set key outside right top",
        'set datafile missing "?"',
        "$data << EOD",
        data,
        "EOD",
    ]
    if plot.get("kind", "lines") == "bars":
        lines += ["set style data histograms", "set style histogram clustered gap 1",
                  "set style fill solid 0.8 border -1", "set xtics rotate by -30", "set yrange [0:*]"]
    elif plot.get("logx"):
        lines.append("set logscale x")
    if plot.get("logy"):
        lines.append("set logscale y")
    lines.append("plot " + ", ".join(clauses))
    return "\n".join(lines) + "\n"


def draw(plot, png_path):
    """Writes png_path; raises RuntimeError with gnuplot's complaint when it fails."""
    with tempfile.NamedTemporaryFile("w", suffix=".gp", delete=False) as f:
        f.write(script(plot, png_path))
        gp = f.name
    try:
        done = subprocess.run(["gnuplot", gp], capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(gp)
    if done.returncode != 0 or not os.path.exists(png_path):
        raise RuntimeError(f"gnuplot failed for plot {plot['id']}: {done.stderr.strip()}")
