// tollgate-dataplane: EAL and ports from the config, one polled worker per core, the shared-memory segment
// for the control plane (stats, health, commands, heartbeats, config generations it adopts or refuses),
// stats to a file, the access log from a writer thread (reopened on SIGHUP), clean shutdown on
// SIGINT/SIGTERM with counters printed.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <sys/stat.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <thread>

#include "config/config.h"
#include "config/segment_plan.h"
#include "dataplane/access_log_writer.h"
#include "dataplane/certificate_watch.h"
#include "dataplane/config_reload.h"
#include "dataplane/eal_args.h"
#include "dataplane/mbuf_pool.h"
#include "dataplane/port.h"
#include "dataplane/stats_report.h"
#include "dataplane/steering_fabric.h"
#include "dataplane/worker.h"
#include "engine/common/log.h"
#include "engine/shm/segment.h"
#include "engine/shm/worker_port.h"

namespace tollgate::dataplane {
namespace {

// A signal handler can reach nothing but a global; it only sets this flag, the main lcore does the rest.
std::atomic<bool> g_signalled{false};

void on_signal(int) {
  g_signalled.store(true);
}

// SIGHUP after a log rotation: the main lcore asks the access-log writer to reopen its file.
std::atomic<bool> g_hangup{false};

void on_hangup(int) {
  g_hangup.store(true);
}

int launch_worker(void* arg) {
  return static_cast<Worker*>(arg)->run();
}

uint32_t mbufs_needed(const DataplaneConfig& c, uint16_t workers) {
  // Every descriptor may hold an mbuf, plus per-core caches, staging and the steering rings.
  const uint64_t per_queue = uint64_t{c.rx_descriptors} + c.tx_descriptors + 2u * c.burst;
  const uint64_t rings = workers > 1 ? uint64_t{workers} * (workers - 1u) * c.steering_ring_size : 0;
  const uint64_t n = c.ports.size() * workers * per_queue + workers * (512u + 4u * c.burst) + rings;
  return static_cast<uint32_t>(std::max<uint64_t>(n, c.mbufs));
}

uint64_t monotonic_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

uint64_t unix_now() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

struct Options {
  std::string config_path, stats_path, file_prefix = "tollgate", driver_override, segment_prefix = "tollgate";
  std::string segment_dir;
  int cores = -1;
  bool check_only = false, print_eal = false;
  std::vector<std::string> extra_eal;
};

// What run() sets up, released in the reverse order on every way out of it (a failed step or a stop).
// The EAL from a successful rte_eal_init: cleaned up after everything else is gone.
struct EalSession {
  EalSession() = default;
  EalSession(const EalSession&) = delete;
  EalSession& operator=(const EalSession&) = delete;
  ~EalSession() { rte_eal_cleanup(); }
};

// The ports setup_ports started: stopped and closed (after the workers, which send on them, are gone).
struct StartedPorts {
  StartedPorts() = default;
  StartedPorts(const StartedPorts&) = delete;
  StartedPorts& operator=(const StartedPorts&) = delete;
  ~StartedPorts() { stop_ports(list); }
  std::vector<Port> list;
};

// The segment this process made: its name goes when the process stops (any return path of run()), so a
// control plane looking for it finds no stale one. A crash leaves it; the next dataplane replaces it.
struct OwnedSegment {
  explicit OwnedSegment(shm::Segment s) : segment(std::move(s)) {}
  OwnedSegment(const OwnedSegment&) = delete;
  OwnedSegment& operator=(const OwnedSegment&) = delete;
  ~OwnedSegment() { (void)shm::Segment::unlink(segment.name()); }
  shm::Segment segment;
};

// The packet pool and, with TLS listeners, the record pool: TLS records up to 16 KiB (plus header, inner
// type and tag) are built in buffers of their own. Both live as long as the EAL. False when either could
// not be made (logged).
bool create_pools(const DataplaneConfig& config, uint16_t workers, rte_mempool*& pool,
                  rte_mempool*& records) {
  const int socket = static_cast<int>(rte_socket_id());
  std::string pool_error;
  const bool pci = std::any_of(config.ports.begin(), config.ports.end(),
                               [](const PortConfig& p) { return p.driver == PortDriver::kPci; });
  pool = create_mbuf_pool("mbufs_s0", mbufs_needed(config, workers), socket,
                          pci ? MbufPoolKind::kDeviceDma : MbufPoolKind::kPacked, pool_error);
  if (!pool) {
    log_error("{}", pool_error);
    return false;
  }
  const MbufPoolLayout layout = mbuf_pool_layout(pool);
  log_info("mbuf pool: {} mbufs of {} bytes in {} area(s), {} MiB", pool->populated_size,
           layout.object_stride, layout.chunks, layout.span_bytes >> 20);
  const bool tls = std::any_of(config.listeners.begin(), config.listeners.end(),
                               [](const ListenerConfig& l) { return l.protocol == ListenerProtocol::kTls; });
  if (!tls || config.tls_record_buffers == 0) return true;
  records = rte_pktmbuf_pool_create("tls_records", config.tls_record_buffers, 64, 0,
                                    RTE_PKTMBUF_HEADROOM + 16384 + 512, socket);
  if (!records) {
    log_error(
        "TLS record buffers ({} x 17 KiB): {} (lower [dataplane] tls_record_buffers or raise memory_mb)",
        config.tls_record_buffers, rte_strerror(rte_errno));
    return false;
  }
  return true;
}

// One session-ticket key ring per TLS listener, shared by every core, rotated on the main lcore. Per
// listener, so a ticket never resumes a session on a listener with other certificates.
std::vector<std::shared_ptr<tls::TicketKeyRing>> ticket_rings(const DataplaneConfig& config) {
  std::vector<std::shared_ptr<tls::TicketKeyRing>> tickets(config.listeners.size());
  for (size_t i = 0; i < config.listeners.size(); ++i) {
    if (config.listeners[i].protocol == ListenerProtocol::kTls ||
        config.listeners[i].protocol == ListenerProtocol::kHttps)
      tickets[i] = tls::TicketKeyRing::create(unix_now());
  }
  return tickets;
}

// The access log: every worker's ring drained by one writer thread, which outlives the workers' run.
Result<std::unique_ptr<AccessLogWriter>> open_access_log(const DataplaneConfig& config,
                                                         const std::vector<Worker*>& workers) {
  std::vector<proxy::AccessLogRing*> rings;
  for (Worker* wk : workers) rings.push_back(wk->access_log());
  proxy::AccessLogNames names;
  for (const ListenerConfig& l : config.listeners) names.listeners.push_back(l.name);
  for (const PoolConfig& p : config.pools) names.pools.push_back(p.name);
  return AccessLogWriter::open(config.access_log, std::move(rings), std::move(names));
}

// What the main lcore does while the workers run, until SIGINT/SIGTERM: heartbeats, config generations
// the control plane published (adopted by every worker, or refused with a reason), certificate files,
// ticket key rotation, the access log's reopening on SIGHUP, the stats file.
struct MainLoop {
  const Options& options;
  const std::vector<Port>& ports;
  const std::vector<Worker*>& workers;
  rte_mempool* pool;
  AccessLogWriter* access_log;
  shm::Segment& segment;
  const ConfigOverrides& overrides;
  const std::vector<std::shared_ptr<tls::TicketKeyRing>>& tickets;

