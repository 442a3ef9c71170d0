#include "controlplane/commands/command_table.h"

#include <fmt/format.h>

namespace tollgate::controlplane {

void CommandTable::add(std::string name, std::string summary, Run run) {
  commands_[std::move(name)] = Entry{std::move(summary), std::move(run)};
}

CtlResponse CommandTable::dispatch(const CtlRequest& r) const {
  if (r.command == "help") {
    nlohmann::json list = nlohmann::json::object();
    for (const auto& [name, e] : commands_) list[name] = e.summary;
    return CtlResponse::success({{"commands", std::move(list)}});
  }
  const auto it = commands_.find(r.command);
  if (it == commands_.end()) {
    return CtlResponse::failure(fmt::format("unknown command '{}' (\"help\" lists them)", r.command));
  }
  try {
    return it->second.run(r.args);
  } catch (const std::exception& e) {  // a JSON type error in a handler: answer, never die
    return CtlResponse::failure(fmt::format("{}: {}", r.command, e.what()));
  }
}

Result<std::string> string_arg(const nlohmann::json& args, const char* name) {
  const auto it = args.find(name);
  if (it == args.end() || !it->is_string())
    return Error{fmt::format("argument \"{}\" (a string) is required", name)};
  return it->get<std::string>();
}

Result<uint64_t> uint_arg(const nlohmann::json& args, const char* name) {
  const auto it = args.find(name);
  if (it == args.end() || !it->is_number_unsigned()) {
    return Error{fmt::format("argument \"{}\" (a non-negative integer) is required", name)};
  }
  return it->get<uint64_t>();
}

}  // namespace tollgate::controlplane
