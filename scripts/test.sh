#!/usr/bin/env bash
# Runs every test: the unit tests under ASan+UBSan (clang), bounded fuzzing of every parser from the same
# instrumented build, a smoke run of the micro-benchmarks (gcc build), and the integration tests against
# real Linux peers in network namespaces (gcc build, warnings are errors). Prints the elapsed time after
# each stage: the whole run must stay within 30 minutes on a clean 2-core machine. Installs what is missing first. Exits non-zero on any failure; the last line says
# "N passed, N failed". Needs root (namespaces, XDP). FUZZ_SECONDS (default 10) bounds each fuzzer.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
passed=0
failed=0
failures=()

result() {  # name rc
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); failures+=("$1"); echo "FAIL $1"; fi
}
stage() { echo; echo "=== $*"; }
started=$SECONDS
elapsed() { echo "  ($((SECONDS - started)) s since the start)"; }
finish() {
  echo
  echo "elapsed: $((SECONDS - started)) s"
  [ $failed -eq 0 ] || echo "failed: ${failures[*]}"
  echo "$passed passed, $failed failed"
  [ $failed -eq 0 ]
  exit
}

stage "setup"
bash "$ROOT/scripts/setup.sh" || { result setup 1; finish; }
elapsed

stage "build (gcc, warnings are errors): what the lab, the integration tests and the benchmarks run"
if [ ! -f build/build.ninja ]; then meson setup build -Dwerror=true >/dev/null || { result build 1; finish; }; fi
meson configure build -Dwerror=true >/dev/null
# The unit tests run once, in the sanitizer build below; here only the programs (not the *_test
# executables), which keeps a clean checkout's run inside the 20-minute budget.
programs=$(meson introspect build --targets | /usr/bin/python3 -c '
import json, os, sys
for t in json.load(sys.stdin):
    if t["type"] == "executable" and not t["name"].endswith("_test"):
        for f in t["filename"]: print(os.path.relpath(f, "build"))')
ninja -C build $programs >/tmp/tollgate-build.log 2>&1
rc=$?; [ $rc -eq 0 ] || tail -40 /tmp/tollgate-build.log
result build $rc
[ $rc -eq 0 ] || finish
elapsed

stage "build (clang, ASan+UBSan, fuzzer coverage): unit tests and fuzz targets"
# One sanitizer build serves both: the unit tests run under ASan+UBSan and the fuzzers are linked from
# the same instrumented objects. -O0 with line tables only: half the compile time of -O1 (the budget),
# reports still name file and line.
if [ ! -f build-san/build.ninja ]; then
  CC=clang CXX=clang++ meson setup build-san -Dfuzz=true -Ddataplane=disabled -Dbench=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false -Doptimization=0 -Ddebug=false -Dwerror=true \
    "-Dcpp_args=-fsanitize=fuzzer-no-link -gline-tables-only" >/dev/null
fi
san_targets=$(meson introspect build-san --targets | /usr/bin/python3 -c '
import json, os, sys
for t in json.load(sys.stdin):
    if t["type"] == "executable" and (t["name"].endswith(("_test", "_fuzz")) or t["name"] == "tollgatectl"):
        for f in t["filename"]: print(os.path.relpath(f, "build-san"))')
ninja -C build-san $san_targets >/tmp/tollgate-build-san.log 2>&1
san_rc=$?
[ $san_rc -eq 0 ] || { tail -40 /tmp/tollgate-build-san.log; result "san:build" 1; }
elapsed

stage "unit tests under ASan+UBSan"
# All suites in one meson run, two at a time (one per core); each suite's verdict from meson's own line.
suites=(engine tcp proxy tls certs http routing health config dataplane dataplane_shm accesslog shm controlplane loadgen)
if [ $san_rc -eq 0 ]; then
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    meson test -C build-san --no-rebuild --suite unit --num-processes 2 >/tmp/tollgate-unit.log 2>&1
  unit_failed=0
  for t in "${suites[@]}"; do
    verdict=$(awk -v t="$t" '$1 ~ /^[0-9]+\/[0-9]+$/ && $2 == t {print $3}' /tmp/tollgate-unit.log)
    rc=0; [ "$verdict" = OK ] || { rc=1; unit_failed=1; }
    result "unit:$t" $rc
  done
  [ $unit_failed -eq 0 ] || tail -80 build-san/meson-logs/testlog.txt
fi
elapsed

stage "fuzzing (${FUZZ_SECONDS}s per target, ASan+UBSan, two at a time)"
# fuzz_one TARGET DIR: a bounded libFuzzer run in DIR (its corpus and log); the exit code goes to DIR/rc.
fuzz_one() {
  local f=$1 work=$2 seeds=()
  [ -d "$ROOT/tests/fuzz/corpus/$f" ] && seeds=("$ROOT/tests/fuzz/corpus/$f")
  (cd "$work" && timeout $((FUZZ_SECONDS + 60)) "$ROOT/build-san/tests/fuzz/${f}_fuzz" \
    -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 "$work" "${seeds[@]}" >"$work/log" 2>&1)
  echo $? >"$work/rc"
}
if [ $san_rc -eq 0 ]; then
  fuzzers=(l2l3 neighbour config tcp tls_record tls_handshake http)
  fuzz_root=$(mktemp -d)
  for ((i = 0; i < ${#fuzzers[@]}; i += 2)); do
    for f in "${fuzzers[@]:i:2}"; do mkdir "$fuzz_root/$f"; fuzz_one "$f" "$fuzz_root/$f" & done
    wait
  done
  for f in "${fuzzers[@]}"; do
    work=$fuzz_root/$f
    rc=$(cat "$work/rc" 2>/dev/null || echo 1)
    if [ "$rc" -ne 0 ]; then
      tail -30 "$work/log"
      mkdir -p /tmp/tollgate-fuzz-crashes && cp "$work"/crash-* "$work"/timeout-* /tmp/tollgate-fuzz-crashes/ 2>/dev/null &&
        echo "  inputs kept in /tmp/tollgate-fuzz-crashes"
    fi
    grep -h '^Done' "$work/log" | sed "s/^/  $f: /"
    result "fuzz:$f" "$rc"
  done
  rm -rf "$fuzz_root"
fi
elapsed

stage "benchmark smoke (runs, no speed asserted)"
# Every micro-benchmark binary, as briefly as Google Benchmark allows (about 2 s in all): its JSON output
# must parse, name benchmarks <group>/<implementation>/<argument>, and carry no error. Routing skips the
# 10,000-rule tables, whose compilation alone takes seconds.
for b in net tls routing http tcp stats; do
  filter=.; [ $b = routing ] && filter='-/10000$'
  ./build/bench/${b}_benchmark --benchmark_min_time=0.001 --benchmark_filter="$filter" \
    --benchmark_format=json --benchmark_out=/tmp/tollgate-bench-$b.json >/dev/null 2>&1 &&
    /usr/bin/python3 -c '
import json, re, sys
bs = json.load(open(sys.argv[1]))["benchmarks"]
assert len(bs) >= 4, "too few benchmarks"
for b in bs:
    assert re.fullmatch(r"[a-z0-9_]+/[a-z0-9_]+/[a-z0-9_]+", b["name"]), b["name"]
    assert not b.get("error_occurred"), (b["name"], b.get("error_message"))' /tmp/tollgate-bench-$b.json
  result "bench:${b}_benchmark" $?
  rm -f /tmp/tollgate-bench-$b.json
done

stage "benchmark harness: its report tools' tests, then a --quick smoke run into a temp dir (no speed asserted)"
/usr/bin/python3 bench/report/tests/test_report.py >/tmp/tollgate-bench-report.log 2>&1
rc=$?; [ $rc -eq 0 ] || tail -40 /tmp/tollgate-bench-report.log
result "bench:report-tools" $rc
# One micro-benchmark binary and one lab-style section (the stub: the calling convention without a lab;
# a real bench/<name>.sh section that finishes its --quick run in well under 90 s may replace it), on lab
# prefix ts. Results go to a temp dir, never bench/results; check.py asserts they are well formed.
smoke_sections=micro_net,stub_lab
smoke_out=$(mktemp -d)
TMPDIR=$smoke_out P=ts timeout 90 bench/run.sh --quick --sections "$smoke_sections" --out "$smoke_out" --host smoke \
  --producer "stub_lab script bench/report/tests/fixtures/stub_lab.sh" >"$smoke_out/run.log" 2>&1 &&
  /usr/bin/python3 bench/report/check.py "$smoke_out"/*-smoke-quick.json --expect "$smoke_sections"
rc=$?; [ $rc -eq 0 ] || tail -30 "$smoke_out/run.log"
result "bench:smoke" $rc
rm -rf "$smoke_out"
elapsed

stage "integration tests (lab in network namespaces)"
out=$(bash tests/integration/run.sh 2>&1 | grep -vE '^(Certificate request self-signature ok|subject=)')
echo "$out"
p=$(sed -n 's/^integration: \([0-9]\+\) passed, \([0-9]\+\) failed.*/\1/p' <<<"$out")
f=$(sed -n 's/^integration: \([0-9]\+\) passed, \([0-9]\+\) failed.*/\2/p' <<<"$out")
if [ -z "$p" ]; then result "integration:runner" 1; else
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" -eq 0 ] || failures+=($(sed -n 's/^FAIL \(test_[a-z_0-9]*\.sh\).*/\1/p' <<<"$out"))
fi
elapsed

stage "hostile clients (tests/hostile: attacks against a lab of their own, each bounded)"
hout=$(bash tests/hostile/run.sh 2>&1)
echo "$hout" | grep -E '^(ok|FAIL)|^hostile:'
hp=$(sed -n 's/^hostile: \([0-9]\+\) passed, \([0-9]\+\) failed.*/\1/p' <<<"$hout")
hf=$(sed -n 's/^hostile: \([0-9]\+\) passed, \([0-9]\+\) failed.*/\2/p' <<<"$hout")
if [ -z "$hp" ]; then result "hostile:runner" 1; echo "$hout" | tail -30; else
  passed=$((passed + hp)); failed=$((failed + hf))
  if [ "$hf" -ne 0 ]; then
    failures+=($(sed -n 's/^FAIL \(case_[a-z_0-9]*\).*/hostile:\1/p' <<<"$hout"))
    echo "$hout" | grep -B3 '^FAIL' | head -60
  fi
fi
elapsed
finish
