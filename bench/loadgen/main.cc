// tollgate-loadgen: a DPDK load generator built on Tollgate's own engine (see README.md in this directory).
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <sched.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>

#include "bench/loadgen/backend.h"
#include "bench/loadgen/eal_plan.h"
#include "bench/loadgen/flood.h"
#include "bench/loadgen/host.h"
#include "bench/loadgen/http_client.h"
#include "bench/loadgen/options.h"
#include "bench/loadgen/report.h"
#include "engine/proxy/tls_terminator.h"
#include "engine/tls/aead_engine.h"
#include "engine/tls/client_context.h"

namespace {

using namespace tollgate;
using namespace tollgate::loadgen;

std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop.store(true);
}

unsigned first_allowed_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (unsigned c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) return c;
  }
  return 0;
}

// Parses the command line into `o`; returns an exit code >= 0 to stop with, -1 to go on.
int parse(int argc, char** argv, Options& o) {
  CLI::App app{"tollgate-loadgen: HTTP/HTTPS load, a backend emulator and bounded floods over DPDK (memif)"};
  std::vector<std::string> ports;
  std::string target, flood_kind, flood_target;
  app.add_option(
         "--port", ports,
         "a port: SOCKET,ADDRESS/LEN[,mac=MAC][,gw=GATEWAY][,peer=ADDRESS] (memif client of the dataplane's "
         "socket; peer: the dataplane's address there, resolved before the load starts), "
         "or pci:ADDRESS,... for a NIC; repeat for a second port")
      ->required();
  app.add_option("--client-port", o.client_port, "which --port (0-based) the client and flood use")
      ->capture_default_str();
  app.add_option("--backend-port", o.backend_port, "which --port the backend listens on")
      ->capture_default_str();
  auto* client = app.add_option("--target", target, "client mode: the VIP, ADDRESS:PORT");
  app.add_flag("--tls", o.client.tls, "HTTPS (TLS over the engine's record layer); plain HTTP otherwise");
  app.add_option("--host", o.client.host, "Host header and SNI")->capture_default_str();
  app.add_option("--path", o.client.path, "request path")->capture_default_str();
  app.add_option("--ca", o.client.ca,
                 "PEM bundle to verify the server's certificate (default: not verified)");
  app.add_option("--connections,-c", o.client.connections, "concurrent connections")->capture_default_str();
  app.add_option("--requests-per-connection", o.client.requests_per_connection,
                 "0: keep-alive without limit; 1: a new connection (full handshake) per request")
      ->capture_default_str();
  app.add_option("--rate", o.client.rate,
                 "requests/s (connections/s with 1 request per connection); 0: unpaced")
      ->capture_default_str();
  app.add_option("--duration,-d", o.client.duration_s, "seconds to measure")->capture_default_str();
  app.add_option("--requests,-n", o.client.requests, "requests to send in all (0: until --duration)");
  app.add_option("--warmup", o.client.warmup_s, "seconds of load before the measured window")
      ->capture_default_str();
  app.add_option("--timeout", o.client.timeout_ms, "ms a connect/handshake or a response may take")
      ->capture_default_str();
  app.add_flag("--backend", o.backend.enabled, "answer HTTP/1.1 on --backend-port");
  app.add_option("--backend-listen", o.backend.port, "backend TCP port")->capture_default_str();
  app.add_option("--body-bytes", o.backend.body_bytes, "backend response body size")->capture_default_str();
  auto* flood = app.add_option("--flood", flood_kind, "send raw frames: syn, ack or garbage")
                    ->check(CLI::IsMember({"syn", "ack", "garbage"}));
  app.add_option("--flood-target", flood_target,
                 "flood destination ADDRESS:PORT (garbage: ADDRESS:0 is fine)");
  app.add_option("--flood-rate", o.flood.rate, "frames/s")->capture_default_str();
  app.add_option("--flood-count", o.flood.count, "frames in all");
  app.add_option("--cpu", o.cpu, "CPU for the one lcore (default: the first allowed)");
  app.add_option("--file-prefix", o.file_prefix, "DPDK file prefix (default: loadgen-PID)");
  app.add_option("--memory-mb", o.memory_mb, "EAL memory (no hugepages)")->capture_default_str();
  app.add_option("--queues", o.queues, "queue pairs per port (match the dataplane's workers)")
      ->capture_default_str();
  app.add_option("--max-connections", o.max_connections, "TCP connection table size")->capture_default_str();
  app.add_option("--time-wait-ms", o.time_wait_ms, "our TIME-WAIT")->capture_default_str();
  app.add_option("--max-duration", o.max_duration_s, "hard bound on the run, seconds")->capture_default_str();
  app.add_option("--json", o.json_path, "write the figures as JSON here");
  app.add_flag("--quiet,-q", o.quiet, "no text report");
  app.add_option("--hold", o.hold_s,
                 "after the report, keep the links until the dataplane takes them down (at most this many s)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  std::vector<std::string> errors;
  for (const std::string& text : ports) {
    std::string why;
    if (auto p = parse_port(text, why)) {
      o.ports.push_back(*p);
    } else {
      errors.push_back("--port " + why);
    }
  }
  if (client->count()) {
    o.client.enabled = true;
    if (!parse_endpoint(target, o.client.target, o.client.port))
      errors.push_back("--target '" + target + "' is not ADDRESS:PORT");
  }
  if (flood->count()) {
    o.flood.enabled = true;
    o.flood.kind = flood_kind == "syn"   ? FloodKind::kSyn
                   : flood_kind == "ack" ? FloodKind::kAck
                                         : FloodKind::kGarbage;
    if (!parse_endpoint(flood_target, o.flood.target, o.flood.port)) {
      const auto a = net::Ipv4Address::parse(flood_target);
      if (!a || o.flood.kind != FloodKind::kGarbage)
        errors.push_back("--flood-target '" + flood_target + "' is not ADDRESS:PORT");
      else
        o.flood.target = *a;
    }
  }
  if (o.ports.size() == 1 && o.backend.enabled && !o.client.enabled && !o.flood.enabled) o.backend_port = 0;
  const std::vector<std::string> invalid = validate(o);
  errors.insert(errors.end(), invalid.begin(), invalid.end());
  for (const std::string& e : errors) std::fprintf(stderr, "tollgate-loadgen: %s\n", e.c_str());
  if (!errors.empty()) return 2;
  if (o.file_prefix.empty()) o.file_prefix = "loadgen-" + std::to_string(::getpid());
  return -1;
}

struct Roles {
  std::unique_ptr<tls::AeadEngine> aead;
  std::unique_ptr<tls::ClientContext> context;
  std::unique_ptr<proxy::TlsTerminator> tls;
  std::unique_ptr<Backend> backend;
  std::unique_ptr<HttpClient> client;
  std::unique_ptr<Flood> flood;
};

// Builds the roles the options ask for; false with a message on stderr.
bool make_roles(const Options& o, Host& host, Roles& r) {
  if (o.backend.enabled) {
    r.backend = std::make_unique<Backend>(host, o.backend, 16384);
    if (!r.backend->listen(o.ports[o.backend_port].ipv4.address)) {
      std::fprintf(stderr, "tollgate-loadgen: the backend cannot listen on port %u\n", o.backend.port);
      return false;
    }
  }
  if (o.client.enabled) {
    if (o.client.tls) {
      tls::ClientSettings s;
      s.ca_file = o.client.ca;
      s.verify = !o.client.ca.empty();
      s.server_name = o.client.host;
      std::string why;
      r.context = tls::ClientContext::create(s, why);
      if (!r.context) {
        std::fprintf(stderr, "tollgate-loadgen: TLS client context: %s\n", why.c_str());
        return false;
      }
      r.aead = std::make_unique<tls::AeadEngine>();
      r.tls = std::make_unique<proxy::TlsTerminator>(host.tcp(), *r.aead, o.client.connections, host.clock(),
                                                     uint64_t{o.client.timeout_ms} * 1000);
    }
    r.client = std::make_unique<HttpClient>(host, r.tls.get(), r.context.get(), o.client,
                                            o.ports[o.client_port].ipv4.address);
    if (!r.client->ready()) {
      std::fprintf(stderr, "tollgate-loadgen: no buffer for the request\n");
      return false;
    }
  }
  if (o.flood.enabled) r.flood = std::make_unique<Flood>(host, o.flood, o.client_port);
  return true;
}

// The poll loop: every role on this one lcore, until the client and the flood are done (or only the
// backend runs: until a signal or --max-duration).
int run(const Options& o, Host& host, Roles& r) {
  const uint64_t begin = host.tick();
  const uint64_t hard_end = begin + static_cast<uint64_t>(o.max_duration_s * 1e6);
  const uint64_t warm_end = begin + static_cast<uint64_t>(o.client.warmup_s * 1e6);
  const uint64_t client_end =
      o.client.duration_s > 0 ? warm_end + static_cast<uint64_t>(o.client.duration_s * 1e6) : hard_end;
  bool warm = o.client.warmup_s <= 0;
  uint64_t drain_end = 0, linger_end = 0;
  if (r.client) r.client->start(begin);
  if (r.flood) r.flood->start(begin);
  int rc = 0;
  while (!g_stop.load(std::memory_order_relaxed)) {
    const uint64_t now = host.tick();
    host.receive();
    if (r.client) {
      if (!warm && now >= warm_end) {
        warm = true;
        r.client->restart_window(now);
      }
      if (r.client->issuing() && (now >= client_end || now >= hard_end ||
                                  (o.client.requests && r.client->issued() >= o.client.requests)))
        r.client->stop_issuing(now);
      r.client->poll(now);
      if (!r.client->issuing() && drain_end == 0) drain_end = now + uint64_t{o.client.timeout_ms} * 1000;
    }
    if (r.flood && !r.flood->poll(now)) {
      std::fprintf(stderr, "tollgate-loadgen: flood: the target's MAC was not learned by ARP\n");
      rc = 1;
      break;
    }
    if (r.tls) {
      r.tls->flush();
      r.tls->expire(now);
    }
    host.advance();
    host.flush();
    // Ending: responses in flight get until their timeout, then every connection closes and the FINs go out.
    const bool client_done = !r.client || (drain_end && (!r.client->in_flight() || now >= drain_end));
    const bool flood_done = !r.flood || r.flood->done();
    const bool backend_only = !r.client && !r.flood;
    if (linger_end == 0 && ((client_done && flood_done && !backend_only) || now >= hard_end)) {
      if (r.client) r.client->close_all(now);
      linger_end = now + 200'000;
    }
    if (linger_end && now >= linger_end) break;
  }
  if (r.client && linger_end == 0) r.client->close_all(host.tick());
  return rc;
}

// Keeps the links up, without touching them, until the peer takes them down (it stopped) or --hold
// passes. Nothing is polled meanwhile: the memif PMD unmaps a ring when its peer goes away, and a receive
// burst running at that moment would read unmapped memory (the race this hold exists to keep away from the
// dataplane). The connections' FINs went out before the report.
void hold(const Options& o, Host& host) {
  const auto end =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o.hold_s * 1000));
  while (!g_stop.load(std::memory_order_relaxed) && std::chrono::steady_clock::now() < end &&
         host.any_link_up())
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (int rc = parse(argc, argv, o); rc >= 0) return rc;
  const unsigned cpu = o.cpu >= 0 ? static_cast<unsigned>(o.cpu) : first_allowed_cpu();
  const EalPlan plan = build_eal_plan(o, cpu);
  std::vector<std::string> eal_args = plan.args;
  std::vector<char*> eal_argv;
  for (std::string& a : eal_args) eal_argv.push_back(a.data());
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {  // --no-pci, or -a allow-list
    std::fprintf(stderr, "tollgate-loadgen: EAL init failed: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  int rc = 0;
  {
    rte_mempool* pool = rte_pktmbuf_pool_create("lg_mbufs", 65535, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                                static_cast<int>(rte_socket_id()));
    if (!pool) {
      std::fprintf(stderr, "tollgate-loadgen: mbuf pool: %s\n", rte_strerror(rte_errno));
      rte_eal_cleanup();
      return 1;
    }
    Host host(o, pool);
    std::string why;
    if (!host.start(plan.devices, 10'000, why)) {
      std::fprintf(stderr, "tollgate-loadgen: %s\n", why.c_str());
      rc = 1;
    }
    // Resolve the peers before any load: both sides then know each other's MAC.
    for (size_t i = 0; rc == 0 && i < o.ports.size(); ++i) {
      std::optional<net::Ipv4Address> peer = o.ports[i].peer;
      if (!peer && o.client.enabled && i == o.client_port) peer = o.client.target;
      if (peer && !host.resolve(i, *peer, 3000)) {
        std::fprintf(stderr, "tollgate-loadgen: port %zu: %s does not answer ARP\n", i,
                     peer->to_string().c_str());
        rc = 1;
      }
    }
    Roles roles;
    if (rc == 0 && !make_roles(o, host, roles)) rc = 1;
    if (rc == 0) rc = run(o, host, roles);
    if (rc == 0 || roles.client) {
      RunReport report;
      report.options = &o;
      report.client = roles.client ? &roles.client->results() : nullptr;
      report.backend = roles.backend ? &roles.backend->counters() : nullptr;
      report.flood = roles.flood ? &roles.flood->counters() : nullptr;
      report.host = host.counters();
      if (roles.tls) report.tls_handshake_failures = roles.tls->counters().handshake_failures.get();
      if (!o.quiet) std::fputs(report_text(report).c_str(), stdout);
      if (!o.json_path.empty()) {
        std::ofstream out(o.json_path);
        out << report_json(report).dump(2) << "\n";
        if (!out) {
          std::fprintf(stderr, "tollgate-loadgen: cannot write %s\n", o.json_path.c_str());
          rc = 1;
        }
      }
    }
    if (o.hold_s > 0 && rc == 0) {
      std::fflush(stdout);
      hold(o, host);
    }
    // Order: the roles hold connections of the stack, which holds buffers of the pool.
    roles.client.reset();
    roles.flood.reset();
    roles.tls.reset();
    roles.backend.reset();
    host.stop();
  }
  rte_eal_cleanup();
  return rc;
}
