#include "config/config.h"

#include "config/config_allow_list.h"
#include "config/config_client_limits.h"
#include "config/config_health.h"
#include "config/config_http.h"
#include "config/config_management.h"
#include "config/toml_reader.h"
#include "dataplane/append_file.h"
#include "engine/tls/certificate_check.h"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <sys/stat.h>
#include <unistd.h>
#include <set>

namespace tollgate::dataplane {
namespace {

class ConfigReader : public TomlReader {
 public:
  using TomlReader::TomlReader;

  ConfigLoad read(const toml::table& root) {
    DataplaneConfig cfg;
    check_keys(root, "", {"dataplane", "neighbour", "port", "tcp", "pool", "listener", "management"});
    if (const toml::table* dp = table_at(root, "dataplane", "dataplane")) read_dataplane(*dp, cfg);
    if (const toml::table* nb = table_at(root, "neighbour", "neighbour")) read_neighbour(*nb, cfg);
    read_ports(root, cfg);
    if (const toml::table* tcp = table_at(root, "tcp", "tcp")) read_tcp(*tcp, cfg);
    read_pools(root, cfg);
    read_listeners(root, cfg);
    if (const toml::table* m = table_at(root, "management", "management"))
      read_management(*this, *m, cfg.management);
    ConfigLoad out;
    out.errors = std::move(errors_);
    out.warnings = std::move(warnings_);
    if (out.errors.empty()) out.config = std::move(cfg);
    return out;
  }

  void read_dataplane(const toml::table& t, DataplaneConfig& cfg) {
    const std::string p = "dataplane.";
    check_keys(t, p,
               {"cores", "mbufs", "burst", "rx_descriptors", "tx_descriptors", "steering_ring_size",
                "stats_interval_ms", "memory_mb", "ticket_key_rotation_s", "tls_record_buffers", "access_log",
                "access_log_ring_size", "config_drain_timeout_ms", "mbuf_reserve_percent"});
    read_uint(t, "cores", p, cfg.cores, 0, 128);
    read_uint(t, "mbufs", p, cfg.mbufs, 1023, 16u << 20);
    read_uint(t, "burst", p, cfg.burst, 1, 256);
    read_uint(t, "rx_descriptors", p, cfg.rx_descriptors, 64, 16384);
    read_uint(t, "tx_descriptors", p, cfg.tx_descriptors, 64, 16384);
    read_uint(t, "steering_ring_size", p, cfg.steering_ring_size, 64, 1u << 20);
    read_uint(t, "stats_interval_ms", p, cfg.stats_interval_ms, 100, 3600000);
    read_uint(t, "ticket_key_rotation_s", p, cfg.ticket_key_rotation_s, 10, 7 * 86400);
    read_uint(t, "tls_record_buffers", p, cfg.tls_record_buffers, 0, 1u << 20);
    read_uint(t, "memory_mb", p, cfg.memory_mb, 64, 1u << 20);
    read_uint(t, "mbuf_reserve_percent", p, cfg.mbuf_reserve_percent, 0, 50);
    read_uint(t, "access_log_ring_size", p, cfg.access_log_ring_size, 64, 1u << 20);
    read_uint(t, "config_drain_timeout_ms", p, cfg.config_drain_timeout_ms, 0, 3600000);
    // A value read_uint refused left the default, a power of two, so this reports only new problems.
    for (const auto& [key, v] : {std::pair{"steering_ring_size", cfg.steering_ring_size},
                                 std::pair{"access_log_ring_size", cfg.access_log_ring_size}}) {
      if (const toml::node* n = t.get(key); n && (v & (v - 1)) != 0) {
        error(n, p + key, "must be a power of two");
      }
    }
    read_access_log(t, cfg);
  }

  // access_log = "FILE": opened for append here, as the writer will open it, so a directory that does not
  // exist or a file we may not write fails the check instead of the first request.
  void read_access_log(const toml::table& t, DataplaneConfig& cfg) {
    const std::string key = "dataplane.access_log";
    const std::optional<std::string> path = read_string(t, "access_log", key, false);
    if (!path) return;
    if (path->empty()) {
      error(t.get("access_log"), key, "must not be empty", "leave the key out for no access log");
      return;
    }
    cfg.access_log = resolve(*path);
    if (files_ != FileChecks::kCheck) return;
    const int fd = open_for_append(cfg.access_log);
    if (fd < 0) {
      error(t.get("access_log"), key,
            fmt::format("cannot open '{}' for append: {}", cfg.access_log, std::strerror(errno)));
      return;
    }
    ::close(fd);
  }

