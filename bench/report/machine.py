#!/usr/bin/python3
"""The machine block of a results file, as JSON on stdout: CPU, memory, kernel, OS, and the versions of
Tollgate and of everything it is built with or compared against.

  machine.py [--build DIR]   (DIR: Tollgate's meson build dir, for its build type; default ROOT/build)
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The CPU flags that decide which crypto and matching code paths run.
RELEVANT_FLAGS = re.compile(r"^(aes|pclmulqdq|avx|avx2|avx512.*|vaes|vpclmulqdq|sha_ni|gfni|bmi2|adx|sse4_2|ssse3)$")
ABSENT = "not installed"


def run(cmd, pattern=None):
    """First line of cmd's output (stdout, else stderr), or pattern's first group in it; None on failure."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=20, cwd=ROOT)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = (done.stdout.strip() or done.stderr.strip())
    if done.returncode != 0 and not out:
        return None
    if pattern:
        m = re.search(pattern, out, re.M)
        return m.group(1) if m else None
    return out.splitlines()[0] if out else None


def header_define(path, name):
    try:
        with open(path) as f:
            m = re.search(rf'#define\s+{name}\s+"([^"]+)"', f.read())
        return m.group(1) if m else None
    except OSError:
        return None


def cpuinfo():
    with open("/proc/cpuinfo") as f:
        text = f.read()
    model = re.search(r"^model name\s*:\s*(.*)$", text, re.M)
    flags = re.search(r"^flags\s*:\s*(.*)$", text, re.M)
    flag_list = flags.group(1).split() if flags else []
    return (model.group(1).strip() if model else "?"), sorted(f for f in flag_list if RELEVANT_FLAGS.match(f))


def lscpu_field(name):
    return run(["lscpu"], rf"^{re.escape(name)}:\s*(.*)$")


def memory_gib():
    with open("/proc/meminfo") as f:
        kib = int(re.search(r"^MemTotal:\s*(\d+)", f.read(), re.M).group(1))
    return round(kib / 1024 / 1024, 1)


def os_name():
    try:
        with open("/etc/os-release") as f:
            pretty = re.search(r'^PRETTY_NAME="?([^"\n]*)', f.read(), re.M)
        with open("/etc/debian_version") as f:
            point = f.read().strip()
        return f"{pretty.group(1) if pretty else 'Debian'} (debian_version {point})"
    except OSError:
        return "?"


def tollgate_version():
    describe = run(["git", "describe", "--always", "--dirty", "--tags"])
    commit = run(["git", "rev-parse", "HEAD"])
    branch = run(["git", "rev-parse", "--abbrev-ref", "HEAD"])
    if not describe:
        return "unknown (not a git checkout)"
    return f"{describe} ({branch}, {commit[:12] if commit else '?'}" + (
        ", uncommitted changes)" if describe.endswith("-dirty") else ")")


def build_type(build_dir):
    try:
        done = subprocess.run(["meson", "introspect", build_dir, "--buildoptions"], capture_output=True,
                              text=True, timeout=30)
        options = {o["name"]: o["value"] for o in json.loads(done.stdout)}
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return "unknown (no meson build dir)"
    return (f"meson buildtype {options.get('buildtype')}, -O{options.get('optimization')}, "
            f"sanitizers {options.get('b_sanitize')}, stats {options.get('stats')}, compiler "
            + (run(["c++", "--version"]) or "?"))


def versions():
    found = {
        "Tollgate": tollgate_version(),
        "DPDK": run(["pkg-config", "--modversion", "libdpdk"]),
        "OpenSSL": run(["openssl", "version"]),
        "ipsec-mb": header_define("/usr/include/intel-ipsec-mb.h", "IMB_VERSION_STR")
        or run(["dpkg-query", "-W", "-f=${Version}", "libipsec-mb-dev"]),
        "Hyperscan": run(["pkg-config", "--modversion", "libhs"]),
        "nginx": run(["nginx", "-v"], r"nginx/(\S+)"),
        "HAProxy": run(["haproxy", "-v"], r"version (\S+)"),
        "wrk": run(["wrk", "-v"], r"^wrk (\S+)"),
        "h2load": run(["h2load", "--version"], r"nghttp2/(\S+)"),
        "Google Benchmark": run(["dpkg-query", "-W", "-f=${Version}", "libbenchmark-dev"]),
        "gcc": run(["gcc", "-dumpfullversion"]),
        "clang": run(["clang", "--version"], r"version (\S+)"),
        "meson": run(["meson", "--version"]),
        "ninja": run(["ninja", "--version"]),
        "gnuplot": run(["gnuplot", "--version"], r"gnuplot (.*)$"),
        "python3": run(["/usr/bin/python3", "--version"], r"Python (\S+)"),
    }
    return {name: version or ABSENT for name, version in found.items()}


def machine(build_dir):
    model, flags = cpuinfo()
    return {
        "hostname": run(["hostname", "-s"]) or "?",
        "cpu_model": model,
        "cpu_flags": flags,
        "cpus": os.cpu_count(),
        "cores_per_socket": lscpu_field("Core(s) per socket") or "?",
        "threads_per_core": lscpu_field("Thread(s) per core") or "?",
        "sockets": lscpu_field("Socket(s)") or "?",
        "memory_gib": memory_gib(),
        "kernel": os.uname().release,
        "os": os_name(),
        "build": build_type(build_dir),
        "versions": versions(),
    }


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = ap.parse_args(argv)
    json.dump(machine(args.build), sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
