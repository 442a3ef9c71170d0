// Field look-up on parsed heads.
#include "engine/http/message_types.h"

#include "engine/http/chars.h"
#include "engine/http/field_section.h"

namespace tollgate::http {

std::string_view find_field(std::span<const HeaderField> fields, std::string_view name) {
  for (const HeaderField& f : fields)
    if (iequals(f.name, name)) return f.value;
  return {};
}

std::string_view RequestHead::header(std::string_view name) const {
  return find_field(headers, name);
}

std::string_view ResponseHead::header(std::string_view name) const {
  return find_field(headers, name);
}

}  // namespace tollgate::http