  void run(const std::shared_ptr<const DataplaneConfig>& start) const {
    auto certificates = std::make_unique<CertificateWatch>(*start, tickets);
    auto next_certificate_look = std::chrono::steady_clock::now();
    auto next_stats = std::chrono::steady_clock::now();
    shm::Heartbeat& heartbeat = segment.control().dataplane;
    ConfigReload reload(segment, workers, start, overrides, tickets, access_log);
    uint32_t stats_interval_ms = start->stats_interval_ms;
    uint32_t rotation_s = start->ticket_key_rotation_s;
    auto next_rotation = next_stats + std::chrono::seconds(rotation_s);
    while (!g_signalled.load()) {
      heartbeat.beat(monotonic_ns());
      for (const std::string& line : reload.poll()) log_info("dataplane: {}", line);
      if (reload.take_changed()) {
        // What the main lcore derives from the config: certificate files to watch, intervals.
        const DataplaneConfig& now = *reload.running();
        certificates = std::make_unique<CertificateWatch>(now, tickets);
        stats_interval_ms = now.stats_interval_ms;
        if (now.ticket_key_rotation_s != rotation_s) {
          rotation_s = now.ticket_key_rotation_s;
          next_rotation = std::chrono::steady_clock::now() + std::chrono::seconds(rotation_s);
        }
      }
      if (g_hangup.exchange(false) && access_log) access_log->reopen();
      if (std::chrono::steady_clock::now() >= next_rotation) {
        for (const auto& ring : tickets) {
          if (ring) ring->rotate(unix_now());
        }
        next_rotation += std::chrono::seconds(rotation_s);
      }
      if (std::chrono::steady_clock::now() >= next_certificate_look) {
        for (const std::string& line : certificates->poll(workers)) log_info("dataplane: {}", line);
        next_certificate_look += std::chrono::seconds(1);
      }
      if (!options.stats_path.empty() && std::chrono::steady_clock::now() >= next_stats) {
        write_stats_file(options.stats_path, stats_snapshot(ports, workers, "running", pool, access_log));
        next_stats += std::chrono::milliseconds(stats_interval_ms);
      }
      // A published generation is seen within 10 ms; while the workers adopt one, every 1 ms (they do so
      // at their next 10 ms tick).
      std::this_thread::sleep_for(std::chrono::milliseconds(reload.adopting() ? 1 : 10));
    }
  }
};

// From EAL start to a clean stop. Every early return unwinds what was set up so far through the guards
// above (workers, segment, ports, EAL, in that order), with exit status 1.
int run(const Options& options, const DataplaneConfig& config, const ConfigOverrides& overrides,
        const EalPlan& plan, const std::string& segment_name) {
  std::vector<std::string> eal_args = plan.args;
  std::vector<char*> eal_argv;
  for (std::string& a : eal_args) eal_argv.push_back(a.data());
  // The plan carries --no-pci unless the config names PCI ports (then an explicit -a allow-list).
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
    log_error("EAL init failed: {}", rte_strerror(rte_errno));
    return 1;
  }
  const EalSession eal;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  const uint16_t workers = plan.workers;
  rte_mempool* pool = nullptr;
  rte_mempool* record_pool = nullptr;
  if (!create_pools(config, workers, pool, record_pool)) return 1;
  const net::FlowSteering steering(workers);
  SteeringFabric fabric;
  StartedPorts ports;
  if (!setup_ports(config, plan.port_devices, workers, steering, pool, ports.list) ||
      !fabric.create(workers, config.steering_ring_size, static_cast<int>(rte_socket_id())))
    return 1;

