#include "dataplane/stack_probe_runner.h"

#include <algorithm>

namespace tollgate::dataplane {

namespace {

// Probes at once per core: far above what a schedule of targets × 1 per interval needs.
constexpr uint32_t kMaxProbes = 1024;

proxy::ProbeKind kind_of(shm::ProbeProtocol p) {
  switch (p) {
    case shm::ProbeProtocol::kHttp:
      return proxy::ProbeKind::kHttp;
    case shm::ProbeProtocol::kHttps:
      return proxy::ProbeKind::kHttps;
    case shm::ProbeProtocol::kTcp:
      break;
  }
  return proxy::ProbeKind::kTcp;
}

shm::ProbeFailure wire_failure(proxy::ProbeFailure f) {
  switch (f) {
    case proxy::ProbeFailure::kNone:
      return shm::ProbeFailure::kNone;
    case proxy::ProbeFailure::kRefused:
      return shm::ProbeFailure::kRefused;
    case proxy::ProbeFailure::kTimeout:
      return shm::ProbeFailure::kTimeout;
    case proxy::ProbeFailure::kReset:
    case proxy::ProbeFailure::kBadResponse:
      return shm::ProbeFailure::kReset;
    case proxy::ProbeFailure::kTls:
      return shm::ProbeFailure::kTls;
    case proxy::ProbeFailure::kNoResources:
      break;
  }
  return shm::ProbeFailure::kUnsupported;  // not a verdict on the target
}

}  // namespace

StackProbeRunner::StackProbeRunner(tcp::TcpStack& stack, proxy::TlsTerminator* tls,
                                   const tls::ClientContext* insecure,
                                   std::function<net::Ipv4Address(net::Ipv4Address)> source_for,
                                   const uint64_t& now_us)
    : source_for_(std::move(source_for)), prober_(stack, tls, insecure, *this, kMaxProbes, now_us) {}

void StackProbeRunner::start(const shm::ProbeRequest& request, uint64_t id, shm::WorkerPort& events) {
  events_ = &events;
  proxy::ProbeSpec spec;
  spec.id = id;
  spec.pool = request.pool;
  spec.target = request.target;
  spec.kind = kind_of(request.protocol);
  spec.address = net::Ipv4Address{request.ipv4};
  spec.source = source_for_(spec.address);
  spec.port = request.port;
  spec.path =
      std::string_view(request.path.data(), std::min<size_t>(request.path_length, request.path.size()));
  if (spec.path.empty()) spec.path = "/";
  spec.timeout_ms = request.timeout_ms ? request.timeout_ms : 5000;
  prober_.start(spec);
}

shm::ProbeResult probe_result(const proxy::ProbeReport& report) {
  shm::ProbeResult r;
  r.pool = report.pool;
  r.target = report.target;
  r.latency_us = report.latency_us;
  r.status = report.status;
  r.success = report.passed ? 1 : 0;
  r.failure = static_cast<uint8_t>(wire_failure(report.failure));
  return r;
}

void StackProbeRunner::probe_done(const proxy::ProbeReport& report) {
  if (!events_) return;
  // A full ring drops the result (counted by the port); the control plane times the probe out.
  events_->send(
      shm::make_message(shm::MessageType::kProbeResult, events_->core(), report.id, probe_result(report)));
}

}  // namespace tollgate::dataplane
