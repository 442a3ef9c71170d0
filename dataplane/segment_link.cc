#include "dataplane/segment_link.h"

namespace tollgate::dataplane {

std::vector<HealthBinding> health_bindings(proxy::UpstreamPools* upstreams, const SegmentPlan& plan) {
  std::vector<HealthBinding> bindings;
  if (!upstreams) return bindings;
  for (uint32_t pool = 0; pool < upstreams->size(); ++pool) {
    HealthBinding b;
    b.targets = &upstreams->targets(pool);
    b.first_target = plan.target_base[pool];
    for (const balancing::TargetState& t : upstreams->settings(pool).targets)
      b.config_weights.push_back(t.weight);
    bindings.push_back(std::move(b));
  }
  return bindings;
}

}  // namespace tollgate::dataplane
