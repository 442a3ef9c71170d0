// The dataplane's view of the TOML config: ports and their addresses, cores, pool and ring sizes.
// Until the control plane lands, the dataplane reads this file itself (deploy/lab.toml in the lab).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/balancing/target_pool.h"
#include "engine/health/types.h"
#include "engine/http/forward_writer.h"
#include "engine/net/address_allow_list.h"
#include "engine/net/addresses.h"
#include "engine/net/client_limits.h"
#include "engine/net/neighbour_table.h"
#include "engine/routing/types.h"
#include "engine/tls/handshake_types.h"

namespace tollgate::dataplane {

enum class PortDriver : uint8_t {
  kAfXdp,     // net_af_xdp on a kernel interface: the fast path for veths and NICs without a DPDK PMD
  kAfPacket,  // net_af_packet: slower, works everywhere; the fallback
  kPci,       // a NIC bound to vfio-pci, named by PCI address (an operator's explicit allow-list)
  kMemif,     // net_memif over a unix socket, we the server: no kernel on the path (bench/loadgen connects)
};

std::string_view port_driver_name(PortDriver d);

// The MAC a memif port has when its config names none: locally administered, fixed, one per port index,
// so a peer's config (the load generator's --peer-mac) can rely on it.
net::MacAddress memif_default_mac(size_t port_index);

struct PortConfig {
  std::string name;                    // operator's name for the port ("front", "back")
  std::string iface;                   // kernel interface for af_xdp/af_packet
  std::string pci;                     // PCI address for kPci
  std::string socket;                  // memif: the unix socket path we listen on (role=server)
  std::optional<net::MacAddress> mac;  // memif: our MAC; absent: memif_default_mac(port index)
  PortDriver driver = PortDriver::kAfXdp;
  net::Ipv4Prefix ipv4;
  std::optional<net::Ipv4Address> gateway;
  // af_xdp: the kernel's preferred busy polling budget (SO_BUSY_POLL_BUDGET; DPDK's default 64), 0 = off.
  // On, the PMD makes a recvfrom() per receive poll that runs the device's NAPI in our context. Measured
  // on the lab's veths (HTTPS keep-alive, 2026-12-01): off cost ~30% more worker time per request, since
  // the packets then wait for softirq processing instead.
  uint32_t busy_poll_budget = 64;
  bool operator==(const PortConfig&) const = default;
};

// A target group: where a listener's connections (tcp, tls) or requests (http, https) go.
struct PoolConfig {
  std::string name;
  struct Target {
    net::Ipv4Address address;
    uint16_t port = 0;
    uint32_t weight = 1;
    bool operator==(const Target&) const = default;
  };
  std::vector<Target> targets;
  // For HTTP listeners (see docs/CONFIG.md): how targets are chosen and how connections to them live.
  balancing::Algorithm algorithm = balancing::Algorithm::kRoundRobin;
  uint32_t connect_timeout_ms = 5000;
  uint32_t response_timeout_ms = 60000;  // request sent → response head (504 after)
  uint32_t idle_timeout_ms = 60000;      // keep-alive connections to targets
  uint32_t max_idle_per_target = 64;     // per core
  // HTTPS to the targets ("end-to-end encryption"), for HTTP listeners' pools: `tls = { ... }`.
  struct Tls {
    bool enabled = false;
    std::string ca;           // PEM bundle the targets' certificates must chain to (path resolved)
    std::string server_name;  // the name (or IP address) each target's certificate must carry; sent as SNI
    bool verify = true;       // false: any certificate (labs only)
    tls::SecurityPolicy policy = tls::SecurityPolicy::kDefault;
    bool operator==(const Tls&) const = default;
  };
  Tls tls;
  // `health_check = { ... }`: probed on the control plane's schedule. Absent: not probed, and the targets
  // keep whatever the health table says (the config's view until an operator changes it).
  std::optional<health::HealthCheckSettings> health_check;
  bool operator==(const PoolConfig&) const = default;
};

enum class ListenerProtocol : uint8_t { kTcp, kTls, kHttp, kHttps };

std::string_view listener_protocol_name(ListenerProtocol p);  // "tcp", "tls", "http", "https"

// A certificate chain (leaf first) and its private key, as PEM files. Paths relative to the config file's
// directory are resolved when the config is read.
struct CertificateConfig {
  std::string chain;
  std::string key;
  bool operator==(const CertificateConfig&) const = default;
};

inline constexpr uint32_t kL4IdleTimeoutMs = 350000;  // an AWS NLB's TCP idle timeout

struct ListenerConfig {
  std::string name;
  ListenerProtocol protocol = ListenerProtocol::kTcp;
  net::Ipv4Address address;
  uint16_t port = 0;
  std::string pool;              // name of a [[pool]]
  uint32_t max_connections = 0;  // per core; 0 = limited only by the connection table
  // Client sources a connection may come from (any protocol); none: everyone. Checked at SYN time.
  std::optional<net::AddressAllowList> allowed_clients;
  // protocol "http"/"https": per client address limits (client_limits); none set: no limits.
  net::ClientLimits client_limits;
  // protocol "tls": certificates chosen by SNI (the first is the default) and the security policy.
  std::vector<CertificateConfig> certificates;
  std::string security_policy = "default";  // "default" (TLS 1.2 + 1.3, ECDHE AEAD) or "tls13-only"
  uint32_t handshake_timeout_ms = 10000;    // a client that has not finished its handshake is reset
  uint32_t max_handshakes = 0;              // per core: clients past this many handshakes reset; 0: no cap
  // protocol "http"/"https": rules in priority order of declaration-independent priority numbers, and the
  // action for requests no rule takes. ForwardTarget::pool indexes DataplaneConfig::pools.
  std::vector<routing::Rule> rules;
  std::optional<routing::Action> default_action;
  std::string hsts;                    // Strict-Transport-Security value for https listeners; empty: not sent
  uint32_t header_timeout_ms = 10000;  // slow request heads → 408
  // http/https: keep-alive client connections without a request. tcp/tls: sessions with no byte moving
  // either way, reset on both sides (kL4IdleTimeoutMs unless set).
  uint32_t idle_timeout_ms = 60000;
  uint32_t max_head_bytes = 16384;       // request head limit (→ 431)
  uint64_t max_body_bytes = 1ull << 30;  // request body limit (→ 413)
  // Rules match (and targets get) the path's normal form; a client's X-Forwarded-For is appended to,
  // preserved or removed.
  bool normalize_path = true;
  http::XffMode xff = http::XffMode::kAppend;
  bool operator==(const ListenerConfig&) const = default;
};

// TCP stack settings shared by every core (see engine/tcp/types.h for their meaning).
struct TcpSettings {
  uint32_t max_connections = 65536;  // per core
  uint32_t receive_window = 256 * 1024;
  uint32_t send_buffer = 256 * 1024;
  bool sack = true;
  bool timestamps = true;
  bool cubic = true;
  uint32_t syn_backlog = 1024;
  uint32_t time_wait_ms = 30000;
  uint32_t connect_timeout_ms = 10000;
  uint32_t zero_window_timeout_ms = 60000;  // 0: a zero window may last for ever
  bool operator==(const TcpSettings&) const = default;
};

// The control plane's management endpoint (Prometheus text on GET /metrics). The dataplane ignores it.
struct ManagementConfig {
  std::string address = "127.0.0.1:9100";  // as written; "" disables the endpoint
  bool enabled = true;
  net::Ipv4Address ip{0x7f000001};  // parsed from address
  uint16_t port = 9100;
  bool operator==(const ManagementConfig&) const = default;
};

struct DataplaneConfig {
  uint16_t cores = 0;      // worker cores; 0 = all usable CPUs but one (at least one)
  uint32_t mbufs = 32767;  // per socket; raised automatically to what ports and rings need
  uint16_t burst = 32;     // packets per rx/tx burst
  uint16_t rx_descriptors = 1024;
  uint16_t tx_descriptors = 1024;
  uint32_t steering_ring_size = 1024;  // per pair of cores, power of two
  uint32_t stats_interval_ms = 1000;
  uint32_t ticket_key_rotation_s = 3600;
  uint32_t tls_record_buffers = 4096;  // 17 KiB each, for 16 KiB TLS records; 0: records stay packet-sized //
                                       // TLS session-ticket keys: a new one this often (3 accepted)
  uint32_t memory_mb = 512;            // EAL memory when hugepages are not available (--no-huge)
  // The share of each buffer pool kept for RX refill and light connections (tcp::BufferPressure): below
  // it heavy connections stop queueing received data, below half of it new connections are refused.
  // 0: no reserve.
  uint32_t mbuf_reserve_percent = 20;
  // One JSON line per HTTP request is appended here by a writer thread (dataplane/access_log_writer.h);
  // empty: no access log. A relative path is resolved against the config file's directory when read.
  std::string access_log;
  uint32_t access_log_ring_size = 4096;  // records each core can hold for the writer, power of two
  // After a reload the connections of the replaced config generation finish on it (HTTP ones get
  // `Connection: close` on their next response); those still open this long after the new generation
  // was adopted are closed. Taken from the newer config.
  uint32_t config_drain_timeout_ms = 300000;
  net::NeighbourConfig neighbour;
  std::vector<PortConfig> ports;
  TcpSettings tcp;
  std::vector<PoolConfig> pools;
  std::vector<ListenerConfig> listeners;
  ManagementConfig management;
};

struct ConfigError {
  std::string file;
  uint32_t line = 0;  // 0 when the error is not tied to a line
  std::string key;    // dotted path, e.g. "port[1].ipv4"
  std::string message;
  std::string hint;
  std::string to_string() const;  // "file:line: key: message (hint)"
};

struct ConfigLoad {
  std::optional<DataplaneConfig> config;
  std::vector<ConfigError> errors;    // every error found, not just the first
  std::vector<ConfigError> warnings;  // usable but worth telling the operator (a certificate expiring soon)
};

// Whether files the config names (certificates, keys) must be readable now. Checking a config for another
// place (a unit test of a shipped example) skips it; the dataplane and --check-config never do.
enum class FileChecks : uint8_t { kCheck, kSkip };

ConfigLoad load_config_file(const std::string& path, FileChecks files = FileChecks::kCheck);
ConfigLoad load_config_string(std::string_view text, const std::string& name,
                              FileChecks files = FileChecks::kCheck);

}  // namespace tollgate::dataplane
