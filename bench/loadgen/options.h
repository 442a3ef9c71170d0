// What tollgate-loadgen is told to do, as parsed from its command line, and the checks that make a run
// bounded and meaningful before any DPDK state exists (unit-tested without an EAL).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/net/addresses.h"

namespace tollgate::loadgen {

// One memif port (we are the client) or, with -a, a NIC.
struct PortOptions {
  std::string socket;                  // memif socket path of the peer (Tollgate) server
  std::string pci;                     // instead of a memif: a PCI address (operator's allow-list)
  net::Ipv4Prefix ipv4;                // our address on it
  std::optional<net::MacAddress> mac;  // memif only; default 02:00:00:00:02:<port number>
  std::optional<net::Ipv4Address> gateway;
  // The dataplane's address on this link, resolved by ARP before any load starts: the ARP request (ours,
  // addressed to it) also teaches it our MAC, so its first burst of SYN-ACKs or connections towards us
  // does not overflow its queue of packets waiting for resolution.
  std::optional<net::Ipv4Address> peer;
};

struct ClientOptions {
  bool enabled = false;
  net::Ipv4Address target;  // the VIP
  uint16_t port = 0;
  bool tls = false;
  std::string host = "loadgen.test";  // Host header and SNI
  std::string path = "/";
  std::string ca;                        // PEM bundle to verify the server with; empty: not verified
  uint32_t connections = 64;             // concurrent
  uint32_t requests_per_connection = 0;  // 0: keep-alive without limit; 1: a new connection per request
  double rate = 0;                       // requests/s over all connections; 0: as fast as possible
  double duration_s = 0;                 // 0: until `requests` (then bounded by max_duration_s)
  uint64_t requests = 0;                 // 0: until `duration_s`
  double warmup_s = 0;                   // traffic before the measured window (not counted)
  uint32_t timeout_ms = 5000;  // a request (or connect + handshake) without an answer: counted, closed
};

struct BackendOptions {
  bool enabled = false;
  uint16_t port = 8081;
  uint32_t body_bytes = 64;
};

enum class FloodKind : uint8_t { kSyn, kAck, kGarbage };

struct FloodOptions {
  bool enabled = false;
  FloodKind kind = FloodKind::kSyn;
  net::Ipv4Address target;
  uint16_t port = 0;
  double rate = 10000;  // frames/s; always bounded
  uint64_t count = 0;   // frames; required
};

struct Options {
  std::vector<PortOptions> ports;
  size_t client_port = 0;   // index into ports
  size_t backend_port = 1;  // index into ports
  ClientOptions client;
  BackendOptions backend;
  FloodOptions flood;
  double max_duration_s = 600;  // hard bound on the whole run, whatever else is set
  int cpu = -1;                 // the lcore's CPU; -1: the first this process may use
  std::string file_prefix;      // unique per process; default loadgen-<pid>
  uint32_t memory_mb = 512;
  uint16_t queues = 1;  // queue pairs per memif (match the dataplane's workers); we use queue 0
  uint32_t max_connections = 65536;
  uint32_t time_wait_ms = 1000;  // our TIME-WAIT: short, so tuples come back quickly (benchmark, not RFC)
  std::string json_path;
  bool quiet = false;
  // After the report is written, keep polling (ARP, TCP, the backend) until the dataplane takes the links
  // down or this many seconds pass. DPDK 22.11's memif server can crash if its client disconnects while a
  // worker polls the port (the regions are unmapped under it): scripts stop the dataplane first.
  double hold_s = 0;
};

// Every reason the options cannot make a bounded run, in words naming the flag. Empty when valid.
std::vector<std::string> validate(const Options& o);

// "front:/run/x.sock,198.18.0.10/24" style parsing of --port values: socket or pci:ADDR, then the address.
std::optional<PortOptions> parse_port(const std::string& text, std::string& why);

// "198.18.0.1:443".
bool parse_endpoint(const std::string& text, net::Ipv4Address& address, uint16_t& port);

}  // namespace tollgate::loadgen
