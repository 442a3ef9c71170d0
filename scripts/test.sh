#!/usr/bin/env bash
# Runs every test: unit tests, the same unit tests under ASan+UBSan, bounded fuzzing of every parser,
# a smoke run of the micro-benchmarks, and the integration tests against real Linux peers in network
# namespaces. Installs what is missing first. Exits non-zero on any failure; the last line says
# "N passed, N failed". Needs root (namespaces, XDP). FUZZ_SECONDS (default 20) bounds each fuzzer.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
passed=0
failed=0
failures=()

result() {  # name rc
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); failures+=("$1"); echo "FAIL $1"; fi
}
stage() { echo; echo "=== $*"; }
finish() {
  echo
  [ $failed -eq 0 ] || echo "failed: ${failures[*]}"
  echo "$passed passed, $failed failed"
  [ $failed -eq 0 ]
  exit
}

stage "setup"
bash "$ROOT/scripts/setup.sh" || { result setup 1; finish; }

stage "build (warnings are errors)"
if [ ! -f build/build.ninja ]; then meson setup build -Dwerror=true >/dev/null || { result build 1; finish; }; fi
meson configure build -Dwerror=true >/dev/null
ninja -C build >/tmp/tollgate-build.log 2>&1
rc=$?; [ $rc -eq 0 ] || tail -40 /tmp/tollgate-build.log
result build $rc
[ $rc -eq 0 ] || finish

stage "unit tests"
for t in engine tcp proxy tls certs http routing health dataplane dataplane_shm accesslog shm controlplane; do
  meson test -C build --suite unit "$t" --print-errorlogs >/dev/null 2>&1
  rc=$?; [ $rc -eq 0 ] || cat "build/meson-logs/testlog.txt" | tail -60
  result "unit:$t" $rc
done

stage "unit tests under ASan+UBSan"
if [ ! -f build-asan/build.ninja ]; then
  meson setup build-asan -Db_sanitize=address,undefined -Ddataplane=disabled -Dbench=disabled -Dwerror=true >/dev/null
fi
if ninja -C build-asan >/tmp/tollgate-build-asan.log 2>&1; then
  for t in engine tcp proxy tls certs http routing health dataplane dataplane_shm accesslog shm controlplane; do
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
      meson test -C build-asan --suite unit "$t" >/dev/null 2>&1
    rc=$?; [ $rc -eq 0 ] || tail -60 build-asan/meson-logs/testlog.txt
    result "asan:$t" $rc
  done
else
  tail -40 /tmp/tollgate-build-asan.log; result "asan:build" 1
fi

stage "fuzzing (${FUZZ_SECONDS}s per target, ASan+UBSan)"
if [ ! -f build-fuzz/build.ninja ]; then
  CXX=clang++ meson setup build-fuzz -Dfuzz=true -Ddataplane=disabled -Dbench=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false -Dcpp_args=-fsanitize=fuzzer-no-link >/dev/null
fi
if ninja -C build-fuzz >/tmp/tollgate-build-fuzz.log 2>&1; then
  for f in l2l3 neighbour config tcp tls_record tls_handshake http; do
    work=$(mktemp -d)
    seeds=()
    [ -d "tests/fuzz/corpus/$f" ] && seeds=("tests/fuzz/corpus/$f")
    (cd "$work" && timeout $((FUZZ_SECONDS + 60)) "$ROOT/build-fuzz/tests/fuzz/${f}_fuzz" \
      -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 "$work" "${seeds[@]/#/$ROOT/}" >"$work/log" 2>&1)
    rc=$?
    [ $rc -eq 0 ] || { tail -30 "$work/log"; ls "$work"/crash-* 2>/dev/null; }
    grep -h '^Done' "$work/log" | sed "s/^/  $f: /"
    result "fuzz:$f" $rc
    rm -rf "$work"
  done
else
  tail -40 /tmp/tollgate-build-fuzz.log; result "fuzz:build" 1
fi

stage "benchmark smoke (runs, no speed asserted)"
./build/bench/net_benchmark --benchmark_min_time=0.01 --benchmark_format=json >/tmp/tollgate-bench.json 2>/dev/null &&
  /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["benchmarks"]) >= 4' /tmp/tollgate-bench.json
result "bench:net_benchmark" $?

stage "integration tests (lab in network namespaces)"
out=$(bash tests/integration/run.sh 2>&1 | grep -vE '^(Certificate request self-signature ok|subject=)')
echo "$out"
p=$(sed -n 's/^integration: \([0-9]\+\) passed, \([0-9]\+\) failed.*/\1/p' <<<"$out")
f=$(sed -n 's/^integration: \([0-9]\+\) passed, \([0-9]\+\) failed.*/\2/p' <<<"$out")
if [ -z "$p" ]; then result "integration:runner" 1; else
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" -eq 0 ] || failures+=($(sed -n 's/^FAIL \(test_[a-z_0-9]*\.sh\).*/\1/p' <<<"$out"))
fi
finish
