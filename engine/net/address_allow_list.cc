#include "engine/net/address_allow_list.h"

#include <algorithm>

namespace tollgate::net {

AddressAllowList::AddressAllowList(std::span<const Ipv4Prefix> prefixes) {
  for (const Ipv4Prefix& p : prefixes) {
    const uint32_t first = p.address.value & p.mask();
    ranges_.push_back({first, first | ~p.mask()});
  }
  std::sort(ranges_.begin(), ranges_.end(), [](const Range& a, const Range& b) { return a.first < b.first; });
  std::vector<Range> merged;
  for (const Range& r : ranges_) {
    // uint64 so that a range ending at 255.255.255.255 does not wrap when testing adjacency.
    if (!merged.empty() && uint64_t{r.first} <= uint64_t{merged.back().last} + 1) {
      merged.back().last = std::max(merged.back().last, r.last);
    } else {
      merged.push_back(r);
    }
  }
  ranges_ = std::move(merged);
}

bool AddressAllowList::allows(Ipv4Address a) const {
  // The last range starting at or before `a` is the only one that can hold it.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), a.value,
                             [](uint32_t v, const Range& r) { return v < r.first; });
  if (it == ranges_.begin()) return false;
  return a.value <= std::prev(it)->last;
}

}  // namespace tollgate::net
