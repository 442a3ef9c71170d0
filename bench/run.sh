#!/usr/bin/env bash
# Runs the benchmark suite and writes its report (bench/README.md):
#   bench/run.sh [--quick] [--sections a,b,...] [--out DIR] [--host NAME] [--no-build]
#                [--require-quiet] [--producer "NAME KIND PATH [ARGS...]"]... [--list]
# Installs what is missing (scripts/setup.sh), builds the programs and benchmarks (meson/ninja in build/,
# or $TOLLGATE_BUILD_DIR), runs each producer of PRODUCERS below in order, then writes
# DIR/<date>-<host>[-quick].{json,md} and DIR/<date>-<host>[-quick]/<plot>.png (DIR: bench/results).
#   --quick          short runs (micro: --benchmark_min_time=0.02; scripts get --quick): a smoke run
#   --sections LIST  only these producers (names as in PRODUCERS; --list prints them)
#   --host NAME      the host in the file names (default: hostname -s)
#   --no-build       skip setup and build (the binaries must be built already)
#   --require-quiet  refuse to start while another Tollgate lab or benchmark is up (default: warn)
#   --producer SPEC  add a producer after the list (tests use it for stub sections)
# Exits non-zero when a producer is missing, fails or writes a malformed section (all still reported).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
REPORT=$ROOT/bench/report
BUILD=${TOLLGATE_BUILD_DIR:-$ROOT/build}

# The producers, in the order they run: "NAME KIND PATH [ARGS...]". NAME is what --sections selects
# (and, by convention, the id of the section it writes). KIND:
#   micro   PATH is a Google Benchmark binary under the build dir; report/micro_sections.py converts it.
#   script  PATH is a script under the repo, called as PATH [--quick] --json FILE --raw DIR [ARGS...].
# ARGS are split on whitespace (no quoting). Each producer is bounded by BENCH_TIMEOUT seconds (default
# 240 with --quick, 3600 without); a --quick run of the whole list must stay under QUICK_BUDGET_S.
PRODUCERS=(
  "micro_net      micro   bench/net_benchmark"
  "micro_tls      micro   bench/tls_benchmark"
  "micro_routing  micro   bench/routing_benchmark"
  "micro_http     micro   bench/http_benchmark"
  "micro_tcp      micro   bench/tcp_benchmark"
  "micro_stats    micro   bench/stats_benchmark"
  "loadgen_memif      script  bench/loadgen.sh"
  "http_proxy         script  bench/http_proxy.sh"
  "https_connections  script  bench/https_connections.sh"
  "bulk_download      script  bench/bulk_download.sh"
  "http_latency       script  bench/http_latency.sh"
  "http_scaling       script  bench/http_scaling.sh"
  "tls_idle_memory    script  bench/tls_idle_memory.sh"
  "hostile            script  bench/hostile.sh"
)

QUICK_BUDGET_S=300
QUICK=0
SELECTED=""
OUT=$ROOT/bench/results
HOST=$(hostname -s)
DO_BUILD=1
REQUIRE_QUIET=0
LIST=0
COMMAND_LINE=bench/run.sh
for a in "$@"; do  # as typed: quoted only where the shell needs it
  if [[ "$a" =~ ^[A-Za-z0-9_./,=:@+-]+$ ]]; then COMMAND_LINE+=" $a"; else COMMAND_LINE+=" '${a//\'/\'\\\'\'}'"; fi
done
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --sections) SELECTED=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --host) HOST=$2; shift 2 ;;
    --no-build) DO_BUILD=0; shift ;;
    --require-quiet) REQUIRE_QUIET=1; shift ;;
    --producer) PRODUCERS+=("$2"); shift 2 ;;
    --list) LIST=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage 2 ;;
  esac
