// Reading the config file for the control plane: the text is read once, validated by the dataplane's own
// reader (config/config.h) and, when good, turned into the blob to publish — the same bytes that were
// checked, whatever happens to the file afterwards.
#pragma once

#include <string>
#include <utility>

#include "config/config.h"
#include "config/config_blob.h"
#include "config/entity_index.h"

namespace tollgate::controlplane {

struct LoadedConfig {
  LoadedConfig(std::string p, dataplane::DataplaneConfig c, std::string b)
      : path(std::move(p)), config(std::move(c)), blob(std::move(b)), index(config) {}

  std::string path;  // absolute
  dataplane::DataplaneConfig config;
  std::string blob;              // encode_config_blob of the text
  dataplane::EntityIndex index;  // config's numbering in the segment, made once with it
};

struct ConfigAttempt {
  std::optional<LoadedConfig> loaded;
  std::vector<dataplane::ConfigError> errors;
  std::vector<dataplane::ConfigError> warnings;  // logged; they do not refuse the config
};

ConfigAttempt load_config(const std::string& path);

}  // namespace tollgate::controlplane
