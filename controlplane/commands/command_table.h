// The operator socket's commands by name. Each module registers its own (config_commands.cc,
// show_commands.cc, target_commands.cc), so tollgatectl stays a thin client and a feature brings its own
// commands; `help` lists them.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "controlplane/ctl_protocol.h"

namespace tollgate::controlplane {

class ControlPlane;

class CommandTable {
 public:
  using Run = std::function<CtlResponse(const nlohmann::json& args)>;

  void add(std::string name, std::string summary, Run run);
  CtlResponse dispatch(const CtlRequest& r) const;

 private:
  struct Entry {
    std::string summary;
    Run run;
  };
  std::map<std::string, Entry> commands_;
};

void register_config_commands(CommandTable& table, ControlPlane& cp);
void register_show_commands(CommandTable& table, ControlPlane& cp);
void register_target_commands(CommandTable& table, ControlPlane& cp);
void register_cert_commands(CommandTable& table, ControlPlane& cp);

// Argument helpers for handlers: a required string / unsigned argument, or an error naming it.
Result<std::string> string_arg(const nlohmann::json& args, const char* name);
Result<uint64_t> uint_arg(const nlohmann::json& args, const char* name);

}  // namespace tollgate::controlplane
