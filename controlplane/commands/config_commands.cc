// config.reload: re-read the file; refused with every error when it has any.
// config.show: which file and generation are in force.
#include <fmt/format.h>

#include "controlplane/commands/command_table.h"
#include "controlplane/control_plane.h"

namespace tollgate::controlplane {
namespace {

nlohmann::json errors_json(const std::vector<dataplane::ConfigError>& errors) {
  nlohmann::json list = nlohmann::json::array();
  for (const dataplane::ConfigError& e : errors) {
    list.push_back({{"file", e.file},
                    {"line", e.line},
                    {"key", e.key},
                    {"message", e.message},
                    {"hint", e.hint},
                    {"text", e.to_string()}});
  }
  return list;
}

}  // namespace

void register_config_commands(CommandTable& table, ControlPlane& cp) {
  table.add(
      "config.reload", "re-read the config file; a file with errors is refused and the running config stays",
      [&cp](const nlohmann::json&) {
        ControlPlane::ReloadOutcome r = cp.reload();
        if (!r.errors.empty()) {
          return CtlResponse::failure(
              fmt::format("{} has {} error(s); the running config stays", cp.config().path, r.errors.size()),
              {{"errors", errors_json(r.errors)}});
        }
        if (!r.applied) return CtlResponse::failure(fmt::format("reload refused: {}", r.problem));
        return CtlResponse::success({{"path", cp.config().path},
                                     {"generation", r.generation},
                                     {"warnings", errors_json(r.warnings)}});
      });
  table.add("config.show",
            "the config file, the published generation, what every core adopted and the last refusal",
            [&cp](const nlohmann::json&) {
              const StatsSnapshot s = cp.snapshot();
              nlohmann::json refused = nullptr;
              if (s.config_refused)
                refused = {{"generation", s.config_refused}, {"reason", s.config_refused_reason}};
              return CtlResponse::success({{"path", cp.config().path},
                                           {"generation", s.config_generation},
                                           {"adopted", s.config_adopted},
                                           {"attached", s.attached},
                                           {"refused", refused}});
            });
}

}  // namespace tollgate::controlplane
