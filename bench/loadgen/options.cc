#include "bench/loadgen/options.h"

#include <fmt/format.h>

namespace tollgate::loadgen {

std::vector<std::string> validate(const Options& o) {
  std::vector<std::string> e;
  if (!o.client.enabled && !o.backend.enabled && !o.flood.enabled)
    e.push_back("nothing to do: give --client, --backend and/or --flood");
  if (o.ports.empty()) e.push_back("no --port given");
  if (o.max_duration_s <= 0) e.push_back("--max-duration must be positive");
  const auto port_ok = [&](size_t index, const char* who) {
    if (index >= o.ports.size())
      e.push_back(fmt::format("{} uses port {} but only {} --port given", who, index, o.ports.size()));
  };
  if (o.client.enabled || o.flood.enabled) port_ok(o.client_port, "--client/--flood");
  if (o.backend.enabled) port_ok(o.backend_port, "--backend");
  if (o.client.enabled && o.backend.enabled && o.client_port == o.backend_port && o.ports.size() > 1)
    e.push_back("--client-port and --backend-port are the same port");
  if (o.client.enabled) {
    const ClientOptions& c = o.client;
    if (c.port == 0) e.push_back("--client needs a target port (--target ADDRESS:PORT)");
    if (c.connections == 0) e.push_back("--connections must be at least 1");
    if (c.connections > o.max_connections / 2)
      e.push_back(fmt::format("--connections {} is above half the connection table ({})", c.connections,
                              o.max_connections));
    if (c.duration_s <= 0 && c.requests == 0)
      e.push_back("the client needs a bound: --duration SECONDS and/or --requests N");
    if (c.duration_s < 0 || c.warmup_s < 0) e.push_back("--duration and --warmup cannot be negative");
    if (c.duration_s + c.warmup_s > o.max_duration_s)
      e.push_back(fmt::format("--warmup + --duration ({} s) exceed --max-duration ({} s)",
                              c.warmup_s + c.duration_s, o.max_duration_s));
    if (c.rate < 0) e.push_back("--rate cannot be negative");
    if (c.timeout_ms == 0) e.push_back("--timeout must be positive");
    if (c.path.empty() || c.path.front() != '/') e.push_back("--path must start with '/'");
    if (c.host.empty() || c.host.find_first_of(" \r\n") != std::string::npos)
      e.push_back("--host must be a non-empty name without spaces");
  }
  if (o.backend.enabled && o.backend.port == 0) e.push_back("--backend-listen port must not be 0");
  if (o.flood.enabled) {
    if (o.flood.count == 0) e.push_back("--flood needs --flood-count N (a flood is always bounded)");
    if (o.flood.rate <= 0) e.push_back("--flood-rate must be positive (a flood is always rate-bounded)");
    if (o.flood.rate > 10'000'000) e.push_back("--flood-rate above 10,000,000 frames/s is not a bound");
    if (o.flood.kind != FloodKind::kGarbage && o.flood.port == 0)
      e.push_back("--flood syn/ack needs --flood-target ADDRESS:PORT");
  }
  if (o.hold_s < 0 || o.hold_s > 600) e.push_back("--hold must be between 0 and 600 seconds");
  if (o.queues == 0) e.push_back("--queues must be at least 1");
  return e;
}

bool parse_endpoint(const std::string& text, net::Ipv4Address& address, uint16_t& port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  const auto a = net::Ipv4Address::parse(text.substr(0, colon));
  const std::string digits = text.substr(colon + 1);
  if (!a || digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  const unsigned long p = std::stoul(digits);
  if (p == 0 || p > 65535) return false;
  address = *a;
  port = static_cast<uint16_t>(p);
  return true;
}

std::optional<PortOptions> parse_port(const std::string& text, std::string& why) {
  // SOCKET_OR_pci:ADDR,IPV4/LEN[,mac=..][,gw=..]
  PortOptions p;
  size_t at = 0;
  std::vector<std::string> parts;
  while (at <= text.size()) {
    const size_t comma = text.find(',', at);
    parts.push_back(text.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  if (parts.size() < 2) {
    why = fmt::format("'{}': expected SOCKET,ADDRESS/LEN (e.g. /run/tg-front.sock,198.18.0.10/24)", text);
    return std::nullopt;
  }
  if (parts[0].rfind("pci:", 0) == 0) {
    p.pci = parts[0].substr(4);
  } else if (!parts[0].empty() && parts[0].front() == '/') {
    p.socket = parts[0];
  } else {
    why = fmt::format("'{}': the first field is an absolute memif socket path or pci:ADDRESS", text);
    return std::nullopt;
  }
  const auto prefix = net::Ipv4Prefix::parse(parts[1]);
  if (!prefix) {
    why = fmt::format("'{}': '{}' is not an IPv4 address with prefix length", text, parts[1]);
    return std::nullopt;
  }
  p.ipv4 = *prefix;
  for (size_t i = 2; i < parts.size(); ++i) {
    const std::string& kv = parts[i];
    if (kv.rfind("mac=", 0) == 0) {
      p.mac = net::MacAddress::parse(kv.substr(4));
      if (!p.mac || p.mac->is_group() || p.mac->is_zero()) {
        why = fmt::format("'{}': '{}' is not a unicast MAC address", text, kv.substr(4));
        return std::nullopt;
      }
    } else if (kv.rfind("gw=", 0) == 0) {
      p.gateway = net::Ipv4Address::parse(kv.substr(3));
      if (!p.gateway || !p.ipv4.contains(*p.gateway)) {
        why = fmt::format("'{}': gateway '{}' is not an address inside {}", text, kv.substr(3), parts[1]);
        return std::nullopt;
      }
    } else if (kv.rfind("peer=", 0) == 0) {
      p.peer = net::Ipv4Address::parse(kv.substr(5));
      if (!p.peer) {
        why = fmt::format("'{}': peer '{}' is not an IPv4 address", text, kv.substr(5));
        return std::nullopt;
      }
    } else {
      why = fmt::format("'{}': unknown field '{}' (mac=, gw=, peer=)", text, kv);
      return std::nullopt;
    }
  }
  return p;
}

}  // namespace tollgate::loadgen
