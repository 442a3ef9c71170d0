// Owning handles for Hyperscan's database and scratch, declared without including hs.h so that routing
// headers stay free of it.
#pragma once

#include <memory>

struct hs_database;
struct hs_scratch;

namespace tollgate::routing {

struct DatabaseFree {
  void operator()(hs_database* db) const;
};
struct ScratchFree {
  void operator()(hs_scratch* scratch) const;
};

using DatabasePtr = std::unique_ptr<hs_database, DatabaseFree>;
using ScratchPtr = std::unique_ptr<hs_scratch, ScratchFree>;

}  // namespace tollgate::routing
