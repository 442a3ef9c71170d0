#include "config/config_blob.h"

#include <nlohmann/json.hpp>

namespace tollgate::dataplane {

std::string encode_config_blob(const ConfigBlob& b) {
  const nlohmann::json j = {{"format", kConfigBlobFormat}, {"path", b.path}, {"toml", b.toml}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<ConfigBlob> decode_config_blob(std::span<const uint8_t> bytes) {
  const auto j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{"config blob is not a JSON object"};
  const auto format = j.find("format");
  if (format == j.end() || *format != kConfigBlobFormat) {
    return Error{"config blob has another format than " + std::string(kConfigBlobFormat)};
  }
  const auto path = j.find("path");
  const auto toml = j.find("toml");
  if (path == j.end() || !path->is_string() || toml == j.end() || !toml->is_string()) {
    return Error{"config blob lacks \"path\" or \"toml\""};
  }
  return ConfigBlob{path->get<std::string>(), toml->get<std::string>()};
}

}  // namespace tollgate::dataplane