  std::atomic<bool> stop{false};
  const std::vector<std::shared_ptr<tls::TicketKeyRing>> tickets = ticket_rings(config);
  // Declared before the workers, which hold ports into it: they go first.
  std::unique_ptr<OwnedSegment> segment;
  std::vector<std::unique_ptr<Worker>> owned;
  std::vector<Worker*> view;
  for (uint16_t w = 0; w < workers; ++w) {
    owned.push_back(
        std::make_unique<Worker>(w, config, ports.list, steering, fabric, pool, record_pool, stop));
    view.push_back(owned.back().get());
  }
  // The start-up config is generation 0 on every core (the control plane's first publish, normally the
  // same file, is then adopted without rebuilding anything).
  const auto running = std::make_shared<const DataplaneConfig>(config);
  for (Worker* wk : view) {
    std::string start_error;
    Result<std::unique_ptr<Generation>> first = build_for(*wk, running, 0, tickets);
    if (!first) start_error = first.error();
    if (!first || !wk->start(std::move(first.value()), start_error)) {
      log_error("{}: {}", options.config_path, start_error);
      return 1;
    }
  }
  // The shared segment, sized from the config; every worker gets its core's port before it runs.
  auto created = shm::Segment::create(segment_name, plan_segment(config, workers).capacities);
  if (!created) {
    log_error("shared segment: {}", created.error());
    return 1;
  }
  segment = std::make_unique<OwnedSegment>(std::move(created.value()));
  for (Worker* wk : view) wk->attach_segment(shm::WorkerPort(segment->segment, wk->index()));
  log_info("shared segment: {}, {} KiB", shm::Segment::path_of(segment->segment.name()),
           segment->segment.bytes() >> 10);
  // Declared after the workers, so it is destroyed (and stops reading their rings) before they are.
  std::unique_ptr<AccessLogWriter> access_log;
  if (!config.access_log.empty()) {
    auto opened = open_access_log(config, view);
    if (!opened) {
      log_error("{}: {}", options.config_path, opened.error());
      return 1;
    }
    access_log = std::move(opened.value());
    access_log->start();
    std::signal(SIGHUP, on_hangup);
  }
  unsigned lcore = 0;
  uint16_t w = 0;
  RTE_LCORE_FOREACH_WORKER(lcore) {
    if (w < workers) rte_eal_remote_launch(launch_worker, view[w++], lcore);
  }
  log_info("dataplane: running with {} worker core(s), pid {}", workers, ::getpid());

