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
#include "engine/shm/segment.h"
#include "engine/shm/worker_port.h"

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
  return static_cast<tollgate::dataplane::Worker*>(arg)->run();
}

uint32_t mbufs_needed(const tollgate::dataplane::DataplaneConfig& c, uint16_t workers) {
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

// The segment this process made: its name goes when the process stops (any return path of main), so a
// control plane looking for it finds no stale one. A crash leaves it; the next dataplane replaces it.
struct OwnedSegment {
  explicit OwnedSegment(tollgate::shm::Segment s) : segment(std::move(s)) {}
  OwnedSegment(const OwnedSegment&) = delete;
  OwnedSegment& operator=(const OwnedSegment&) = delete;
  ~OwnedSegment() { (void)tollgate::shm::Segment::unlink(segment.name()); }
  tollgate::shm::Segment segment;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace tollgate::dataplane;
  CLI::App app{"Tollgate dataplane: kernel-bypass packet processing, one polled worker per core"};
  std::string config_path, stats_path, file_prefix = "tollgate", driver_override, segment_prefix = "tollgate";
  std::string segment_dir;
  int cores = -1;
  bool check_only = false, print_eal = false;
  std::vector<std::string> extra_eal;
  app.add_option("-c,--config", config_path, "TOML config file")->required()->check(CLI::ExistingFile);
  app.add_option("--cores", cores, "worker cores (0 = all usable CPUs but one); overrides the config")
      ->check(CLI::Range(0, 128));
  app.add_option("--driver", driver_override,
                 "use this driver for every interface port (af_xdp or af_packet)")
      ->check(CLI::IsMember({"af_xdp", "af_packet"}));
  app.add_option("--file-prefix", file_prefix, "EAL --file-prefix, unique per running instance");
  app.add_option("--stats-file", stats_path, "write a JSON stats snapshot here every stats_interval_ms");
  app.add_option("--segment", segment_prefix,
                 "shared-memory segment for the control plane: /dev/shm/tollgate-NAME (1-48 of [a-z0-9-])");
  app.add_option("--segment-dir", segment_dir,
                 "make the segment the file DIR/tollgate-NAME instead of a /dev/shm object: DIR must be writable "
                 "by this user alone (the systemd units use /run/tollgate), so no other local user can take its name");
  app.add_option("--eal", extra_eal, "extra EAL argument (repeatable)");
  app.add_flag("--check-config", check_only, "validate the config and exit");
  app.add_flag("--print-eal", print_eal, "print the EAL command line that would be used and exit");
  CLI11_PARSE(app, argc, argv);

  // Absolute, as the control plane publishes it: relative names inside resolve the same way in both, so an
  // unchanged file read again reads as unchanged.
  if (char* real = ::realpath(config_path.c_str(), nullptr)) {
    config_path = real;
    std::free(real);
  }
  ConfigLoad load = load_config_file(config_path);
  for (const ConfigError& e : load.errors) std::fprintf(stderr, "config error: %s\n", e.to_string().c_str());
  for (const ConfigError& w : load.warnings)
    std::fprintf(stderr, "config warning: %s\n", w.to_string().c_str());
  if (!load.config) return 2;
  DataplaneConfig config = std::move(*load.config);
  if (check_only) {
    std::printf("%s: ok (%zu ports)\n", config_path.c_str(), config.ports.size());
    return 0;
  }
  const ConfigOverrides overrides{cores, driver_override};
  apply_overrides(config, overrides);

  const tollgate::Result<std::string> segment_name = tollgate::shm::Segment::name_for(segment_prefix, segment_dir);
  if (!segment_name) {
    std::fprintf(stderr, "--segment: %s\n", segment_name.error().c_str());
    return 2;
  }

  EalEnvironment env = probe_eal_environment(file_prefix);
  env.extra = extra_eal;
  const EalPlan plan = build_eal_plan(config, env);
  std::string cmdline;
  for (const std::string& a : plan.args) cmdline += (cmdline.empty() ? "" : " ") + a;
  std::printf("EAL: %s\n", cmdline.c_str());
  std::fflush(stdout);
  if (print_eal) return 0;

  // A memif server binds its socket path: one left by a previous run that ended without cleanup would make
  // it fail with "Address already in use". Only sockets are removed, never another kind of file.
  for (const PortConfig& p : config.ports) {
    struct stat st {};
    if (p.driver == PortDriver::kMemif && ::lstat(p.socket.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
      ::unlink(p.socket.c_str());
  }

  std::vector<char*> eal_argv;
  std::vector<std::string> eal_args = plan.args;
  for (std::string& a : eal_args) eal_argv.push_back(a.data());
  // The plan carries --no-pci unless the config names PCI ports (then an explicit -a allow-list).
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {  // --no-pci or -a allow_list
    std::fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  int rc = 0;
  {
    const uint16_t workers = plan.workers;
    const int socket = static_cast<int>(rte_socket_id());
    std::string pool_error;
    const bool pci = std::any_of(config.ports.begin(), config.ports.end(),
                                 [](const PortConfig& p) { return p.driver == PortDriver::kPci; });
    rte_mempool* pool = create_mbuf_pool("mbufs_s0", mbufs_needed(config, workers), socket,
                                         pci ? MbufPoolKind::kDeviceDma : MbufPoolKind::kPacked, pool_error);
    if (!pool) {
      std::fprintf(stderr, "%s\n", pool_error.c_str());
      rte_eal_cleanup();
      return 1;
    }
    const MbufPoolLayout layout = mbuf_pool_layout(pool);
    std::printf("mbuf pool: %u mbufs of %lu bytes in %u area(s), %lu MiB\n", pool->populated_size,
                static_cast<unsigned long>(layout.object_stride), layout.chunks,
                static_cast<unsigned long>(layout.span_bytes >> 20));
    // TLS records up to 16 KiB (plus header, inner type and tag) are built in buffers of their own.
    rte_mempool* record_pool = nullptr;
    const bool tls =
        std::any_of(config.listeners.begin(), config.listeners.end(),
                    [](const ListenerConfig& l) { return l.protocol == ListenerProtocol::kTls; });
    if (tls && config.tls_record_buffers > 0) {
      record_pool = rte_pktmbuf_pool_create("tls_records", config.tls_record_buffers, 64, 0,
                                            RTE_PKTMBUF_HEADROOM + 16384 + 512, socket);
      if (!record_pool) {
        std::fprintf(stderr,
                     "TLS record buffers (%u x 17 KiB): %s (lower [dataplane] tls_record_buffers or raise "
                     "memory_mb)\n",
                     config.tls_record_buffers, rte_strerror(rte_errno));
        rte_eal_cleanup();
        return 1;
      }
    }
    const tollgate::net::FlowSteering steering(workers);
    std::vector<Port> ports;
    SteeringFabric fabric;
    if (!setup_ports(config, plan.port_devices, workers, steering, pool, ports) ||
        !fabric.create(workers, config.steering_ring_size, socket)) {
      stop_ports(ports);
      rte_eal_cleanup();
      return 1;
    }

    std::atomic<bool> stop{false};
    std::vector<std::unique_ptr<Worker>> owned;
    std::vector<Worker*> view;
    for (uint16_t w = 0; w < workers; ++w) {
      owned.push_back(std::make_unique<Worker>(w, config, ports, steering, fabric, pool, record_pool, stop));
      view.push_back(owned.back().get());
    }
    // One session-ticket key ring per TLS listener, shared by every core, rotated here on the main lcore.
    // Per listener, so a ticket never resumes a session on a listener with other certificates.
    const auto unix_now = [] {
      return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    };
    std::vector<std::shared_ptr<tollgate::tls::TicketKeyRing>> tickets(config.listeners.size());
    for (size_t i = 0; i < config.listeners.size(); ++i) {
      if (config.listeners[i].protocol == ListenerProtocol::kTls ||
          config.listeners[i].protocol == ListenerProtocol::kHttps)
        tickets[i] = tollgate::tls::TicketKeyRing::create(unix_now());
    }
    // The start-up config is generation 0 on every core (the control plane's first publish, normally the
    // same file, is then adopted without rebuilding anything).
    const auto running = std::make_shared<const DataplaneConfig>(config);
    for (Worker* wk : view) {
      std::string start_error;
      tollgate::Result<std::unique_ptr<Generation>> first = build_for(*wk, running, 0, tickets);
      if (!first) start_error = first.error();
      if (!first || !wk->start(std::move(first.value()), start_error)) {
        std::fprintf(stderr, "%s: %s\n", config_path.c_str(), start_error.c_str());
        owned.clear();
        stop_ports(ports);
        rte_eal_cleanup();
        return 1;
      }
    }
    // The shared segment, sized from the config; every worker gets its core's port before it runs.
    // The workers hold ports into it: every path out of this block clears `owned` before it goes.
    const SegmentPlan segment_plan = plan_segment(config, workers);
    auto created = tollgate::shm::Segment::create(segment_name.value(), segment_plan.capacities);
    if (!created) {
      std::fprintf(stderr, "shared segment: %s\n", created.error().c_str());
      owned.clear();
      stop_ports(ports);
      rte_eal_cleanup();
      return 1;
    }
    std::unique_ptr<OwnedSegment> segment = std::make_unique<OwnedSegment>(std::move(created.value()));
    for (Worker* wk : view) wk->attach_segment(tollgate::shm::WorkerPort(segment->segment, wk->index()));
    std::printf("shared segment: %s, %lu KiB\n", tollgate::shm::Segment::path_of(segment->segment.name()).c_str(),
                static_cast<unsigned long>(segment->segment.bytes() >> 10));
    // The access log: every worker's ring drained by one writer thread, which outlives the workers' run.
    // Declared after `owned`, so it is destroyed (and stops reading the rings) before the workers are.
    std::unique_ptr<AccessLogWriter> access_log;
    if (!config.access_log.empty()) {
      std::vector<tollgate::proxy::AccessLogRing*> rings;
      for (Worker* wk : view) rings.push_back(wk->access_log());
      tollgate::proxy::AccessLogNames names;
      for (const ListenerConfig& l : config.listeners) names.listeners.push_back(l.name);
      for (const PoolConfig& p : config.pools) names.pools.push_back(p.name);
      auto opened = AccessLogWriter::open(config.access_log, std::move(rings), std::move(names));
      if (!opened) {
        std::fprintf(stderr, "%s: %s\n", config_path.c_str(), opened.error().c_str());
        owned.clear();
        stop_ports(ports);
        rte_eal_cleanup();
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
    std::printf("dataplane: running with %u worker core(s), pid %d\n", workers, ::getpid());
    std::fflush(stdout);

    auto certificates = std::make_unique<CertificateWatch>(config, tickets);
    auto next_certificate_look = std::chrono::steady_clock::now();
    auto next_stats = std::chrono::steady_clock::now();
    tollgate::shm::Heartbeat& heartbeat = segment->segment.control().dataplane;
    ConfigReload reload(segment->segment, view, running, overrides, tickets, access_log.get());
    uint32_t stats_interval_ms = config.stats_interval_ms;
    uint32_t rotation_s = config.ticket_key_rotation_s;
    auto next_rotation = next_stats + std::chrono::seconds(rotation_s);
    while (!g_signalled.load()) {
      heartbeat.beat(monotonic_ns());
      // Config generations the control plane published: adopted by every worker, or refused with a reason.
      for (const std::string& line : reload.poll()) std::printf("dataplane: %s\n", line.c_str());
      std::fflush(stdout);
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
        for (auto& ring : tickets) {
          if (ring) ring->rotate(unix_now());
        }
        next_rotation += std::chrono::seconds(rotation_s);
      }
      if (std::chrono::steady_clock::now() >= next_certificate_look) {
        for (const std::string& line : certificates->poll(view)) std::printf("dataplane: %s\n", line.c_str());
        std::fflush(stdout);
        next_certificate_look += std::chrono::seconds(1);
      }
      if (!stats_path.empty() && std::chrono::steady_clock::now() >= next_stats) {
        write_stats_file(stats_path, stats_snapshot(ports, view, "running", pool, access_log.get()));
        next_stats += std::chrono::milliseconds(stats_interval_ms);
      }
      // A published generation is seen within 10 ms; while the workers adopt one, every 1 ms (they do so
      // at their next 10 ms tick).
      std::this_thread::sleep_for(std::chrono::milliseconds(reload.adopting() ? 1 : 10));
    }
    stop.store(true);
    rte_eal_mp_wait_lcore();
    if (access_log) access_log->stop();  // workers are done: what their rings hold is the last of it
    const nlohmann::json final_stats = stats_snapshot(ports, view, "stopped", pool, access_log.get());
    if (!stats_path.empty()) write_stats_file(stats_path, final_stats);
    std::printf("dataplane: stopping\n%s", stats_summary(final_stats).c_str());
    std::fflush(stdout);
    owned.clear();
    segment.reset();  // unlinked: a clean stop leaves no segment behind
    stop_ports(ports);
  }
  rte_eal_cleanup();
  return rc;
}
