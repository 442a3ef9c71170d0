// The probe runner that sends health probes over the worker's own TCP stack (engine/proxy/health_prober),
// as traffic travels: the control plane's kProbeRequest becomes a probe; its report a kProbeResult event
// on the core's ring, carrying the request's id. HTTP probes report the status they got and leave the
// success codes to the control plane, which judges every result.
#pragma once

#include <functional>
#include <memory>

#include "dataplane/probe_runner.h"
#include "engine/proxy/health_prober.h"

namespace tollgate::dataplane {

class StackProbeRunner final : public ProbeRunner, public proxy::ProbeSink {
 public:
  // `source_for(target)`: our address on the port that reaches the target.
  StackProbeRunner(tcp::TcpStack& stack, proxy::TlsTerminator* tls, const tls::ClientContext* insecure,
                   std::function<net::Ipv4Address(net::Ipv4Address)> source_for, const uint64_t& now_us);

  void start(const shm::ProbeRequest& request, uint64_t id, shm::WorkerPort& events) override;
  void probe_done(const proxy::ProbeReport& report) override;
  void expire(uint64_t now_us) { prober_.expire(now_us); }
  const proxy::HealthProber& prober() const { return prober_; }

 private:
  std::function<net::Ipv4Address(net::Ipv4Address)> source_for_;
  shm::WorkerPort* events_ = nullptr;  // the core's port, from the first request on
  proxy::HealthProber prober_;
};

// The shm wire form of a probe's report.
shm::ProbeResult probe_result(const proxy::ProbeReport& report);

}  // namespace tollgate::dataplane
