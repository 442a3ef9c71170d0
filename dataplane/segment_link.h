// A worker's link to the shared segment: its WorkerPort, the health applier over its pools, the probe
// runner and the per-tick control work. Made by the worker when main hands it its port (before run());
// used only by that worker afterwards. No DPDK.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/control_tick.h"
#include "dataplane/generation.h"
#include "dataplane/generation_set.h"
#include "dataplane/health_applier.h"
#include "dataplane/probe_runner.h"
#include "engine/shm/worker_port.h"

namespace tollgate::dataplane {

// Every pool of the generation's config, in config order, with the core's TargetPool of it
// (Generation::pools), placed by the generation's EntityIndex. Pointers into the generation's parts: valid
// while it is the core's current generation (SegmentLink::rebind follows it).
std::vector<HealthBinding> health_bindings(Generation* g);

struct SegmentLink final : DrainSite {
  // `current`: the core's current generation (null before one runs). `generations` (null in tests):
  // draining generations still busy with a target delay its drain report.
  SegmentLink(shm::WorkerPort p, Generation* current, ProbeRunner& probes,
              const GenerationSet* generations = nullptr)
      : port(std::move(p)),
        generation(current),
        older(generations),
        health(port, health_bindings(current), *this),
        tick(port, health, probes) {}
  SegmentLink(const SegmentLink&) = delete;
  SegmentLink& operator=(const SegmentLink&) = delete;

  // A new current generation (adopted this tick); `moved` maps the old numbering's targets to the new one.
  // The previous generation's parts are not pointed at any more: it may retire and be freed.
  void rebind(Generation* current, const std::vector<int32_t>& moved) {
    generation = current;
    health.rebind(health_bindings(current), moved);
  }

  // HTTP connections to the target in the current generation, and what the draining ones still have open
  // or outstanding to it (the current generation's requests and L4 sessions are its TargetPool's
  // outstanding counts, which the applier reads itself).
  uint32_t open_connections(uint32_t pool, int target) const override;
  void close_idle(uint32_t pool, int target) override {
    if (generation && generation->http) generation->http->upstreams->close_idle(pool, target);
  }

  shm::WorkerPort port;
  Generation* generation;
  const GenerationSet* older;
  HealthApplier health;
  ControlTick tick;
};

}  // namespace tollgate::dataplane
