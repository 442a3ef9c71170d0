#include "engine/proxy/health_prober.h"

#include <algorithm>
#include <cstring>

#include "engine/health/http_probe.h"
#include "engine/proxy/send_copy.h"

namespace tollgate::proxy {

HealthProber::HealthProber(tcp::TcpStack& stack, TlsTerminator* tls, const tls::ClientContext* insecure,
                           ProbeSink& sink, uint32_t max_probes, const uint64_t& now_us)
    : stack_(stack), tls_(tls), insecure_(insecure), sink_(sink), probes_(max_probes), now_us_(now_us) {}

HealthProber::~HealthProber() {
  // Connections still open belong to the stack, which outlives nothing here: detach them quietly.
  probes_.for_each_made([](Probe& p) {
    if (p.in_use && p.stream) {
      p.in_use = false;  // no result for a prober going away
      p.stream->abort();
    }
  });
}

void HealthProber::start(const ProbeSpec& spec) {
  ProbeReport refused;
  refused.id = spec.id;
  refused.pool = spec.pool;
  refused.target = spec.target;
  refused.failure = ProbeFailure::kNoResources;
  Probe* taken = probes_.acquire([this](Probe& made) { made.owner = this; });
  if (!taken) return sink_.probe_done(refused);
  Probe& p = *taken;
  p.spec = spec;
  const size_t n = std::min(spec.path.size(), p.path.size());
  std::memcpy(p.path.data(), spec.path.data(), n);
  p.spec.path = std::string_view(p.path.data(), n);
  p.connected = false;
  p.stream = nullptr;
  p.started_us = now_us_;
  p.deadline_us = now_us_ + uint64_t{spec.timeout_ms} * 1000;
  if (spec.kind == ProbeKind::kHttps) {
    if (!tls_ || !insecure_) {
      probes_.release(p);
      refused.failure = ProbeFailure::kTls;
      return sink_.probe_done(refused);
    }
    p.stream = tls_->connect(spec.source, spec.address, spec.port, *insecure_, p);
  } else if (tcp::Connection* c = stack_.connect(spec.source, spec.address, spec.port, &p.tcp, now_us_)) {
    p.tcp.attach(stack_, *c, now_us_);
    p.tcp.events = &p;
    p.stream = &p.tcp;
  }
  if (!p.stream) {
    probes_.release(p);
    return sink_.probe_done(refused);
  }
  p.in_use = true;
  p.held = true;
  ++active_;
  counters_.started.add();
}

void HealthProber::Probe::stream_connected() {
  owner->connected(*this);
}

void HealthProber::Probe::stream_data() {
  owner->data(*this);
}

void HealthProber::Probe::stream_closed() {
  stream = nullptr;
  if (!in_use) return owner->release(*this);
  // Gone before a verdict: never connected (refused, or for HTTPS a failed handshake), or reset after.
  const ProbeFailure why = connected                        ? ProbeFailure::kReset
                           : spec.kind == ProbeKind::kHttps ? ProbeFailure::kTls
                                                            : ProbeFailure::kRefused;
  owner->finish(*this, false, 0, why);
}

void HealthProber::connected(Probe& p) {
  if (!p.in_use) return;
  p.connected = true;
  if (p.spec.kind == ProbeKind::kTcp) return finish(p, true, 0, ProbeFailure::kNone);
  char request[health::kMaxProbeRequestSize];
  const size_t n = health::write_probe_request(p.spec.path, p.spec.address, p.spec.port, request);
  const bool sent = n > 0 && copy_in_pieces(stack_.buffers(), {reinterpret_cast<const uint8_t*>(request), n},
                                            [&](tcp::PacketRef packet, uint32_t length) {
                                              return p.stream->write(packet, 0, length);
                                            }) == CopyResult::kOk;
  if (!sent) finish(p, false, 0, ProbeFailure::kNoResources);
}

void HealthProber::data(Probe& p) {
  if (!p.in_use || !p.stream) return;
  const tcp::ChunkQueue& in = p.stream->input();
  // The status line is in the first bytes: at most a small prefix is looked at.
  uint8_t head[64];
  const size_t n = std::min<size_t>(in.bytes(), sizeof head);
  in.copy_out(stack_.buffers(), 0, std::span<uint8_t>(head, n));
  const health::StatusLine line = health::read_status_line({head, n});
  if (line.state == health::StatusLineState::kComplete)
    return finish(p, true, line.status_code, ProbeFailure::kNone);
  if (line.state == health::StatusLineState::kMalformed || n == sizeof head) {
    return finish(p, false, 0, ProbeFailure::kBadResponse);
  }
  if (p.stream->input_ended()) finish(p, false, 0, ProbeFailure::kReset);
}

void HealthProber::finish(Probe& p, bool passed, uint16_t status, ProbeFailure failure) {
  if (!p.in_use) return;
  p.in_use = false;
  --active_;
  (passed ? counters_.passed : counters_.failed).add();
  ProbeReport r;
  r.id = p.spec.id;
  r.pool = p.spec.pool;
  r.target = p.spec.target;
  r.latency_us = static_cast<uint32_t>(std::min<uint64_t>(now_us_ - p.started_us, UINT32_MAX));
  r.status = status;
  r.passed = passed;
  r.failure = failure;
  sink_.probe_done(r);
  // The verdict is in: the connection goes (stream_closed then returns the slot).
  if (p.stream) {
    p.stream->abort();
  } else {
    release(p);
  }
}

void HealthProber::release(Probe& p) {
  if (p.in_use || p.stream || !p.held) return;  // still busy, or given back already
  p.held = false;
  probes_.release(p);
}

void HealthProber::expire(uint64_t now_us) {
  probes_.for_each_made([&](Probe& p) {
    if (!p.in_use || now_us < p.deadline_us) return;
    counters_.timed_out.add();
    finish(p, false, 0, ProbeFailure::kTimeout);
  });
}

}  // namespace tollgate::proxy
