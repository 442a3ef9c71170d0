#include "controlplane/ctl/config_check.h"

#include <fmt/format.h>

#include "dataplane/config.h"

namespace tollgate::controlplane {

CheckOutput check_config(const std::string& path) {
  const dataplane::ConfigLoad load = dataplane::load_config_file(path);
  CheckOutput o;
  for (const dataplane::ConfigError& e : load.errors) o.err += e.to_string() + "\n";
  if (!load.config) {
    o.err += fmt::format("{}: {} error(s)\n", path, load.errors.size());
    o.exit_code = 1;
    return o;
  }
  o.out = fmt::format("{}: ok\n", path);
  return o;
}

}  // namespace tollgate::controlplane