done
[[ "$HOST" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "run.sh: --host must be letters, digits, . _ -" >&2; exit 2; }

declare -A SPEC=()
ORDER=()
for p in "${PRODUCERS[@]}"; do
  read -r name _ <<<"$p"
  [[ "$name" =~ ^[a-z0-9_]+$ ]] || { echo "run.sh: producer name '$name' must match [a-z0-9_]+" >&2; exit 2; }
  [ -z "${SPEC[$name]:-}" ] || { echo "run.sh: producer $name listed twice" >&2; exit 2; }
  SPEC[$name]=$p
  ORDER+=("$name")
done
if [ $LIST -eq 1 ]; then printf '%s\n' "${PRODUCERS[@]}"; exit 0; fi
REQUESTED=("${ORDER[@]}")
if [ -n "$SELECTED" ]; then
  IFS=, read -r -a REQUESTED <<<"$SELECTED"
  for name in "${REQUESTED[@]}"; do
    [ -n "${SPEC[$name]:-}" ] || { echo "run.sh: no producer '$name' (known: ${ORDER[*]})" >&2; exit 2; }
  done
fi

# Other Tollgate labs and benchmarks (their namespaces and processes) make every number here noisy.
others_up() {
  ip netns list 2>/dev/null | awk '{print $1}' |
    sed -n 's/^\([a-z][a-z0-9]\{0,7\}\)-\(client\|backend\|proxy\)$/lab \1/p' | sort -u
  # Process names are cut to 15 characters (tollgate-dataplane, tollgate-loadgen, *_benchmark).
  ps -eo pid=,comm= |
    awk '$2 ~ /^(tollgate-datapl|tollgate-loadge|wrk|h2load|[a-z]+_benchm)/ {print $2 " (pid " $1 ")"}'
}
OTHERS=$(others_up | paste -sd, - | sed 's/,/, /g')
if [ -n "$OTHERS" ]; then
  if [ $REQUIRE_QUIET -eq 1 ]; then
    echo "run.sh: refusing to run (--require-quiet): up already: $OTHERS" >&2
    exit 1
  fi
  echo "run.sh: warning: other Tollgate labs/benchmarks are up ($OTHERS): the numbers will be noisy" >&2
fi

nice_seconds() { awk -v hz="$(getconf CLK_TCK)" '/^cpu /{print $3 / hz}' /proc/stat; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
NICE0=$(nice_seconds)
LOAD0=$(loadavg)
STARTED=$(date -u +%FT%TZ)
T0=$(date +%s.%N)
DATE=$(date -u +%F)
STEM=$DATE-$HOST
[ $QUICK -eq 0 ] || STEM=$STEM-quick
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-bench.XXXXXX")
echo "run.sh: $STEM, work dir (logs, raw output) $WORK"

if [ $DO_BUILD -eq 1 ]; then
  echo "run.sh: setup and build (logs in $WORK)"
  bash "$ROOT/scripts/setup.sh" >"$WORK/setup.log" 2>&1 ||
    { tail -20 "$WORK/setup.log"; echo "run.sh: setup failed" >&2; exit 1; }
  if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" "$ROOT" -Dwerror=true >"$WORK/meson.log" 2>&1 || { tail -20 "$WORK/meson.log"; exit 1; }
  fi
  # Every program and benchmark binary; not the unit tests (scripts/test.sh builds those elsewhere).
  targets=$(meson introspect "$BUILD" --targets | "$PY" -c '
import json, os, sys
for t in json.load(sys.stdin):
    if t["type"] == "executable" and not t["name"].endswith("_test"):
        for f in t["filename"]: print(os.path.relpath(f, sys.argv[1]))' "$BUILD")
  # shellcheck disable=SC2086
  ninja -C "$BUILD" $targets >"$WORK/build.log" 2>&1 ||
    { tail -40 "$WORK/build.log"; echo "run.sh: build failed" >&2; exit 1; }
fi
buildtype=$(meson introspect "$BUILD" --buildoptions 2>/dev/null | "$PY" -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o["buildtype"], o["b_sanitize"])' 2>/dev/null)
case "$buildtype" in
  "debugoptimized none" | "release none") ;;
  *) echo "run.sh: warning: the build in $BUILD is '$buildtype': not what users run" >&2 ;;
esac

# The machine block now: the versions of what was just built, before anything can change the checkout.
"$PY" "$REPORT/machine.py" --build "$BUILD" >"$WORK/machine.json"
for name in "${REQUESTED[@]}"; do
  read -r _ kind _ <<<"${SPEC[$name]}"
  if [ "$kind" = script ] && [ "$(id -u)" -ne 0 ]; then
    echo "run.sh: warning: not root: the lab scripts need it (network namespaces, XDP)" >&2
    break
  fi
done

BENCH_CPU=$(($(nproc) - 1))  # micro-benchmarks pinned to one core, away from core 0's interrupts
MIN_TIME=""
# Full runs: the median of 3 repetitions (a shared machine has outliers); --quick: one short run.
REPEAT=(--benchmark_repetitions=3 --benchmark_report_aggregates_only=true)
[ $QUICK -eq 0 ] || REPEAT=()
[ $QUICK -eq 0 ] || MIN_TIME=0.02  # 120 TLS benchmarks: 17 s at 0.05, 5 s at 0.02 (the 5-minute budget)
TIMEOUT=${BENCH_TIMEOUT:-$([ $QUICK -eq 1 ] && echo 240 || echo 3600)}
MANIFEST=$WORK/producers.tsv
: >"$MANIFEST"

# run_producer NAME: runs it, appends its manifest line (status ok|failed|missing).
run_producer() {
  local name=$1 kind path args json=$WORK/$1.json log=$WORK/$1.log status=ok code=0 message="" t0 cmd=()
  read -r _ kind path args <<<"${SPEC[$name]}"
  local extra=()
  read -r -a extra <<<"${args:-}"
  t0=$(date +%s.%N)
  case "$kind" in
    micro)
      cmd=("$BUILD/$path" --benchmark_format=json "--benchmark_out=$WORK/$name.gbench.json"
        --benchmark_out_format=json ${MIN_TIME:+"--benchmark_min_time=$MIN_TIME"} "${REPEAT[@]}" "${extra[@]}")
      if [ ! -x "$BUILD/$path" ]; then
        status=missing; message="$BUILD/$path is not built"
      else
        timeout "$TIMEOUT" taskset -c "$BENCH_CPU" "${cmd[@]}" >"$log" 2>&1 </dev/null
        code=$?
        if [ $code -ne 0 ]; then status=failed; message="exit $code"; else
          "$PY" "$REPORT/micro_sections.py" "$WORK/$name.gbench.json" --binary "$(basename "$path")" \
            --section "$name" --out "$json" ${MIN_TIME:+--min-time "$MIN_TIME"} >>"$log" 2>&1 ||
            { status=failed; code=1; message="conversion failed"; }
        fi
      fi ;;
    script)
      mkdir -p "$WORK/raw/$name"
      cmd=("$ROOT/$path")
      [ $QUICK -eq 0 ] || cmd+=(--quick)
      cmd+=(--json "$json" --raw "$WORK/raw/$name" "${extra[@]}")
      if [ ! -f "$ROOT/$path" ]; then
        status=missing; message="$path does not exist"
      else
        timeout "$TIMEOUT" bash "${cmd[@]}" >"$log" 2>&1 </dev/null
        code=$?
        [ $code -ne 124 ] || message=": timed out after $TIMEOUT s"
        [ $code -eq 0 ] || { status=failed; message="exit $code$message"; }
      fi ;;
    *) status=failed; code=2; message="unknown kind '$kind'" ;;
  esac
  local elapsed
  elapsed=$(echo "$(date +%s.%N) - $t0" | bc -l)
  printf '%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%s\t%s\n' "$name" "$kind" "$status" "$code" "$elapsed" "$json" "$log" \
    "$message" "${cmd[*]}" >>"$MANIFEST"
  printf 'run.sh: %-16s %-7s %5.1f s %s\n' "$name" "$status" "$elapsed" "$message"
  if [ "$status" = failed ]; then tail -15 "$log" | sed 's/^/    /'; fi
}

