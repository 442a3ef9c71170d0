// Arbitrary text as a config file: the loader must return a config or errors, never crash, and every
// error must name the file.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto load = tollgate::dataplane::load_config_string(text, "fuzz.toml");
  if (load.config.has_value() == !load.errors.empty()) std::abort();
  for (const auto& e : load.errors) {
    if (e.file != "fuzz.toml" || e.to_string().empty()) std::abort();
  }
  return 0;
}
