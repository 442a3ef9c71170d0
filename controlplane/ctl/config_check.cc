#include "controlplane/ctl/config_check.h"

#include <fmt/format.h>

#include "config/config.h"

namespace tollgate::controlplane {

CheckOutput check_config(const std::string& path) {
  const dataplane::ConfigLoad load = dataplane::load_config_file(path);
  CheckOutput o;
  for (const dataplane::ConfigError& e : load.errors) o.err += e.to_string() + "\n";
  for (const dataplane::ConfigError& w : load.warnings) o.err += "warning: " + w.to_string() + "\n";
  if (!load.config) {
    o.err += fmt::format("{}: {} error(s)\n", path, load.errors.size());
    o.exit_code = 1;
    return o;
  }
  o.out = load.warnings.empty() ? fmt::format("{}: ok\n", path)
                                : fmt::format("{}: ok, {} warning(s)\n", path, load.warnings.size());
  return o;
}

}  // namespace tollgate::controlplane
