#!/usr/bin/env bash
# Scaling with worker cores: the keep-alive HTTPS run of bench/http_proxy.sh and the new-connection runs of
# bench/https_connections.sh (wrk with Connection: close = resumed handshakes; s_time -new = full ones,
# not in --quick) with 1 and 2 worker cores (--cores-list): Tollgate --cores N (workers on CPUs 1..N mod
# the CPU count), nginx worker_processes N and HAProxy nbthread N pinned to the same CPUs; configs
# bench/peers/tollgate-http.toml, nginx-http.conf, haproxy-http.cfg. CPU: Tollgate = its workers' busy
# cycles (all cores); nginx/HAProxy = utime + stime of their processes.
# On the 2-vCPU lab VM, 2 workers share the CPUs with the client and the backend (all on CPU 0): what it
# shows is the overhead of a second worker, not a proxy's scaling. On a larger box give the client and the
# backend their own CPUs (bench/peers/lib.sh): e.g. with 16 CPUs
#   CLIENT_CPUS=9-15 CLIENT_THREADS=7 BACKEND_CPUS=5-8 bench/http_scaling.sh --cores-list 1,2,4
# (workers then on CPUs 1-4; the backend nginx is one worker, raise worker_processes in
# bench/peers/nginx-backend.conf if it saturates first).
#   bench/http_scaling.sh [--quick] [--json FILE] [--raw DIR] [--seconds S] [--connections C] [--procs N]
#                         [--cores-list N,N,...]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
HELP_LINES=15
RAW_NAME=http-scaling
# shellcheck source=peers/lib.sh
. "$ROOT/bench/peers/lib.sh"  # the lab (prefix $P) and the peers, torn down on exit
common_args "$@"
SECS=$(opt seconds 8 1)
CONNS=$(opt connections 32)
PROCS=$(opt procs 4)
CORES_LIST=$(opt cores-list 1,2)
MODES="keepalive close"; [ $QUICK = 1 ] || MODES+=" full"

declare -A R  # R[WHO-MODE-CORES] = "units per_second cpu_s"
CORES=""
measure() {
  local who=$1 pid=$2 f
  wrk_warm "$who" https://198.18.0.1/
  read -r -a f <<<"$(wrk_measure "${who,,}-keepalive-$CORES" "$who" "$pid" https://198.18.0.1/)"
  R[$who-keepalive-$CORES]="${f[0]} ${f[1]} ${f[5]}"
  read -r -a f <<<"$(wrk_measure "${who,,}-close-$CORES" "$who" "$pid" https://198.18.0.1/ -H 'Connection: close')"
  R[$who-close-$CORES]="${f[0]} ${f[1]} ${f[5]}"
  if [ $QUICK = 0 ]; then
    read -r -a f <<<"$(s_time_measure "${who,,}-full-$CORES" "$who" "$pid" new)"
    R[$who-full-$CORES]="${f[0]} ${f[1]} ${f[4]}"
  fi
}
for CORES in ${CORES_LIST//,/ }; do each_proxy "$CORES" measure; done

sec init http_scaling "Scaling with worker cores: Tollgate vs nginx vs HAProxy (HTTPS)"
sec text "$(machine_line). The same client runs with each proxy on N worker cores for N in $CORES_LIST (Tollgate --cores N, workers on CPUs 1..N modulo the CPU count; nginx worker_processes N; HAProxy nbthread N; pinned to the same CPUs): keep-alive HTTPS (\`wrk -t$CLIENT_THREADS -c$CONNS -d${SECS}s\`), new TLS connections resumed (the same with \`-H 'Connection: close'\`)$([ $QUICK = 1 ] || echo ", and full handshakes ($PROCS \`openssl s_time -new -www /\` processes)"). Client on CPUs $CLIENT_CPUS, nginx backend on CPUs $BACKEND_CPUS. CPU per unit: Tollgate = its workers' busy cycles (all workers); nginx/HAProxy = utime + stime of their processes."
sec text "On a 2-CPU machine the second worker shares CPU 0 with the client and the backend, so the 2-core rows show the cost of spreading over shared CPUs, not a proxy's scaling. Tollgate's second worker busy-polls CPU 0, taking it from the client and the backend; and its busy cycles are TSC time of busy poll iterations, so time a worker spends preempted inside one counts as busy (the peers' utime + stime do not count preemption): its CPU per unit with 2 cores here is not comparable. To run with N cores on a larger box, give the client and backend their own CPUs: e.g. with 16 CPUs \`CLIENT_CPUS=9-15 CLIENT_THREADS=7 BACKEND_CPUS=5-8 P=xx bench/http_scaling.sh --cores-list 1,2,4\` (workers on CPUs 1-4)."
cols=(run proxy)
for c in ${CORES_LIST//,/ }; do cols+=("$c core(s) per s" "$c core(s) CPU us per unit"); done
first=${CORES_LIST%%,*}; last=${CORES_LIST##*,}
cols+=("$last / $first cores (rate)")
for c in ${CORES_LIST//,/ }; do cols+=("Tollgate / this ($c core(s), rate)"); done
sec table "scaling with worker cores" "${cols[@]}"
sec plot http_scaling_keepalive "Keep-alive HTTPS requests/s by worker cores" "worker cores" "requests/s"
for mode in $MODES; do
  case $mode in keepalive) run="HTTPS keep-alive requests" ;; close) run="new TLS connections, resumed (wrk)" ;;
    full) run="new TLS connections, full (s_time)" ;; esac
  for who in Tollgate nginx HAProxy; do
    row=("$run" "$who")
    ratios=()
    for c in ${CORES_LIST//,/ }; do
      read -r -a v <<<"${R[$who-$mode-$c]}"
      read -r -a t <<<"${R[Tollgate-$mode-$c]}"
      row+=("$(fix "${v[1]}" 0)" "$(fix "$(calc "${v[2]} * 1000000 / ${v[0]}")" 1)")
      ratios+=("$(ratio "${t[1]}" "${v[1]}")")
      [ $mode = keepalive ] && sec point http_scaling_keepalive "$who" "$c" "$(fix "${v[1]}" 0)"
      sec raw "$who $mode $c cores" "{\"units\": ${v[0]}, \"per_second\": ${v[1]}, \"cpu_s\": ${v[2]}}"
    done
    read -r -a a <<<"${R[$who-$mode-$first]}"
    read -r -a b <<<"${R[$who-$mode-$last]}"
    row+=("$(ratio "${b[1]}" "${a[1]}")" "${ratios[@]}")
    sec row "${row[@]}"
  done
done
[ $QUICK = 1 ] && sec text "Full handshakes (s_time): not run: --quick."
sec text "Raw output and Tollgate's last stats snapshot per core count: $RAW. $(noise_line)"
sec raw settings "{\"seconds\": $SECS, \"connections\": $CONNS, \"procs\": $PROCS, \"cores_list\": [$CORES_LIST], \"client_cpus\": \"$CLIENT_CPUS\", \"backend_cpus\": \"$BACKEND_CPUS\", \"quick\": $QUICK}"
sec markdown
