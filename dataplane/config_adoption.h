// What the dataplane's main lcore does with a config generation the control plane published, before any
// worker sees it: decode the blob (config/config_blob.h), read its TOML with the dataplane's own reader
// (relative paths against the blob's path, files checked as at start), apply the command line's overrides,
// and check it can be adopted live (config_compat.h). The result is the config to build the workers' new
// generation from, or the one-line reason it is refused.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "config/config.h"
#include "engine/common/result.h"
#include "engine/shm/segment_types.h"

namespace tollgate::dataplane {

// tollgate-dataplane's --cores and --driver, which apply to every config it runs.
struct ConfigOverrides {
  int cores = -1;      // -1: the config's
  std::string driver;  // "af_xdp", "af_packet" or empty: the config's (pci ports keep theirs)
};
void apply_overrides(DataplaneConfig& config, const ConfigOverrides& overrides);

Result<DataplaneConfig> config_to_adopt(std::span<const uint8_t> blob, const DataplaneConfig& running,
                                        const ConfigOverrides& overrides, const shm::Capacities& capacities);

}  // namespace tollgate::dataplane
