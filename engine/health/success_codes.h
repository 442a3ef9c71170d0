// Which HTTP status codes make a health probe pass, as a target group's "success codes" say them: one
// code ("200"), a list ("200,302"), ranges ("200-399") or a mix ("200-299,302"). A set of the 500 codes
// 100-599, so matching a probe's status is one bit test and never allocates.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/common/result.h"

namespace tollgate::health {

class SuccessCodes {
 public:
  static constexpr uint16_t kLowest = 100;
  static constexpr uint16_t kHighest = 599;

  // "200", the default of an HTTP target group.
  SuccessCodes() { codes_.set(200 - kLowest); }

  // Parses "CODE", "FIRST-LAST" and comma-separated lists of them; spaces around entries are allowed.
  // Every code must lie in 100-599 and a range must not run backwards. The error quotes the entry at fault.
  static Result<SuccessCodes> parse(std::string_view text);

  bool matches(uint16_t status) const {
    return status >= kLowest && status <= kHighest && codes_.test(status - kLowest);
  }

  // The canonical spelling: ascending, adjacent codes joined into ranges ("200-299,302").
  std::string to_string() const;

  bool operator==(const SuccessCodes&) const = default;

 private:
  struct Empty {};
  explicit SuccessCodes(Empty) {}

  std::bitset<kHighest - kLowest + 1> codes_;  // bit i: status kLowest + i passes
};

}  // namespace tollgate::health
