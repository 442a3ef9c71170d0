#include "config/config_management.h"

#include <charconv>

namespace tollgate::dataplane {

void read_management(TomlReader& r, const toml::table& t, ManagementConfig& out) {
  r.check_keys(t, "management.", {"address"});
  const std::optional<std::string> text = r.read_string(t, "address", "management.address", false);
  if (!text) return;
  out.address = *text;
  out.enabled = !text->empty();
  if (!out.enabled) return;
  const size_t colon = text->rfind(':');
  const std::string_view port_text =
      colon == std::string::npos ? std::string_view() : std::string_view(*text).substr(colon + 1);
  unsigned port = 0;
  auto [next, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  const auto ip = colon == std::string::npos ? std::nullopt : net::Ipv4Address::parse(text->substr(0, colon));
  if (!ip || port_text.empty() || ec != std::errc{} || next != port_text.data() + port_text.size() ||
      port == 0 || port > 65535) {
    r.error(t.get("address"), "management.address", fmt::format("'{}' is not an \"address:port\"", *text),
            "e.g. \"127.0.0.1:9100\", or \"\" to serve no metrics");
    out.enabled = false;
    return;
  }
  out.ip = *ip;
  out.port = static_cast<uint16_t>(port);
}

}  // namespace tollgate::dataplane