  void read_neighbour(const toml::table& t, DataplaneConfig& cfg) {
    const std::string p = "neighbour.";
    check_keys(t, p, {"capacity", "reachable_ms", "probe_interval_ms", "max_probes"});
    read_uint(t, "capacity", p, cfg.neighbour.capacity, 16, 1u << 20);
    read_uint(t, "reachable_ms", p, cfg.neighbour.reachable_time, 1000, 3600000);
    read_uint(t, "probe_interval_ms", p, cfg.neighbour.probe_interval, 10, 60000);
    read_uint(t, "max_probes", p, cfg.neighbour.max_probes, 1, 100);
  }

  void read_tcp(const toml::table& t, DataplaneConfig& cfg) {
    const std::string p = "tcp.";
    check_keys(
        t, p,
        {"max_connections", "receive_window", "send_buffer", "sack", "timestamps", "congestion_control",
         "syn_backlog", "time_wait_ms", "connect_timeout_ms", "zero_window_timeout_ms"});
    TcpSettings& s = cfg.tcp;
    read_uint(t, "max_connections", p, s.max_connections, 16, 1u << 24);
    read_uint(t, "receive_window", p, s.receive_window, 4096, 1u << 30);
    read_uint(t, "send_buffer", p, s.send_buffer, 4096, 1u << 30);
    read_uint(t, "syn_backlog", p, s.syn_backlog, 0, 1u << 24);
    read_uint(t, "time_wait_ms", p, s.time_wait_ms, 1000, 240000);
    read_uint(t, "connect_timeout_ms", p, s.connect_timeout_ms, 100, 600000);
    read_uint(t, "zero_window_timeout_ms", p, s.zero_window_timeout_ms, 0, 3600000);
    if (s.zero_window_timeout_ms > 0 && s.zero_window_timeout_ms < 1000) {
      error(t.get("zero_window_timeout_ms"), p + "zero_window_timeout_ms",
            fmt::format("{} ms would reset readers that merely pause", s.zero_window_timeout_ms),
            "use 0 (no bound) or at least 1000");
    }
    read_bool(t, "sack", p, s.sack);
    read_bool(t, "timestamps", p, s.timestamps);
    if (auto cc = read_string(t, "congestion_control", p + "congestion_control", false)) {
      if (*cc == "cubic")
        s.cubic = true;
      else if (*cc == "newreno")
        s.cubic = false;
      else
        error(t.get("congestion_control"), p + "congestion_control",
              fmt::format("unknown algorithm '{}'", *cc), "use cubic or newreno");
    }
  }