  MainLoop{options, ports.list, view, pool, access_log.get(), segment->segment, overrides, tickets}.run(
      running);
  stop.store(true);
  rte_eal_mp_wait_lcore();
  if (access_log) access_log->stop();  // workers are done: what their rings hold is the last of it
  const nlohmann::json final_stats = stats_snapshot(ports.list, view, "stopped", pool, access_log.get());
  if (!options.stats_path.empty()) write_stats_file(options.stats_path, final_stats);
  log_info("dataplane: stopping");
  std::istringstream summary(stats_summary(final_stats));
  for (std::string line; std::getline(summary, line);) log_info("{}", line);
  return 0;  // a clean stop leaves no segment behind: the guards unlink it
}

}  // namespace
}  // namespace tollgate::dataplane

int main(int argc, char** argv) {
  using namespace tollgate;
  using namespace tollgate::dataplane;
  CLI::App app{"Tollgate dataplane: kernel-bypass packet processing, one polled worker per core"};
  Options o;
  app.add_option("-c,--config", o.config_path, "TOML config file")->required()->check(CLI::ExistingFile);
  app.add_option("--cores", o.cores, "worker cores (0 = all usable CPUs but one); overrides the config")
      ->check(CLI::Range(0, 128));
  app.add_option("--driver", o.driver_override,
                 "use this driver for every interface port (af_xdp or af_packet)")
      ->check(CLI::IsMember({"af_xdp", "af_packet"}));
  app.add_option("--file-prefix", o.file_prefix, "EAL --file-prefix, unique per running instance");
  app.add_option("--stats-file", o.stats_path, "write a JSON stats snapshot here every stats_interval_ms");
  app.add_option("--segment", o.segment_prefix,
                 "shared-memory segment for the control plane: /dev/shm/tollgate-NAME (1-48 of [a-z0-9-])");
  app.add_option(
      "--segment-dir", o.segment_dir,
      "make the segment the file DIR/tollgate-NAME instead of a /dev/shm object: DIR must be writable "
      "by this user alone (the systemd units use /run/tollgate), so no other local user can take its name");
  app.add_option("--eal", o.extra_eal, "extra EAL argument (repeatable)");
  app.add_flag("--check-config", o.check_only, "validate the config and exit");
  app.add_flag("--print-eal", o.print_eal, "print the EAL command line that would be used and exit");
  CLI11_PARSE(app, argc, argv);

  // Absolute, as the control plane publishes it: relative names inside resolve the same way in both, so an
  // unchanged file read again reads as unchanged.
  if (char* real = ::realpath(o.config_path.c_str(), nullptr)) {
    o.config_path = real;
    std::free(real);
  }
  ConfigLoad load = load_config_file(o.config_path);
  for (const ConfigError& e : load.errors) log_error("config error: {}", e.to_string());
  for (const ConfigError& w : load.warnings) log_warning("config warning: {}", w.to_string());
  if (!load.config) return 2;
  DataplaneConfig config = std::move(*load.config);
  if (o.check_only) {
    std::printf("%s: ok (%zu ports)\n", o.config_path.c_str(), config.ports.size());
    return 0;
  }
  const ConfigOverrides overrides{o.cores, o.driver_override};
  apply_overrides(config, overrides);

  const Result<std::string> segment_name = shm::Segment::name_for(o.segment_prefix, o.segment_dir);
  if (!segment_name) {
    log_error("--segment: {}", segment_name.error());
    return 2;
  }

  EalEnvironment env = probe_eal_environment(o.file_prefix);
  env.extra = o.extra_eal;
  const EalPlan plan = build_eal_plan(config, env);
  std::string cmdline;
  for (const std::string& a : plan.args) cmdline += (cmdline.empty() ? "" : " ") + a;
  if (o.print_eal) {
    std::printf("EAL: %s\n", cmdline.c_str());
    return 0;
  }
  log_info("EAL: {}", cmdline);

  // A memif server binds its socket path: one left by a previous run that ended without cleanup would make
  // it fail with "Address already in use". Only sockets are removed, never another kind of file.
  for (const PortConfig& p : config.ports) {
    struct stat st {};
    if (p.driver == PortDriver::kMemif && ::lstat(p.socket.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
      ::unlink(p.socket.c_str());
  }
  return run(o, config, overrides, plan, segment_name.value());
}
