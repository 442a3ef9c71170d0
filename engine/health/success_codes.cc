#include "engine/health/success_codes.h"

#include <charconv>

namespace tollgate::health {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// One status code, checked against the bounds; `entry` is what the error quotes.
Result<uint16_t> parse_code(std::string_view digits, std::string_view entry) {
  digits = trim(digits);
  unsigned value = 0;
  const char* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  const bool all_digits = !digits.empty() && ptr == end;
  if (!all_digits || (ec != std::errc() && ec != std::errc::result_out_of_range))
    return Error{"success code '" + std::string(entry) + "': '" + std::string(digits) + "' is not a number"};
  if (ec == std::errc::result_out_of_range)
    return Error{"success code '" + std::string(entry) + "': " + std::string(digits) + " is outside 100-599"};
  if (value < SuccessCodes::kLowest || value > SuccessCodes::kHighest)
    return Error{"success code '" + std::string(entry) + "': " + std::to_string(value) +
                 " is outside 100-599"};
  return static_cast<uint16_t>(value);
}

}  // namespace

Result<SuccessCodes> SuccessCodes::parse(std::string_view text) {
  SuccessCodes codes{Empty{}};
  if (trim(text).empty()) return Error{"success codes are empty (e.g. \"200\" or \"200-399\")"};
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view entry = trim(text.substr(start, comma - start));
    if (entry.empty())
      return Error{"success codes '" + std::string(text) + "': empty entry at offset " +
                   std::to_string(start)};
    const size_t dash = entry.find('-');
    const auto first = parse_code(entry.substr(0, dash), entry);
    if (!first) return Error{first.error()};
    uint16_t last = first.value();
    if (dash != std::string_view::npos) {
      const auto parsed = parse_code(entry.substr(dash + 1), entry);
      if (!parsed) return Error{parsed.error()};
      last = parsed.value();
      if (last < first.value())
        return Error{"success code range '" + std::string(entry) + "' runs backwards (write it as " +
                     std::to_string(last) + "-" + std::to_string(first.value()) + ")"};
    }
    for (unsigned code = first.value(); code <= last; ++code) codes.codes_.set(code - kLowest);
    start = comma + 1;
  }
  return codes;
}

std::string SuccessCodes::to_string() const {
  std::string out;
  for (unsigned code = kLowest; code <= kHighest; ++code) {
    if (!matches(static_cast<uint16_t>(code))) continue;
    unsigned last = code;
    while (last < kHighest && matches(static_cast<uint16_t>(last + 1))) ++last;
    if (!out.empty()) out += ',';
    out += std::to_string(code);
    if (last != code) out += '-' + std::to_string(last);
    code = last;
  }
  return out;
}

}  // namespace tollgate::health