  // "a.b.c.d:port"
  std::optional<PoolConfig::Target> parse_target(std::string_view text) {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto address = net::Ipv4Address::parse(text.substr(0, colon));
    unsigned port = 0;
    const std::string_view port_text = text.substr(colon + 1);
    auto [next, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (!address || ec != std::errc{} || next != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return std::nullopt;
    }
    return PoolConfig::Target{*address, static_cast<uint16_t>(port)};
  }

  void read_pools(const toml::table& root, DataplaneConfig& cfg) {
    const toml::array* arr = array_of_tables(root, "pool");
    if (!arr) return;
    std::set<std::string> names;
    for (size_t i = 0; i < arr->size(); ++i) {
      const toml::table& t = *arr->get(i)->as_table();
      const std::string p = fmt::format("pool[{}].", i);
      check_keys(t, p,
                 {"name", "targets", "algorithm", "connect_timeout_ms", "response_timeout_ms",
                  "idle_timeout_ms", "max_idle_per_target", "tls", "health_check"});
      PoolConfig pool;
      read_pool_http(*this, t, p, pool);
      read_pool_health(*this, t, p, pool);
      pool.name = read_string(t, "name", p + "name", true).value_or("");
      if (!pool.name.empty() && !names.insert(pool.name).second) {
        error(t.get("name"), p + "name", fmt::format("pool name '{}' is used twice", pool.name));
      }
      const toml::node* targets = t.get("targets");
      const toml::array* list = targets ? targets->as_array() : nullptr;
      if (!list || list->empty()) {
        error(targets ? targets : &t, p + "targets", "must be a non-empty list of \"address:port\" strings");
      } else {
        for (size_t k = 0; k < list->size(); ++k) {
          const toml::node* item = list->get(k);
          // "address:port", or { address = "address:port", weight = N }
          uint32_t weight = 1;
          std::optional<std::string> text = item->value<std::string>();
          if (const toml::table* wt = item->as_table()) {
            const std::string tp = fmt::format("{}targets[{}].", p, k);
            check_keys(*wt, tp, {"address", "weight"});
            text = read_string(*wt, "address", tp + "address", true);
            read_uint(*wt, "weight", tp, weight, 1, 999);
            if (text && wt->get("address")) item = wt->get("address");
          }
          auto target = text ? parse_target(*text) : std::nullopt;
          if (target) target->weight = weight;
          if (!target) {
            error(item, fmt::format("{}targets[{}]", p, k), "is not an \"address:port\" string",
                  "e.g. \"198.19.0.11:7000\"");
            continue;
          }
          bool reachable = false;
          for (const PortConfig& port : cfg.ports)
            reachable = reachable || port.ipv4.contains(target->address) || port.gateway;
          if (!reachable) {
            error(item, fmt::format("{}targets[{}]", p, k), fmt::format("{} is on no port's network", *text),
                  "add a port on its prefix, or a gateway");
          }
          pool.targets.push_back(*target);
        }
      }
      cfg.pools.push_back(std::move(pool));
    }
  }

  void read_listeners(const toml::table& root, DataplaneConfig& cfg) {
    const toml::array* arr = array_of_tables(root, "listener");
    if (!arr) return;
    std::set<std::string> names;
    std::set<std::pair<uint32_t, uint16_t>> endpoints;
    for (size_t i = 0; i < arr->size(); ++i) {
      const toml::table& t = *arr->get(i)->as_table();
      const std::string p = fmt::format("listener[{}].", i);
      check_keys(t, p,
                 {"name",
                  "protocol",
                  "address",
                  "port",
                  "pool",
                  "max_connections",
                  "certificates",
                  "security_policy",
                  "handshake_timeout_ms",
                  "max_handshakes",
                  "rule",
                  "default_action",
                  "hsts",
                  "header_timeout_ms",
                  "idle_timeout_ms",
                  "max_head_bytes",
                  "max_body_bytes",
                  "normalize_path",
                  "xff",
                  "allowed_clients",
                  "client_limits"});
      ListenerConfig l;
      l.name = read_string(t, "name", p + "name", true).value_or("");
      if (!l.name.empty() && !names.insert(l.name).second) {
        error(t.get("name"), p + "name", fmt::format("listener name '{}' is used twice", l.name));
      }
      if (auto proto = read_string(t, "protocol", p + "protocol", true)) {
        if (*proto == "tls") {
          l.protocol = ListenerProtocol::kTls;
        } else if (*proto == "http") {
          l.protocol = ListenerProtocol::kHttp;
        } else if (*proto == "https") {
          l.protocol = ListenerProtocol::kHttps;
        } else if (*proto != "tcp") {
          error(t.get("protocol"), p + "protocol", fmt::format("unsupported protocol '{}'", *proto),
                "use \"tcp\", \"tls\", \"http\" or \"https\"");
        }
      }
      read_tls(t, p, l);
      if (auto text = read_string(t, "address", p + "address", true)) {
        if (auto a = net::Ipv4Address::parse(*text)) {
          l.address = *a;
          bool ours = false;
          for (const PortConfig& port : cfg.ports) ours = ours || port.ipv4.address == *a;
          if (!ours)
            error(t.get("address"), p + "address", fmt::format("{} is not the address of any port", *text));
        } else {
          error(t.get("address"), p + "address", fmt::format("'{}' is not an IPv4 address", *text));
        }
      }
      if (!t.get("port")) error(&t, p + "port", "is required");
      read_uint(t, "port", p, l.port, 1, 65535);
      read_uint(t, "max_connections", p, l.max_connections, 0, 1u << 24);
      read_allowed_clients(*this, t, p, l);
      read_client_limits(*this, t, p, l);
      if (l.port && !endpoints.insert({l.address.value, l.port}).second) {
        error(t.get("port"), p + "port", "another listener already uses this address and port");
      }
      const bool http = l.protocol == ListenerProtocol::kHttp || l.protocol == ListenerProtocol::kHttps;
      l.pool = read_string(t, "pool", p + "pool", !http).value_or("");
      if (!l.pool.empty() && std::none_of(cfg.pools.begin(), cfg.pools.end(),
                                          [&](const PoolConfig& pool) { return pool.name == l.pool; })) {
        error(t.get("pool"), p + "pool", fmt::format("no pool named '{}'", l.pool),
              "define it with [[pool]]");
      }
      if (!http) {
        for (const PoolConfig& pool : cfg.pools) {
          if (pool.name == l.pool && pool.tls.enabled) {
            error(t.get("pool"), p + "pool", fmt::format("pool '{}' speaks TLS to its targets", l.pool),
                  "only \"http\" and \"https\" listeners can use such a pool");
          }
        }
      }
      read_http_listener(*this, t, p, cfg.pools, l);
      cfg.listeners.push_back(std::move(l));
    }
  }

  // certificates = [{ chain = "FILE", key = "FILE" }, ...] and security_policy, for protocol "tls" only.
  void read_tls(const toml::table& t, const std::string& p, ListenerConfig& l) {
    const toml::node* certs = t.get("certificates");
    const toml::node* policy = t.get("security_policy");
    const bool tls = l.protocol == ListenerProtocol::kTls || l.protocol == ListenerProtocol::kHttps;
    if (tls) {
      read_uint(t, "handshake_timeout_ms", p, l.handshake_timeout_ms, 100, 600000);
      read_uint(t, "max_handshakes", p, l.max_handshakes, 1, 1u << 24);
    } else {
      if (const toml::node* timeout = t.get("handshake_timeout_ms"))
        error(timeout, p + "handshake_timeout_ms",
              "only a \"tls\" or \"https\" listener takes a handshake timeout");
      if (const toml::node* n = t.get("max_handshakes"))
        error(n, p + "max_handshakes", "only a \"tls\" or \"https\" listener runs handshakes");
    }
    if (!tls) {
      if (certs) error(certs, p + "certificates", "only a \"tls\" or \"https\" listener takes certificates");
      if (policy)
        error(policy, p + "security_policy", "only a \"tls\" or \"https\" listener takes a security policy");
      return;
    }
    if (auto text = read_string(t, "security_policy", p + "security_policy", false)) {
      if (*text != "default" && *text != "tls13-only") {
        error(policy, p + "security_policy", fmt::format("unknown security policy '{}'", *text),
              "use \"default\" (TLS 1.2 and 1.3, ECDHE with AEAD ciphers) or \"tls13-only\"");
      } else {
        l.security_policy = *text;
      }
    }
    const toml::array* arr = certs ? certs->as_array() : nullptr;
    if (!arr || arr->empty()) {
      error(certs ? certs : &t, p + "certificates", certs ? "must be a non-empty array" : "is required",
            "certificates = [{ chain = \"lab-ecdsa-chain.pem\", key = \"lab-ecdsa.key\" }]");
      return;
    }
    for (size_t i = 0; i < arr->size(); ++i) {
      const std::string cp = fmt::format("{}certificates[{}].", p, i);
      const toml::table* c = arr->get(i)->as_table();
      if (!c) {
        error(arr->get(i), cp.substr(0, cp.size() - 1), "must be a table { chain = ..., key = ... }");
        continue;
      }
      check_keys(*c, cp, {"chain", "key"});
      CertificateConfig cert;
      cert.chain = resolve(read_string(*c, "chain", cp + "chain", true).value_or(""));
      cert.key = resolve(read_string(*c, "key", cp + "key", true).value_or(""));
      bool readable = files_ == FileChecks::kCheck && !cert.chain.empty() && !cert.key.empty();
      for (const auto& [name, path] : {std::pair{"chain", cert.chain}, std::pair{"key", cert.key}}) {
        if (files_ == FileChecks::kCheck && !path.empty() && ::access(path.c_str(), R_OK) != 0) {
          error(c->get(name), cp + name, fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
          readable = false;
        }
      }
      if (readable) check_pair(*c, cp.substr(0, cp.size() - 1), cert);
      l.certificates.push_back(std::move(cert));
    }
  }

  // The pair as a listener would use it (tls/certificate_check.h): a key that is not the leaf's, a chain
  // out of order or a certificate not valid now refuses the config; a leaf expiring within 30 days, one
  // without DNS names, or a private key file other users may read, is a warning.
  void check_pair(const toml::table& at, const std::string& key, const CertificateConfig& cert) {
    tls::CertificateCheckOptions options;
    options.now = static_cast<int64_t>(std::time(nullptr));
    const tls::CertificateCheck check = tls::check_certificate({cert.chain, cert.key}, options);
    for (const tls::CertificateProblem& problem : check.problems) {
      if (problem.severity == tls::Severity::kError)
        error(&at, key, problem.message);
      else
        warning(&at, key, problem.message);
    }
    struct stat st {};
    if (::stat(cert.key.c_str(), &st) == 0 && (st.st_mode & 0077) != 0) {
      warning(&at, key,
              fmt::format("{}: the private key is readable by other users (mode {:04o}); chmod 600 it",
                          cert.key, st.st_mode & 07777));
    }
  }

  // A memif port: a socket path instead of an interface, and optionally its MAC.
  void read_memif(const toml::table& t, const std::string& p, PortConfig& port,
                  std::set<std::string>& sockets) {
    if (t.get("iface"))
      error(t.get("iface"), p + "iface", "a memif port has no kernel interface", "remove iface");
    if (t.get("pci")) error(t.get("pci"), p + "pci", "only pci ports take a PCI address", "remove pci");
    port.socket = read_string(t, "socket", p + "socket", true).value_or("");
    if (!port.socket.empty() && port.socket.front() != '/')
      error(t.get("socket"), p + "socket", "must be an absolute path", "e.g. \"/run/tollgate/front.sock\"");
    if (port.socket.size() > 107)  // sockaddr_un's sun_path
      error(t.get("socket"), p + "socket", "unix socket paths are at most 107 characters");
    if (port.socket.find(',') != std::string::npos)
      error(t.get("socket"), p + "socket", "must not contain ',' (it separates DPDK device arguments)");
    if (!port.socket.empty() && !sockets.insert(port.socket).second)
      error(t.get("socket"), p + "socket", fmt::format("socket '{}' is used by two ports", port.socket));
    if (auto text = read_string(t, "mac", p + "mac", false)) {
      const auto mac = net::MacAddress::parse(*text);
      if (!mac) {
        error(t.get("mac"), p + "mac", fmt::format("'{}' is not a MAC address", *text),
              "e.g. \"02:00:00:00:01:01\"");
      } else if (mac->is_group() || mac->is_zero()) {
        error(t.get("mac"), p + "mac", fmt::format("{} is not a unicast address", *text));
      } else {
        port.mac = *mac;
      }
    }
  }

  void read_ports(const toml::table& root, DataplaneConfig& cfg) {
    const toml::node* n = root.get("port");
    if (!n) {
      error(nullptr, "port", "no [[port]] is configured",
            "add at least one [[port]] with name, iface and ipv4");
      return;
    }
    const toml::array* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables()) {
      error(n, "port", "must be an array of tables", "write each port as [[port]]");
      return;
    }
    std::set<std::string> names, ifaces, sockets;
    for (size_t i = 0; i < arr->size(); ++i) {
      const toml::table& t = *arr->get(i)->as_table();
      const std::string p = fmt::format("port[{}].", i);
      check_keys(t, p,
                 {"name", "iface", "pci", "socket", "mac", "driver", "ipv4", "gateway", "busy_poll_budget"});
      PortConfig port;
      port.name = read_string(t, "name", p + "name", true).value_or("");
      if (!port.name.empty() && !names.insert(port.name).second) {
        error(t.get("name"), p + "name", fmt::format("port name '{}' is used twice", port.name));
      }
      if (auto d = read_string(t, "driver", p + "driver", false)) {
        if (*d == "af_xdp")
          port.driver = PortDriver::kAfXdp;
        else if (*d == "af_packet")
          port.driver = PortDriver::kAfPacket;
        else if (*d == "pci")
          port.driver = PortDriver::kPci;
        else if (*d == "memif")
          port.driver = PortDriver::kMemif;
        else
          error(t.get("driver"), p + "driver", fmt::format("unknown driver '{}'", *d),
                "use af_xdp, af_packet, pci or memif");
      }
      if (port.driver != PortDriver::kMemif) {
        for (const char* key : {"socket", "mac"}) {
          if (t.get(key))
            error(t.get(key), p + key, "only memif ports take this key", "set driver = \"memif\"");
        }
      }
      if (port.driver == PortDriver::kMemif) {
        read_memif(t, p, port, sockets);
      } else if (port.driver == PortDriver::kPci) {
        port.pci = read_string(t, "pci", p + "pci", true).value_or("");
        if (t.get("iface"))
          error(t.get("iface"), p + "iface", "a pci port has no kernel interface", "remove iface");
      } else {
        port.iface = read_string(t, "iface", p + "iface", true).value_or("");
        if (port.iface.size() > 15)
          error(t.get("iface"), p + "iface", "interface names are at most 15 characters");
        if (!port.iface.empty() && !ifaces.insert(port.iface).second) {
          error(t.get("iface"), p + "iface", fmt::format("interface '{}' is used by two ports", port.iface));
        }
        if (t.get("pci"))
          error(t.get("pci"), p + "pci", "only pci ports take a PCI address", "set driver = \"pci\"");
      }
      read_uint(t, "busy_poll_budget", p, port.busy_poll_budget, 0, 1024);
      if (t.get("busy_poll_budget") && port.driver != PortDriver::kAfXdp) {
        error(t.get("busy_poll_budget"), p + "busy_poll_budget", "only af_xdp ports busy-poll");
      }
      if (auto text = read_string(t, "ipv4", p + "ipv4", true)) {
        if (auto prefix = net::Ipv4Prefix::parse(*text)) {
          port.ipv4 = *prefix;
        } else {
          error(t.get("ipv4"), p + "ipv4", fmt::format("'{}' is not an address with prefix length", *text),
                "e.g. \"198.18.0.1/24\"");
        }
      }
      if (auto text = read_string(t, "gateway", p + "gateway", false)) {
        if (auto gw = net::Ipv4Address::parse(*text)) {
          port.gateway = *gw;
          if (!port.ipv4.contains(*gw)) {
            error(t.get("gateway"), p + "gateway", fmt::format("gateway {} is not on-link", *text),
                  fmt::format("it must be inside {}", port.ipv4.to_string()));
          }
        } else {
          error(t.get("gateway"), p + "gateway", fmt::format("'{}' is not an IPv4 address", *text));
        }
      }
      cfg.ports.push_back(std::move(port));
    }
  }
};

ConfigLoad parse_and_read(std::string_view text, const std::string& name, FileChecks files) {
  ConfigReader reader(name, files);
  try {
    const toml::table root = toml::parse(text, name);
    return reader.read(root);
  } catch (const toml::parse_error& e) {
    ConfigLoad out;
    ConfigError err;
    err.file = name;
    err.line = e.source().begin.line;
    err.message = std::string(e.description());
    err.hint = "not valid TOML";
    out.errors.push_back(std::move(err));
    return out;
  }
}

}  // namespace

std::string_view port_driver_name(PortDriver d) {
  switch (d) {
    case PortDriver::kAfXdp:
      return "af_xdp";
    case PortDriver::kAfPacket:
      return "af_packet";
    case PortDriver::kPci:
      return "pci";
    case PortDriver::kMemif:
      return "memif";
  }
  return "?";
}

net::MacAddress memif_default_mac(size_t port_index) {
  return net::MacAddress{{0x02, 0x00, 0x00, 0x00, 0x01, static_cast<uint8_t>(port_index + 1)}};
}

std::string_view listener_protocol_name(ListenerProtocol p) {
  switch (p) {
    case ListenerProtocol::kTcp:
      return "tcp";
    case ListenerProtocol::kTls:
      return "tls";
    case ListenerProtocol::kHttp:
      return "http";
    case ListenerProtocol::kHttps:
      return "https";
  }
  return "?";
}

std::string ConfigError::to_string() const {
  std::string s = file;
  if (line) s += fmt::format(":{}", line);
  s += ": ";
  if (!key.empty()) s += key + ": ";
  s += message;
  if (!hint.empty()) s += " (" + hint + ")";
  return s;
}

ConfigLoad load_config_string(std::string_view text, const std::string& name, FileChecks files) {
  return parse_and_read(text, name, files);
}

ConfigLoad load_config_file(const std::string& path, FileChecks files) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    ConfigLoad out;
    out.errors.push_back(ConfigError{path, 0, "", "cannot open the file", std::strerror(errno)});
    return out;
  }
  std::string text;
  char buf[8192];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return parse_and_read(text, path, files);
}

}  // namespace tollgate::dataplane
