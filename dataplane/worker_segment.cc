// The worker's timer-tick work on the shared segment: control (heartbeat, health, commands, config) and
// the copy of every counter into this core's stats block.
#include "dataplane/stats_export.h"
#include "dataplane/worker.h"

namespace tollgate::dataplane {

void Worker::attach_segment(shm::WorkerPort port) {
  // Health probes travel this core's stack; HTTPS ones need the client-role TLS layer and a context that
  // does not verify (target-group checks do not).
  tls::ClientSettings insecure;
  insecure.verify = false;
  std::string why;
  probe_tls_ = tls::ClientContext::create(insecure, why);
  probe_runner_ = std::make_unique<StackProbeRunner>(
      *tcp_, upstream_tls_.get(), probe_tls_.get(),
      [this](net::Ipv4Address target) {
        return backend_source(port_prefixes_, {proxy::Target{target, 0}});
      },
      now_us_);
  Generation* current = generations_->started() ? &generations_->current() : nullptr;
  segment_ = std::make_unique<SegmentLink>(std::move(port), current, *probe_runner_, generations_.get());
}

void Worker::segment_tick() {
  segment_->tick.run(now_us_ * 1000);
  segment_->port.set_oldest_generation(generations_->oldest());
  publish_stats();
}

void Worker::publish_stats() {
#ifdef TOLLGATE_NO_STATS  // -Dstats=false: no export, to measure what it costs (bench/stats_cost.sh)
  return;
#endif
  const shm::CoreView& v = segment_->port.view();
  export_core(stats_, *v.core);
  generations_->export_stats(v);
}

}  // namespace tollgate::dataplane
