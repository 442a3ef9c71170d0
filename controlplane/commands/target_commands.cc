// target.drain|enable|weight: health-table changes for one target named by pool and "ip:port";
// target.drain_status: which cores have not yet reported the drained target's connections gone.
#include <fmt/format.h>

#include "controlplane/commands/command_table.h"
#include "controlplane/control_plane.h"

namespace tollgate::controlplane {
namespace {

Result<TargetId> target_from(const ControlPlane& cp, const nlohmann::json& args) {
  Result<std::string> pool = string_arg(args, "pool");
  if (!pool) return Error{pool.error()};
  Result<std::string> address = string_arg(args, "target");
  if (!address) return Error{address.error()};
  return cp.find_target(pool.value(), address.value());
}

}  // namespace

void register_target_commands(CommandTable& table, ControlPlane& cp) {
  table.add("target.drain", "no new requests to the target; cores report when its connections are gone",
            [&cp](const nlohmann::json& args) {
              Result<TargetId> t = target_from(cp, args);
              if (!t) return CtlResponse::failure(t.error());
              Result<std::vector<uint32_t>> cores = cp.drain(t.value());
              if (!cores) return CtlResponse::failure(cores.error());
              return CtlResponse::success({{"state", "draining"}, {"waiting_cores", cores.value()}});
            });
  table.add("target.drain_status", "cores that have not reported the drained target's connections gone",
            [&cp](const nlohmann::json& args) {
              Result<TargetId> t = target_from(cp, args);
              if (!t) return CtlResponse::failure(t.error());
              if (!cp.drain_started(t.value()))
                return CtlResponse::failure("the target is not being drained");
              const std::vector<uint32_t> waiting = cp.drain_waiting(t.value());
              return CtlResponse::success({{"drained", waiting.empty()}, {"waiting_cores", waiting}});
            });
  table.add("target.enable", "back into rotation (healthy)", [&cp](const nlohmann::json& args) {
    Result<TargetId> t = target_from(cp, args);
    if (!t) return CtlResponse::failure(t.error());
    if (Status s = cp.enable(t.value()); !s) return CtlResponse::failure(s.error());
    return CtlResponse::success({{"state", "healthy"}});
  });
  table.add("target.weight", "set the target's balancing weight", [&cp](const nlohmann::json& args) {
    Result<TargetId> t = target_from(cp, args);
    if (!t) return CtlResponse::failure(t.error());
    Result<uint64_t> w = uint_arg(args, "weight");
    if (!w) return CtlResponse::failure(w.error());
    if (w.value() > shm::kMaxWeight) {
      return CtlResponse::failure(
          fmt::format("weight {} is above the largest, {}", w.value(), shm::kMaxWeight));
    }
    if (Status s = cp.set_weight(t.value(), static_cast<uint32_t>(w.value())); !s)
      return CtlResponse::failure(s.error());
    return CtlResponse::success({{"weight", w.value()}});
  });
}

}  // namespace tollgate::controlplane
