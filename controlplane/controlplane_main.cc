// tollgate-controlplane: loads and validates the config, attaches to the dataplane's shared segment (waiting
// for it, re-attaching when the dataplane is replaced), takes control, and serves the operator socket and
// the Prometheus endpoint. One thread: a poll loop over the sockets, ticking the control plane every 100 ms.
// Restartable at any time: a new process takes over the segment from where the old one stopped.
#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>

#include "controlplane/commands/command_table.h"
#include "controlplane/control_plane.h"
#include "controlplane/management_http.h"
#include "controlplane/prometheus_text.h"
#include "controlplane/socket_server.h"
#include "engine/common/log.h"
#include "engine/shm/segment.h"

namespace tollgate::controlplane {
namespace {

// The signal handlers' only reach: a pipe the loop polls (SIGHUP: reload, SIGINT/SIGTERM: stop).
int g_signal_pipe[2] = {-1, -1};

void on_signal(int sig) {
  const int saved = errno;
  const char c = static_cast<char>(sig);
  [[maybe_unused]] ssize_t n = ::write(g_signal_pipe[1], &c, 1);
  errno = saved;
}

bool install_signals() {
  if (::pipe2(g_signal_pipe, O_NONBLOCK | O_CLOEXEC) != 0) return false;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGHUP, SIGINT, SIGTERM}) ::sigaction(sig, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}

uint64_t monotonic_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// The metrics endpoint, (re)opened as the config in force says: a port another process holds is retried
// rather than fatal, since the operator socket and the segment matter more than a scrape.
class MetricsEndpoint {
 public:
  void update(const dataplane::ManagementConfig& m, ControlPlane& cp, uint64_t now_ns) {
    const std::string want = m.enabled ? m.address : "";
    if (want != address_) {
      server_.reset();
      address_ = want;
      retry_ns_ = 0;
      if (want.empty()) log_info("metrics endpoint disabled ([management] address = \"\")");
    }
    if (server_ || want.empty() || now_ns < retry_ns_) return;
    auto s = MetricsServer::listen(m.ip, m.port, [&cp] { return render_prometheus(cp.snapshot()); });
    if (!s) {
      log_error("metrics endpoint: {}; retrying every 5 s", s.error());
      retry_ns_ = now_ns + 5'000'000'000;
      return;
    }
    server_ = std::move(s.value());
    log_info("metrics at http://{}/metrics", want);
  }
  MetricsServer* server() const { return server_.get(); }

 private:
  std::string address_ = "\x01";  // nothing opened yet
  std::unique_ptr<MetricsServer> server_;
  uint64_t retry_ns_ = 0;
};

int run(const std::string& config_path, const std::string& segment_prefix, const std::string& segment_dir,
        const std::string& socket_path, bool foreground) {
  Result<std::string> segment = shm::Segment::name_for(segment_prefix, segment_dir);
  if (!segment) {
    log_error("--segment: {}", segment.error());
    return 2;
  }
  ConfigAttempt attempt = load_config(config_path);
  for (const dataplane::ConfigError& w : attempt.warnings) log_warning("config: {}", w.to_string());
  if (!attempt.loaded) {
    for (const dataplane::ConfigError& e : attempt.errors) log_error("config: {}", e.to_string());
    return 2;
  }
  if (!install_signals()) {
    log_error("signal pipe: {}", std::strerror(errno));
    return 1;
  }
  ControlPlane cp(segment.value(), std::move(*attempt.loaded));
  CommandTable commands;
  register_config_commands(commands, cp);
  register_show_commands(commands, cp);
  register_target_commands(commands, cp);
  register_cert_commands(commands, cp);
  auto server =
      SocketServer::listen(socket_path, [&commands](const CtlRequest& r) { return commands.dispatch(r); });
  if (!server) {
    log_error("operator socket: {}", server.error());
    return 1;
  }
  if (!foreground && ::daemon(/*nochdir=*/1, /*noclose=*/1) != 0) {
    log_error("daemon: {}", std::strerror(errno));
    return 1;
  }
  log_info("control plane pid {}: config {}, segment {}, socket {}", ::getpid(), cp.config().path,
           segment.value(), socket_path);
  MetricsEndpoint metrics;
  std::vector<pollfd> fds;
  for (;;) {
    const uint64_t now = monotonic_ns();
    cp.tick(now);
    if (cp.replaced()) return 1;
    metrics.update(cp.config().config.management, cp, now);
    fds.clear();
    fds.push_back({g_signal_pipe[0], POLLIN, 0});
    const size_t n_socket = server.value()->add_fds(fds);
    const size_t n_metrics = metrics.server() ? metrics.server()->add_fds(fds) : 0;
    const int wait_ms = static_cast<int>(cp.wait_ms(monotonic_ns()));
    if (::poll(fds.data(), fds.size(), wait_ms) < 0 && errno != EINTR) {
      log_error("poll: {}", std::strerror(errno));
      return 1;
    }
    const std::span<const pollfd> all(fds);
    server.value()->service(all.subspan(1, n_socket));
    if (metrics.server()) metrics.server()->service(all.subspan(1 + n_socket, n_metrics));
    if (fds[0].revents & POLLIN) {
      char sig;
      while (::read(g_signal_pipe[0], &sig, 1) == 1) {
        if (sig == SIGHUP) {
          log_info("SIGHUP: reloading {}", cp.config().path);
          (void)cp.reload();
        } else {
          log_info("signal {}: stopping", static_cast<int>(sig));
          return 0;
        }
      }
    }
  }
}

}  // namespace
}  // namespace tollgate::controlplane

int main(int argc, char** argv) {
  CLI::App app{
      "tollgate-controlplane: config, health and stats for the Tollgate dataplane, over shared memory"};
  std::string config, segment, segment_dir, socket;
  bool foreground = false;
  app.add_option("-c,--config", config, "the TOML config (the dataplane's file)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--segment", segment, "the dataplane's segment name (its --segment; /dev/shm/tollgate-NAME)")
      ->required();
  app.add_option("--segment-dir", segment_dir,
                 "the dataplane's --segment-dir: its segment is the file DIR/tollgate-NAME, not in /dev/shm");
  app.add_option("--socket", socket, "the operator socket tollgatectl talks to (mode 0600)")->required();
  app.add_flag("--foreground", foreground, "stay in the foreground (default: detach after the socket is up)");
  CLI11_PARSE(app, argc, argv);
  return tollgate::controlplane::run(config, segment, segment_dir, socket, foreground);
}
