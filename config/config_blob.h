// The config blob the control plane publishes as a generation in the shared segment (Controller::
// publish_config): JSON {"format":"tollgate-config/1","path":"/abs/config.toml","toml":"<the file's
// text>"}. The TOML text is the one the control plane validated — not a path for the dataplane to read
// again later — so what a worker adopts is exactly what was checked; the path is there for relative file
// names in it (certificates, the access log) and for display. Both processes link it: the control plane
// encodes, the dataplane's main lcore decodes what it adopts.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "engine/common/result.h"

namespace tollgate::dataplane {

inline constexpr std::string_view kConfigBlobFormat = "tollgate-config/1";

struct ConfigBlob {
  std::string path;  // absolute
  std::string toml;
};

std::string encode_config_blob(const ConfigBlob& b);
Result<ConfigBlob> decode_config_blob(std::span<const uint8_t> bytes);

}  // namespace tollgate::dataplane
