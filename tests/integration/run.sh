#!/usr/bin/env bash
# Runs every integration test against real Linux peers in network namespaces. The shared lab (prefix ti)
# serves the tests that only observe; tests that need their own topology bring up their own prefix.
# Prints one line per test and a closing "N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export LAB_PREFIX=ti
passed=0
failed=0
failures=()

run_test() {
  local t=$1 start rc
  start=$(date +%s)
  echo "--- $t"
  timeout "$([ "${TOLLGATE_SOAK:-0}" = 1 ] && echo 1800 || echo 300)" bash "$ROOT/tests/integration/$t"
  rc=$?
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1)); echo "ok   $t ($(( $(date +%s) - start )) s)"
  else
    failed=$((failed + 1)); failures+=("$t"); echo "FAIL $t (exit $rc)"
  fi
}

"$ROOT/scripts/lab.sh" down --prefix $LAB_PREFIX >/dev/null 2>&1 || true
if "$ROOT/scripts/lab.sh" up --prefix $LAB_PREFIX --cores 1 >/tmp/tollgate-lab-$LAB_PREFIX.log 2>&1; then
  for t in test_ping_client.sh test_ping_backend.sh test_arping.sh test_flood.sh \
           test_neighbour_resolution.sh test_garbage.sh test_tls_proxy.sh test_http_proxy.sh \
           test_http_websocket.sh test_http_edge.sh test_tls_conformance.sh; do
    run_test "$t"
  done
else
  echo "FAIL lab up:"; tail -30 /tmp/tollgate-lab-$LAB_PREFIX.log
  failed=$((failed + 1)); failures+=("lab up")
fi
"$ROOT/scripts/lab.sh" down --prefix $LAB_PREFIX >/dev/null 2>&1 || true

for t in test_config_errors.sh test_examples.sh test_example_path_routing.sh test_lab_lifecycle.sh test_two_cores.sh test_af_packet.sh test_tcp_proxy.sh \
         test_http_target_down.sh test_http_backend_tls.sh test_cert_reload.sh test_shm_stats.sh test_controlplane.sh \
         test_health_checks.sh test_config_reload.sh test_loadgen.sh test_nic_bind.sh test_units.sh \
         test_unit_capabilities.sh test_install.sh test_allow_list.sh test_client_limits.sh test_buffer_reserve.sh; do
  run_test "$t"
done

echo "integration: $passed passed, $failed failed${failures:+ (${failures[*]})}"
[ $failed -eq 0 ]
