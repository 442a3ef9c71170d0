// The client addresses a listener accepts connections from (`allowed_clients`), compiled once at config
// load into sorted, merged, disjoint address ranges: a SYN's check is a binary search over a few entries,
// with no allocation. Empty means nobody is allowed.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/net/addresses.h"

namespace tollgate::net {

class AddressAllowList {
 public:
  AddressAllowList() = default;
  // Overlapping and adjacent prefixes merge; order does not matter.
  explicit AddressAllowList(std::span<const Ipv4Prefix> prefixes);

  bool allows(Ipv4Address a) const;
  size_t range_count() const { return ranges_.size(); }
  bool operator==(const AddressAllowList&) const = default;

 private:
  struct Range {
    uint32_t first = 0;
    uint32_t last = 0;  // inclusive
    bool operator==(const Range&) const = default;
  };
  std::vector<Range> ranges_;
};

}  // namespace tollgate::net
