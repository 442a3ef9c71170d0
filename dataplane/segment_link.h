// A worker's link to the shared segment: its WorkerPort, the health applier over its pools, the probe
// runner and the per-tick control work. Made by the worker when main hands it its port (before run());
// used only by that worker afterwards. No DPDK.
#pragma once

#include <vector>

#include "dataplane/control_tick.h"
#include "dataplane/health_applier.h"
#include "dataplane/probe_runner.h"
#include "dataplane/segment_plan.h"
#include "engine/proxy/upstream_pools.h"
#include "engine/shm/worker_port.h"

namespace tollgate::dataplane {

// The core's HTTP pools as the health applier sees them (every config pool, in config order); none when
// the core has no HTTP listener (tcp and tls listeners balance on their own, without health: see the docs).
std::vector<HealthBinding> health_bindings(proxy::UpstreamPools* upstreams, const SegmentPlan& plan);

struct SegmentLink final : DrainSite {
  SegmentLink(shm::WorkerPort p, SegmentPlan segment_plan, proxy::UpstreamPools* pools, ProbeRunner& probes)
      : port(std::move(p)),
        plan(std::move(segment_plan)),
        upstreams(pools),
        health(port, health_bindings(pools, plan), *this),
        tick(port, health, probes) {}
  SegmentLink(const SegmentLink&) = delete;
  SegmentLink& operator=(const SegmentLink&) = delete;

  uint32_t open_connections(uint32_t pool, int target) const override {
    return upstreams ? upstreams->open_connections(pool, target) : 0;
  }
  void close_idle(uint32_t pool, int target) override {
    if (upstreams) upstreams->close_idle(pool, target);
  }

  shm::WorkerPort port;
  SegmentPlan plan;
  proxy::UpstreamPools* upstreams;
  HealthApplier health;
  ControlTick tick;
};

}  // namespace tollgate::dataplane
