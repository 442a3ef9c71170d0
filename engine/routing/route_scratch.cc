#include "engine/routing/route_scratch.h"

#include <hs.h>

#include <string>

#include "engine/routing/route_table.h"

namespace tollgate::routing {

namespace {

Status grow_for(ScratchPtr& scratch, const hs_database* db) {
  if (db == nullptr) return Ok{};
  hs_scratch_t* s = scratch.release();
  const hs_error_t rc = hs_alloc_scratch(db, &s);
  scratch.reset(s);
  if (rc != HS_SUCCESS) return Error{"hs_alloc_scratch failed: " + std::to_string(rc)};
  return Ok{};
}

void grow_bits(MatchBits& bits, uint32_t words) {
  if (bits.words.size() < words) bits.words.resize(words, 0);
}

}  // namespace

Result<RouteScratch> RouteScratch::for_table(const RouteTable& table) {
  RouteScratch scratch;
  if (Status s = scratch.prepare(table); !s) return Error{s.error()};
  return scratch;
}

Status RouteScratch::prepare(const RouteTable& table) {
  if (Status s = grow_for(hs_, table.hosts().database()); !s) return s;
  if (Status s = grow_for(hs_, table.paths().database()); !s) return s;
  grow_bits(hosts_, table.words());
  grow_bits(paths_, table.words());
  return Ok{};
}

Result<RouteScratch> RouteScratch::clone() const {
  RouteScratch copy;
  if (hs_) {
    hs_scratch_t* s = nullptr;
    if (const hs_error_t rc = hs_clone_scratch(hs_.get(), &s); rc != HS_SUCCESS) {
      return Error{"hs_clone_scratch failed: " + std::to_string(rc)};
    }
    copy.hs_.reset(s);
  }
  grow_bits(copy.hosts_, static_cast<uint32_t>(hosts_.words.size()));
  grow_bits(copy.paths_, static_cast<uint32_t>(paths_.words.size()));
  return copy;
}

bool RouteScratch::fits(const RouteTable& table) const {
  const bool needs_hs = table.hosts().database() != nullptr || table.paths().database() != nullptr;
  return (hs_ || !needs_hs) && hosts_.words.size() >= table.words() && paths_.words.size() >= table.words();
}

}  // namespace tollgate::routing
