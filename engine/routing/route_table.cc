// Matching a request against a compiled table (the request path).
#include "engine/routing/route_table.h"

#include <algorithm>
#include <bit>
#include <cassert>

#include "engine/routing/ascii.h"
#include "engine/routing/glob.h"
#include "engine/routing/host.h"
#include "engine/routing/route_scratch.h"

namespace tollgate::routing {

namespace {

bool header_holds(const HeaderCondition& condition, const RequestView& request) {
  const std::string_view value =
      request.header ? request.header(request.header_ctx, condition.name) : std::string_view{};
  if (value.data() == nullptr) return false;  // absent
  return std::any_of(condition.values.begin(), condition.values.end(),
                     [value](const std::string& glob) { return glob_match_caseless(glob, value); });
}

}  // namespace

bool RouteTable::passes_checks(const Rule& rule, const RequestView& request) const {
  if (rule.method) {
    const auto& methods = rule.method->values;
    if (std::find(methods.begin(), methods.end(), request.method) == methods.end()) return false;
  }
  return std::all_of(rule.headers.begin(), rule.headers.end(),
                     [&request](const HeaderCondition& h) { return header_holds(h, request); });
}

int64_t RouteTable::winner(const RequestView& request, const RouteScratch& scratch) const {
  // Only words where both conditions can pass hold candidates.
  const WordRange h = hosts_.passing_range(scratch.hosts_);
  const WordRange p = paths_.passing_range(scratch.paths_);
  if (h.empty() || p.empty()) return -1;
  const uint32_t last = std::min(h.hi, p.hi);
  for (uint32_t w = std::max(h.lo, p.lo); w <= last; ++w) {
    uint64_t candidates = hosts_.passing(scratch.hosts_, w) & paths_.passing(scratch.paths_, w);
    // Those without method or header conditions win at once; the others are checked in priority order.
    for (; candidates != 0; candidates &= candidates - 1) {
      const int bit = std::countr_zero(candidates);
      const uint32_t position = w * 64 + static_cast<uint32_t>(bit);
      if ((needs_checks_[w] >> bit & 1) == 0 || passes_checks(rules_[position], request)) return position;
    }
  }
  return -1;
}

RouteTable::Match RouteTable::match(const RequestView& request, RouteScratch& scratch) const {
  assert(scratch.fits(*this));
  if (!scratch.fits(*this)) return {&default_action_, 0};
  const std::string_view host = routing_host(request.host);
  if (!hosts_.empty() && host.size() <= scratch.reversed_host_.size()) {
    // Lowercased for the literal probes, which compare bytes.
    ascii_lower_reversed(host, scratch.reversed_host_.data());
    hosts_.scan({scratch.reversed_host_.data(), host.size()}, scratch.hs_.get(), scratch.hosts_);
  }
  paths_.scan(request.path, scratch.hs_.get(), scratch.paths_);
  const int64_t position = winner(request, scratch);
  scratch.hosts_.clear();
  scratch.paths_.clear();
  if (position < 0) return {&default_action_, 0};
  const Rule& rule = rules_[static_cast<size_t>(position)];
  return {&rule.action, rule.priority, static_cast<int32_t>(position)};
}

}  // namespace tollgate::routing