for name in "${REQUESTED[@]}"; do run_producer "$name"; done

mkdir -p "$OUT"
RESULTS=$OUT/$STEM.json
NICE_S=$(echo "$(nice_seconds) - $NICE0" | bc -l)
ELAPSED=$(echo "$(date +%s.%N) - $T0" | bc -l)
R_DATE=$DATE R_HOST=$HOST R_QUICK=$QUICK R_COMMAND=$COMMAND_LINE R_STARTED=$STARTED R_ELAPSED=$ELAPSED \
  R_REQUESTED="${REQUESTED[*]}" R_WORK=$WORK R_NICE=$NICE_S R_LOAD0=$LOAD0 R_LOAD1=$(loadavg) R_OTHERS=$OTHERS \
  R_BUDGET=$([ $QUICK -eq 1 ] && echo $QUICK_BUDGET_S || echo 0) \
  "$PY" - "$WORK/run.json" <<'PYEOF'
import datetime, json, os, sys
e = os.environ
run = {
    "date": e["R_DATE"], "host": e["R_HOST"], "quick": e["R_QUICK"] == "1", "command": e["R_COMMAND"],
    "started": e["R_STARTED"], "finished": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
    "elapsed_s": round(float(e["R_ELAPSED"]), 1), "requested": e["R_REQUESTED"].split(), "work_dir": e["R_WORK"],
    "budget_s": int(e["R_BUDGET"]) or None,
    "noise": {"niced_cpu_s": round(float(e["R_NICE"]), 2), "loadavg_start": e["R_LOAD0"],
              "loadavg_end": e["R_LOAD1"], "other_labs": [x for x in e["R_OTHERS"].split(", ") if x]},
}
json.dump(run, open(sys.argv[1], "w"), indent=1)
PYEOF
"$PY" "$REPORT/assemble.py" --manifest "$MANIFEST" --machine "$WORK/machine.json" --run "$WORK/run.json" \
  --out "$RESULTS"
rc=$?
if [ $QUICK -eq 1 ] && [ "$(echo "$ELAPSED > $QUICK_BUDGET_S" | bc)" -eq 1 ]; then
  echo "run.sh: warning: --quick took $(printf %.0f "$ELAPSED") s, over its budget of $QUICK_BUDGET_S s" >&2
fi
rm -rf "${RESULTS%.json}"
"$PY" "$REPORT/render.py" "$RESULTS" || rc=1
echo "run.sh: wrote ${RESULTS%.json}.md, $RESULTS and ${RESULTS%.json}/ (rc $rc)"
exit $rc
