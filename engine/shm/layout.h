// Where everything lies in the segment, as a pure function of the capacities: the creator computes it to
// size and initialise the segment, an attacher recomputes it from the capacities in the header and refuses
// the segment unless every section's offset and size, the record sizes and the total agree with its own.
#pragma once

#include <array>
#include <cstdint>

#include "engine/common/result.h"
#include "engine/shm/segment_types.h"

namespace tollgate::shm {

// Largest capacities accepted, so that a corrupt header cannot make an attacher compute a layout that
// overflows or map an absurd size.
inline constexpr Capacities kMaxCapacities = {
    .cores = 256,
    .listeners = 4096,
    .rules = 65536,
    .pools = 4096,
    .targets = 65536,
    .config_slots = 16,
    .config_slot_bytes = 64u << 20,
    .event_ring_slots = 1u << 20,
    .command_ring_slots = 1u << 20,
};

// Offsets inside one core's region (from the region's start) and the region's stride.
struct CoreRegionLayout {
  uint64_t header = 0;    // CoreHeader
  uint64_t core = 0;      // CoreStats
  uint64_t defences = 0;  // DefenceStats
  uint64_t listeners = 0;
  uint64_t refusals = 0;  // RefusalSamples, one per listener
  uint64_t rules = 0;
  uint64_t pools = 0;
  uint64_t targets = 0;
  uint64_t bytes = 0;  // stride between cores, a multiple of kSectionAlign
};

struct Layout {
  Capacities capacities;
  std::array<SectionExtent, kSectionCount> sections{};
  CoreRegionLayout core;
  uint64_t health_pools = 0;        // pool generations, from the health section's start
  uint64_t health_entries = 0;      // HealthEntry array, from the health section's start
  uint64_t config_slot_bytes = 0;   // stride of a config slot: header + blob, rounded to a line
  uint64_t event_ring_bytes = 0;    // stride of one core's event ring: control + slots
  uint64_t command_ring_bytes = 0;  // stride of one core's command ring
  uint64_t total_bytes = 0;

  const SectionExtent& section(Section s) const { return sections[static_cast<size_t>(s)]; }
};

// The record sizes of this build.
RecordSizes current_record_sizes();

// The layout for `caps`, or why they are unacceptable (zero, above kMaxCapacities, a ring size that is
// not a power of two, fewer than two config slots).
Result<Layout> compute_layout(const Capacities& caps);

// Fills every header field but `magic` (the creator stores it last).
void fill_header(SegmentHeader& header, const Layout& layout, uint64_t creator_pid);

// Checks a header against this build and `mapped_bytes` (the object's size); the layout on success, else
// a message that says which field mismatches and what was expected.
Result<Layout> check_header(const SegmentHeader& header, uint64_t mapped_bytes);

}  // namespace tollgate::shm
