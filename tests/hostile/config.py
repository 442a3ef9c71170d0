#!/usr/bin/python3
"""Writes the hostile suite's dataplane config: deploy/lab.toml with short timeouts and a few additions.

  config.py LAB_TOML OUT [--l4-idle]

Changes to the lab config, each for a case of tests/hostile/:
  - [tcp] time_wait_ms = 1000: TCBs the dataplane closed itself leave TIME_WAIT within the leak checks' bound.
  - https and http-app: header_timeout_ms = 5000 (slowloris is answered within the case's time) and
    idle_timeout_ms = 5000 (the inactivity bound a started response or a zero-window reader must hit too).
  - --l4-idle: idle_timeout_ms = 5000 on the tcp and tls listeners as well (a key today's dataplane refuses
    there; run.sh passes it only when --check-config accepts it).
  - pool "probe": 198.19.0.13:8090, a lab backend run.sh starts with --verbose, so every request a target
    parsed is one line in its log; https and http-app send /probe/* to it (the smuggling corpus counts them).
  - listener "tcp-limited" on :7001 (the echo pool) with max_connections = 64, for the spoofed SYN flood.
"""
import sys

L7_TIMEOUTS = "header_timeout_ms = 5000\nidle_timeout_ms = 5000\n"
PROBE_POOL = '''
# The hostile suite's logging backend (tests/hostile/run.sh starts it).
[[pool]]
name = "probe"
targets = ["198.19.0.13:8090"]
'''
PROBE_RULE = '''
[[listener.rule]]
priority = 30
path = "/probe/*"
action = { type = "forward", pool = "probe" }
'''
LIMITED = '''
# A listener with a connection limit, for the spoofed SYN flood (tests/hostile/case_syn_flood.sh).
[[listener]]
name = "tcp-limited"
protocol = "tcp"
address = "198.18.0.1"
port = 7001
pool = "echo"
max_connections = 64
'''


def listener_start(lines, name):
    """Index of the [[listener]] line whose table has name = NAME."""
    i = lines.index(f'name = "{name}"\n')
    while lines[i].strip() != "[[listener]]":
        i -= 1
    return i


def after_name(lines, name, text):
    i = lines.index(f'name = "{name}"\n')
    lines[i + 1:i + 1] = [text]


def main(argv):
    src, out = argv[1], argv[2]
    l4_idle = "--l4-idle" in argv[3:]
    with open(src) as f:
        lines = f.readlines()
    lines[lines.index("[tcp]\n") + 1:lines.index("[tcp]\n") + 1] = ["time_wait_ms = 1000\n"]
    # Rules go before the next listener (or [management]) so they attach to the right one.
    lines[listener_start(lines, "http"):listener_start(lines, "http")] = [PROBE_RULE]
    management = next(i for i, l in enumerate(lines) if l.startswith("# The control plane's Prometheus"))
    lines[management:management] = [PROBE_RULE, LIMITED]
    first_l7 = next(i for i, l in enumerate(lines) if l.startswith("# ---- L7"))
    lines[first_l7:first_l7] = [PROBE_POOL]
    for name in ("https", "http-app"):
        after_name(lines, name, L7_TIMEOUTS)
    if l4_idle:
        for name in ("tcp-echo", "tls-echo"):
            after_name(lines, name, "idle_timeout_ms = 5000\n")
    text = "".join(lines)
    if l4_idle:  # tcp-limited is inside the LIMITED block, not a line of its own yet
        text = text.replace('name = "tcp-limited"\n', 'name = "tcp-limited"\nidle_timeout_ms = 5000\n')
    with open(out, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
