#include "controlplane/config_source.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tollgate::controlplane {

ConfigAttempt load_config(const std::string& path) {
  ConfigAttempt out;
  // Absolute, so relative names inside resolve the same way whatever the reader's working directory.
  char* real = ::realpath(path.c_str(), nullptr);
  if (!real) {
    out.errors.push_back({path, 0, "", "cannot open the file", std::strerror(errno)});
    return out;
  }
  const std::string absolute(real);
  std::free(real);
  std::ifstream in(absolute, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    out.errors.push_back({absolute, 0, "", "cannot read the file", std::strerror(errno)});
    return out;
  }
  dataplane::ConfigLoad load = dataplane::load_config_string(text.str(), absolute);
  out.errors = std::move(load.errors);
  out.warnings = std::move(load.warnings);
  if (load.config) {
    out.loaded = LoadedConfig{absolute, std::move(*load.config),
                              dataplane::encode_config_blob({absolute, text.str()})};
  }
  return out;
}

}  // namespace tollgate::controlplane
