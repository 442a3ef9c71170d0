// Health probes sent by one core's own stack, as traffic travels (the control plane schedules them and
// judges the results; see engine/health). A probe is one connection: TCP — established is a pass; HTTP —
// "GET path" with Connection: close, and the status line of the answer; HTTPS — the same inside TLS, the
// target's certificate not verified (as target-group health checks do not). Each probe ends with exactly
// one result: the status line, a refusal or reset, a TLS failure, or the timeout. The connection is then
// reset: a probe has nothing more to say and must not hold a connection slot.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/common/counter.h"
#include "engine/common/object_pool.h"
#include "engine/net/addresses.h"
#include "engine/proxy/plain_stream.h"
#include "engine/proxy/tcp_stream.h"
#include "engine/proxy/tls_terminator.h"
#include "engine/tcp/stack.h"
#include "engine/tls/client_context.h"

namespace tollgate::proxy {

enum class ProbeKind : uint8_t { kTcp, kHttp, kHttps };

enum class ProbeFailure : uint8_t {
  kNone,
  kRefused,      // the connection was refused or never established
  kTimeout,      // no verdict within the probe's timeout
  kReset,        // the connection ended before a status line
  kTls,          // HTTPS: the connection or the handshake failed before the request could go out
  kBadResponse,  // not an HTTP/1.x status line
  kNoResources,  // no probe slot, connection or buffer here: not a verdict on the target
};

struct ProbeSpec {
  uint64_t id = 0;  // handed back in the result
  uint32_t pool = 0;
  uint32_t target = 0;
  ProbeKind kind = ProbeKind::kTcp;
  net::Ipv4Address source;  // our address towards the target
  net::Ipv4Address address;
  uint16_t port = 0;
  std::string_view path = "/";  // HTTP(S); copied
  uint32_t timeout_ms = 5000;
};

struct ProbeReport {
  uint64_t id = 0;
  uint32_t pool = 0;
  uint32_t target = 0;
  uint32_t latency_us = 0;
  uint16_t status = 0;  // HTTP(S): the answer's status; 0 otherwise
  bool passed = false;  // TCP: connected; HTTP(S): a status line arrived (the control plane judges it)
  ProbeFailure failure = ProbeFailure::kNone;
};

class ProbeSink {
 public:
  virtual ~ProbeSink() = default;
  virtual void probe_done(const ProbeReport& report) = 0;
};

struct ProberCounters {
  Counter started;
  Counter passed;
  Counter failed;
  Counter timed_out;
};

class HealthProber {
 public:
  // `tls` (client role) and `insecure` carry HTTPS probes; without them an HTTPS probe fails as kTls.
  HealthProber(tcp::TcpStack& stack, TlsTerminator* tls, const tls::ClientContext* insecure, ProbeSink& sink,
               uint32_t max_probes, const uint64_t& now_us);
  ~HealthProber();
  HealthProber(const HealthProber&) = delete;
  HealthProber& operator=(const HealthProber&) = delete;

  // Starts a probe; its result comes later through the sink (at once when it cannot start).
  void start(const ProbeSpec& spec);
  // Ends the probes past their timeout. Called by the core's timers.
  void expire(uint64_t now_us);

  size_t active() const { return active_; }
  const ProberCounters& counters() const { return counters_; }

 private:
  struct Probe final : StreamEvents {
    HealthProber* owner = nullptr;
    ProbeSpec spec;
    std::array<char, 1024> path{};
    TcpStream tcp;
    PlainStream* stream = nullptr;
    uint64_t started_us = 0;
    uint64_t deadline_us = 0;
    bool connected = false;
    bool in_use = false;
    bool held = false;  // taken from probes_ and not yet given back

    void stream_connected() override;
    void stream_data() override;
    void stream_writable() override {}
    void stream_closed() override;
  };

  void connected(Probe& p);
  void data(Probe& p);
  void finish(Probe& p, bool passed, uint16_t status, ProbeFailure failure);
  void release(Probe& p);

  tcp::TcpStack& stack_;
  TlsTerminator* tls_;
  const tls::ClientContext* insecure_;
  ProbeSink& sink_;
  ObjectPool<Probe> probes_;  // made on first need, reused
  size_t active_ = 0;
  const uint64_t& now_us_;
  ProberCounters counters_;
};

}  // namespace tollgate::proxy
