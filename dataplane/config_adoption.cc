#include "dataplane/config_adoption.h"

#include <fmt/format.h>

#include "config/config_blob.h"
#include "config/config_compat.h"

namespace tollgate::dataplane {

void apply_overrides(DataplaneConfig& config, const ConfigOverrides& overrides) {
  if (overrides.cores >= 0) config.cores = static_cast<uint16_t>(overrides.cores);
  if (overrides.driver.empty()) return;
  for (PortConfig& p : config.ports) {
    // PCI and memif ports have no kernel interface for af_xdp/af_packet to open: they stay as they are.
    if (p.driver != PortDriver::kPci && p.driver != PortDriver::kMemif)
      p.driver = overrides.driver == "af_xdp" ? PortDriver::kAfXdp : PortDriver::kAfPacket;
  }
}

Result<DataplaneConfig> config_to_adopt(std::span<const uint8_t> blob, const DataplaneConfig& running,
                                        const ConfigOverrides& overrides, const shm::Capacities& capacities) {
  Result<ConfigBlob> decoded = decode_config_blob(blob);
  if (!decoded) return Error{decoded.error()};
  ConfigLoad load = load_config_string(decoded.value().toml, decoded.value().path);
  if (!load.config) {
    const size_t n = load.errors.size();
    return Error{fmt::format("{} error(s) reading it here, the first: {}", n,
                             n ? load.errors.front().to_string() : std::string("?"))};
  }
  DataplaneConfig next = std::move(*load.config);
  apply_overrides(next, overrides);
  if (std::string why = adoption_refusal(running, next, capacities); !why.empty()) return Error{why};
  return next;
}

}  // namespace tollgate::dataplane
