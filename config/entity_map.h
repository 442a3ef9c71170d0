// Where the entities of one config sit in another config's numbering (the segment's: listeners in order,
// rules across listeners, pools, targets across pools; entity_index.h), matched by what names them for the
// operator: rules by listener and priority, pools by name, targets by pool and address:port. Listeners
// need no map: a config generation keeps the running listener list (config_compat.h). Used when a worker
// runs two generations at once (one draining): counters of the old one's objects still add to the
// entities they stand for, under the new numbering; entities the new config dropped map to -1.
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.h"

namespace tollgate::dataplane {

struct EntityMap {
  std::vector<int32_t> rules;    // by segment rule index in `from`
  std::vector<int32_t> pools;    // by pool index in `from`
  std::vector<int32_t> targets;  // by segment target index in `from`
};

class EntityIndex;

// `numbered`: to's EntityIndex (entity_index.h).
EntityMap map_entities(const DataplaneConfig& from, const DataplaneConfig& to, const EntityIndex& numbered);

}  // namespace tollgate::dataplane
