#include "engine/http/hop_by_hop.h"

#include <algorithm>

#include "engine/http/chars.h"

namespace tollgate::http {

bool is_hop_by_hop(std::string_view name, std::span<const HeaderField> fields) {
  constexpr std::string_view kAlways[] = {"connection", "keep-alive", "proxy-connection", "te", "upgrade"};
  for (const std::string_view h : kAlways)
    if (iequals(name, h)) return true;
  if (iequals(name, "host") || iequals(name, "content-length") || iequals(name, "transfer-encoding"))
    return false;
  for (const HeaderField& f : fields)
    if (iequals(f.name, "connection") && list_has(f.value, name)) return true;
  return false;
}

bool is_safe_field_value(std::string_view value) {
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return is(kFieldVchar, static_cast<uint8_t>(c)); });
}

}  // namespace tollgate::http
