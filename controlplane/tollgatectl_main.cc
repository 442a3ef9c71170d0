// tollgatectl: the operator CLI. `config check` runs locally; everything else is one request (or a few)
// to the control plane over its UNIX socket (controlplane/ctl_protocol.h). Exit status: 0 done, 1 the
// command failed (the control plane said no, or cannot be reached), 2 bad usage.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "controlplane/ctl/config_check.h"
#include "controlplane/ctl/views.h"
#include "controlplane/unix_socket.h"

namespace tollgate::controlplane {
namespace {

using nlohmann::json;
constexpr std::chrono::seconds kCallTimeout{10};

std::string default_socket() {
  const char* env = std::getenv("TOLLGATE_SOCKET");
  return env && *env ? env : "/run/tollgate/ctl.sock";
}

// Prints why a response failed (config errors one per line), returns 1.
int report_failure(const CtlResponse& r) {
  std::fprintf(stderr, "tollgatectl: %s\n", r.error.c_str());
  if (const auto e = r.result.find("errors"); e != r.result.end() && e->is_array()) {
    for (const json& err : *e) std::fprintf(stderr, "%s\n", err.value("text", err.dump()).c_str());
  }
  return 1;
}

// One request; on failure the message is printed and `exit_code` set.
std::optional<json> call(CtlConnection& c, const std::string& command, json args, int& exit_code) {
  Result<CtlResponse> r = c.call({command, std::move(args)}, kCallTimeout);
  if (!r) {
    std::fprintf(stderr, "tollgatectl: %s\n", r.error().c_str());
    exit_code = 1;
    return std::nullopt;
  }
  if (!r.value().ok) {
    exit_code = report_failure(r.value());
    return std::nullopt;
  }
  return r.value().result;
}

std::optional<CtlConnection> connect(const std::string& socket, int& exit_code) {
  Result<CtlConnection> c = CtlConnection::open(socket);
  if (!c) {
    std::fprintf(stderr, "tollgatectl: %s\n", c.error().c_str());
    exit_code = 1;
    return std::nullopt;
  }
  return std::move(c.value());
}

int show(const std::string& socket, const std::string& what, bool as_json) {
  int rc = 0;
  auto c = connect(socket, rc);
  if (!c) return rc;
  auto result = call(*c, "show." + what, json::object(), rc);
  if (!result) return rc;
  if (as_json) {
    std::printf("%s\n", result->dump(2).c_str());
  } else {
    const ViewRenderer render = view_renderer(what);
    const bool summary = what != "stats" && what != "certs";  // certs answers carry no summary
    std::fputs((summary ? render_summary(*result) + "\n" : std::string()).c_str(), stdout);
    std::fputs(render(*result).c_str(), stdout);
  }
  return 0;
}

int top(const std::string& socket, int iterations, double interval_s) {
  int rc = 0;
  auto c = connect(socket, rc);
  if (!c) return rc;
  auto before = call(*c, "show.stats", json::object(), rc);
  if (!before) return rc;
  const bool tty = ::isatty(STDOUT_FILENO);
  auto last = std::chrono::steady_clock::now();
  for (int i = 0; iterations <= 0 || i < iterations; ++i) {
    std::this_thread::sleep_for(std::chrono::duration<double>(interval_s));
    auto now = call(*c, "show.stats", json::object(), rc);
    if (!now) return rc;
    const auto t = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(t - last).count();
    std::printf("%s%s", tty ? "\x1b[H\x1b[2J" : "\n", render_top(*before, *now, seconds).c_str());
    std::fflush(stdout);
    before = std::move(now);
    last = t;
  }
  return 0;
}

// Published, then (unless --no-wait) followed until every running core adopted it or the dataplane
// refused it: the exit status says whether the dataplane runs the new config.
int reload(const std::string& socket, bool wait, double timeout_s) {
  int rc = 0;
  auto c = connect(socket, rc);
  if (!c) return rc;
  const auto start = std::chrono::steady_clock::now();
  auto r = call(*c, "config.reload", json::object(), rc);
  if (!r) return rc;
  for (const json& w : r->value("warnings", json::array())) {
    std::fprintf(stderr, "warning: %s\n", w.value("text", w.dump()).c_str());
  }
  const uint64_t g = r->value("generation", uint64_t{0});
  std::printf("reloaded %s: generation %llu\n", r->value("path", "?").c_str(),
              static_cast<unsigned long long>(g));
  std::fflush(stdout);
  if (!wait || g == 0) return 0;  // 0: not attached; published once the dataplane's segment appears
  const auto deadline = start + std::chrono::duration<double>(timeout_s);
  for (;;) {
    auto s = call(*c, "config.show", json::object(), rc);
    if (!s) return rc;
    const uint64_t adopted = s->value("adopted", uint64_t{0});
    const json refused = s->value("refused", json());
    if (adopted >= g) {
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      std::printf(
          "generation %llu adopted by every core (%.0f ms); connections of the previous one finish on it\n",
          static_cast<unsigned long long>(g), ms);
      return 0;
    }
    if (refused.is_object() && refused.value("generation", uint64_t{0}) >= g) {
      std::fprintf(stderr,
                   "tollgatectl: the dataplane refused generation %llu: %s; it keeps generation %llu\n",
                   static_cast<unsigned long long>(g), refused.value("reason", "").c_str(),
                   static_cast<unsigned long long>(adopted));
      return 1;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(
          stderr,
          "tollgatectl: generation %llu not adopted by every core after %.0f s (the cores run %llu)\n",
          static_cast<unsigned long long>(g), timeout_s, static_cast<unsigned long long>(adopted));
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int target_command(const std::string& socket, const std::string& verb, const std::string& pool,
                   const std::string& address, int64_t weight, double timeout_s) {
  int rc = 0;
  auto c = connect(socket, rc);
  if (!c) return rc;
  json args = {{"pool", pool}, {"target", address}};
  if (verb == "weight") args["weight"] = weight;
  auto r = call(*c, "target." + verb, args, rc);
  if (!r) return rc;
  if (verb != "drain") {
    std::printf("%s %s: %s\n", pool.c_str(), address.c_str(),
                verb == "weight" ? fmt::format("weight {}", weight).c_str() : "enabled");
    return 0;
  }
  std::printf("%s %s: draining (no new requests); waiting for its connections to finish\n", pool.c_str(),
              address.c_str());
  std::fflush(stdout);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    auto s = call(*c, "target.drain_status", {{"pool", pool}, {"target", address}}, rc);
    if (!s) return rc;
    if (s->value("drained", false)) {
      std::printf("%s %s: drained (every core reported its connections gone)\n", pool.c_str(),
                  address.c_str());
      return 0;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(
          stderr,
          "tollgatectl: %s %s: not drained after %.0f s: core(s) %s still report connections (it stays "
          "out of rotation for new requests)\n",
          pool.c_str(), address.c_str(), timeout_s, s->value("waiting_cores", json::array()).dump().c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace
}  // namespace tollgate::controlplane

int main(int argc, char** argv) {
  using namespace tollgate::controlplane;
  CLI::App app{
      "tollgatectl: the Tollgate operator CLI (talks to tollgate-controlplane over its UNIX socket)"};
  // Subcommands are checked after parsing (below) rather than with require_subcommand: CLI11 would answer
  // an unknown command with "A subcommand is required", where the operator needs its name.
  app.fallthrough();
  std::string socket = default_socket();
  app.add_option("--socket", socket,
                 "the control plane's socket (default $TOLLGATE_SOCKET or /run/tollgate/ctl.sock)");

  CLI::App* config = app.add_subcommand("config", "check or reload the config");
  std::string check_file;
  CLI::App* check =
      config->add_subcommand("check", "validate FILE locally; every error as FILE:LINE: KEY: message (hint)");
  check->add_option("FILE", check_file, "the TOML config")->required();
  CLI::App* reload_cmd = config->add_subcommand(
      "reload",
      "ask the control plane to re-read its config file; wait until the dataplane adopts or refuses it");
  bool no_wait = false;
  double reload_timeout = 10;
  reload_cmd->add_flag("--no-wait", no_wait, "return once published, without waiting for the dataplane");
  reload_cmd
      ->add_option("--timeout", reload_timeout, "seconds to wait for every core to adopt it (default 10)")
      ->check(CLI::Range(0.1, 3600.0));

  CLI::App* show_cmd = app.add_subcommand("show", "print stats and state as tables (--json for machines)");
  bool as_json = false;
  std::string what;
  for (const char* w : {"stats", "listeners", "rules", "pools", "targets", "cores", "certs"}) {
    CLI::App* sub = show_cmd->add_subcommand(w, std::string("show ") + w);
    sub->add_flag("--json", as_json, "print the control plane's JSON");
    sub->callback([&what, w] { what = w; });
  }

  int iterations = 0;
  double interval = 1.0;
  CLI::App* top_cmd = app.add_subcommand("top", "a refreshing view of rates, per listener and target");
  top_cmd->add_option("--iterations", iterations, "stop after N refreshes (default: until interrupted)")
      ->check(CLI::Range(0, 1000000));
  top_cmd->add_option("--interval", interval, "seconds between refreshes")->check(CLI::Range(0.1, 3600.0));

  CLI::App* target = app.add_subcommand("target", "drain, enable or re-weight one target of a pool");
  std::string pool, address, verb;
  int64_t weight = 0;
  double timeout = 30;
  for (const char* v : {"drain", "enable", "weight"}) {
    CLI::App* sub = target->add_subcommand(v, v == std::string("drain")
                                                  ? "stop new requests; wait for its connections to end"
                                              : v == std::string("enable") ? "put it back into rotation"
                                                                           : "set its balancing weight");
    sub->add_option("POOL", pool, "the pool's name")->required();
    sub->add_option("TARGET", address, "the target as IP:PORT")->required();
    if (v == std::string("weight"))
      sub->add_option("WEIGHT", weight, "the new weight")
          ->required()
          ->check(CLI::Range(int64_t{0}, int64_t{16777215}));
    if (v == std::string("drain"))
      sub->add_option("--timeout", timeout, "seconds to wait for the drain (default 30)");
    sub->callback([&verb, v] { verb = v; });
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  auto usage = [](const char* message) {
    std::fprintf(stderr, "tollgatectl: %s\nRun with --help for more information.\n", message);
    return 2;
  };
  if (app.get_subcommands().empty()) return usage("a command is required: config, show, top or target");
  if (config->parsed() && config->get_subcommands().empty())
    return usage("config needs check FILE or reload");
  if (show_cmd->parsed() && what.empty()) {
    return usage("show needs one of: stats, listeners, rules, pools, targets, cores, certs");
  }
  if (target->parsed() && verb.empty()) return usage("target needs drain, enable or weight");
  if (check->parsed()) {
    const CheckOutput o = check_config(check_file);
    std::fputs(o.out.c_str(), stdout);
    std::fputs(o.err.c_str(), stderr);
    return o.exit_code;
  }
  if (reload_cmd->parsed()) return reload(socket, !no_wait, reload_timeout);
  if (show_cmd->parsed()) {
    return show(socket, what, as_json);
  }
  if (top_cmd->parsed()) return top(socket, iterations, interval);
  if (target->parsed()) return target_command(socket, verb, pool, address, weight, timeout);
  return 2;
}
