#!/usr/bin/env bash
# Bulk throughput through the HTTPS proxy: one 100 MB download (TLS 1.3, TLS_AES_128_GCM_SHA256 as
# negotiated) from the nginx backend (bench/peers/nginx-backend.conf serves the file from the raw dir with
# sendfile) through Tollgate, nginx and HAProxy in turn, each on the same worker core(s), veths and client:
# `curl -o /dev/null` on CLIENT_CPUS, a few runs each on one new connection. MB/s = 10^6 bytes/s of body.
# CPU: Tollgate = its workers' busy cycles; nginx/HAProxy = utime + stime of all their processes (nginx
# streams through memory buffers: proxy_max_temp_file_size 0); per GB of body. Configs:
# bench/peers/tollgate-http.toml, nginx-http.conf, haproxy-http.cfg.
#   bench/bulk_download.sh [--quick] [--json FILE] [--raw DIR] [--runs N] [--megabytes M] [--cores N]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
HELP_LINES=9
RAW_NAME=bulk-download
# shellcheck source=peers/lib.sh
. "$ROOT/bench/peers/lib.sh"  # the lab (prefix $P) and the peers, torn down on exit
common_args "$@"
RUNS=$(opt runs 3 1)
MB=$(opt megabytes 100)
CORES=$(opt cores 1)
# The file the backend serves (removed on exit: the raw dir keeps the measurements, not 100 MB of zeros).
# A directory of its own that nginx's unprivileged worker can read: the raw dir may be private
# (bench/run.sh's work dir is a mode-700 mktemp), which made the backend answer 403.
FILES=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-bulk.XXXXXX")
chmod 755 "$FILES"
head -c "${MB}M" /dev/zero >"$FILES/bulk.bin"
trap 'rm -rf "$FILES"; cleanup' EXIT
BYTES=$((MB * 1048576))

declare -A R  # R[WHO] = "MB/s of each run ... | cpu_s"
measure() {
  local who=$1 pid=$2 i c0 out rates=""
  c0=$(proxy_cpu_seconds "$who" "$pid")
  for i in $(seq "$RUNS"); do
    out=$(in_client timeout 120 curl -sk -o /dev/null -w '%{http_code} %{size_download} %{time_total}\n' \
      https://198.18.0.1/files/bulk.bin | tee "$RAW/${who,,}-$i.txt")
    read -r code size secs <<<"$out"
    [ "$code" = 200 ] && [ "$size" = "$BYTES" ] || { echo "$who run $i: HTTP $code, $size of $BYTES bytes" >&2; return 1; }
    rates+="$(calc "$size / $secs / 1000000") "
  done
  if [ "$who" = Tollgate ]; then settle; fi
  R[$who]="$rates| $(calc "$(proxy_cpu_seconds "$who" "$pid") - $c0")"
}
each_proxy "$CORES" measure

sec init bulk_download "Bulk HTTPS download of $MB MB: Tollgate vs nginx vs HAProxy"
sec text "$(machine_line). One ${MB} MiB file ($BYTES bytes) served by the nginx backend (sendfile) through each proxy in turn on $CORES worker core(s) (CPUs $(worker_cpus "$CORES")), same veths and client: \`curl -o /dev/null https://198.18.0.1/files/bulk.bin\` (TLS 1.3 as negotiated) on CPUs $CLIENT_CPUS, $RUNS run(s) each on a new connection; MB/s = 10^6 bytes of body per second of curl's total time (connect and handshake included). CPU per GB of body: Tollgate = its workers' busy cycles; nginx/HAProxy = utime + stime of their processes (nginx with proxy_max_temp_file_size 0: the body streams through memory buffers). The client's decryption and the backend share core 0 on this 2-core machine."
sec table "bulk download ($CORES core(s))" proxy "MB/s (median)" "MB/s (min)" "MB/s (max)" runs "proxy CPU s per GB" "Tollgate / this (MB/s)" "Tollgate / this (CPU per GB)"
sec plot bulk_download_mbps "${MB} MB HTTPS download, $CORES core(s)" proxy "MB/s" --kind bars
stats() { "$PY" -c 'import statistics,sys; v=sorted(float(x) for x in sys.argv[1:]); print(statistics.median(v), v[0], v[-1])' "$@"; }
read -r tmed _ _ <<<"$(stats ${R[Tollgate]%|*})"
tcpu=$(calc "${R[Tollgate]#*|} * 1000000000 / ($RUNS * $BYTES)")
for who in Tollgate nginx HAProxy; do
  read -r med lo hi <<<"$(stats ${R[$who]%|*})"
  cpu=$(calc "${R[$who]#*|} * 1000000000 / ($RUNS * $BYTES)")
  sec row "$who" "$(fix "$med" 0)" "$(fix "$lo" 0)" "$(fix "$hi" 0)" "$RUNS" "$(fix "$cpu" 2)" "$(ratio "$tmed" "$med")" \
    "$(ratio "$tcpu" "$cpu")"
  sec point bulk_download_mbps "MB/s (median)" "$who" "$(fix "$med" 1)"
  sec raw "$who" "{\"mb_per_s\": [$(echo ${R[$who]%|*} | tr ' ' ',')], \"cpu_s\": ${R[$who]#*|}}"
done
sec text "Raw curl output: $RAW. $(noise_line)"
sec raw settings "{\"runs\": $RUNS, \"bytes\": $BYTES, \"cores\": $CORES, \"client_cpus\": \"$CLIENT_CPUS\", \"quick\": $QUICK}"
sec markdown
