// A worker's link to the shared segment: its WorkerPort, the health applier over its pools, the probe
// runner and the per-tick control work. Made by the worker when main hands it its port (before run());
// used only by that worker afterwards. No DPDK.
#pragma once

#include <vector>

#include "dataplane/control_tick.h"
#include "dataplane/generation_set.h"
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
  // `generations` (null in tests): draining generations still busy with a target delay its drain report.
  SegmentLink(shm::WorkerPort p, SegmentPlan segment_plan, proxy::UpstreamPools* pools, ProbeRunner& probes,
              const GenerationSet* generations = nullptr)
      : port(std::move(p)),
        plan(std::move(segment_plan)),
        upstreams(pools),
        older(generations),
        health(port, health_bindings(pools, plan), *this),
        tick(port, health, probes) {}
  SegmentLink(const SegmentLink&) = delete;
  SegmentLink& operator=(const SegmentLink&) = delete;

  // A new config generation's pools (null: it has no HTTP listener) and numbering; `moved` maps the old
  // numbering's targets to the new one.
  void rebind(proxy::UpstreamPools* pools, SegmentPlan next, const std::vector<int32_t>& moved) {
    upstreams = pools;
    plan = std::move(next);
    health.rebind(health_bindings(pools, plan), moved);
  }

  uint32_t open_connections(uint32_t pool, int target) const override {
    uint32_t n = upstreams ? upstreams->open_connections(pool, target) : 0;
    if (older && pool < plan.target_base.size())
      n += older->older_busy(plan.target_base[pool] + static_cast<uint32_t>(target));
    return n;
  }
  void close_idle(uint32_t pool, int target) override {
    if (upstreams) upstreams->close_idle(pool, target);
  }

  shm::WorkerPort port;
  SegmentPlan plan;
  proxy::UpstreamPools* upstreams;
  const GenerationSet* older;
  HealthApplier health;
  ControlTick tick;
};

}  // namespace tollgate::dataplane
