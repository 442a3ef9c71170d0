// show.stats (everything), show.listeners|rules|pools|targets|cores (one section each, plus the header
// parts). Each answer is snapshot_to_json, cut to what was asked.
#include <fmt/format.h>

#include "controlplane/commands/command_table.h"
#include "controlplane/control_plane.h"
#include "controlplane/snapshot_json.h"

namespace tollgate::controlplane {

void register_show_commands(CommandTable& table, ControlPlane& cp) {
  table.add("show.stats", "every counter: cores, listeners, rules, pools, targets",
            [&cp](const nlohmann::json&) { return CtlResponse::success(snapshot_to_json(cp.snapshot())); });
  for (const char* section : {"listeners", "rules", "pools", "targets", "cores"}) {
    table.add(fmt::format("show.{}", section), fmt::format("the {} section of show.stats", section),
              [&cp, section](const nlohmann::json&) {
                nlohmann::json all = snapshot_to_json(cp.snapshot());
                return CtlResponse::success(
                    {{"config", all["config"]}, {"segment", all["segment"]}, {section, all[section]}});
              });
  }
}

}  // namespace tollgate::controlplane
