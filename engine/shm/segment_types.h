// The fixed records of the shared segment: the header at offset 0 (identity, ABI version, capacities,
// section table), the control block beside it, each core's control line, and each config slot's header.
// docs/ARCHITECTURE.md ("Shared memory") has the whole layout and the protocols.
//
// Everything here is plain data or lock-free atomics (no pointers: each process maps the segment at its
// own address). Any change to a record's size or meaning bumps kAbiVersion; an attacher refuses a segment
// whose version, record sizes or section table differ from its own, so two builds never misread each other.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "engine/shm/heartbeat.h"

namespace tollgate::shm {

inline constexpr uint64_t kMagic = 0x314d485354474c54;  // "TLGTSHM1" read as little-endian bytes
// 2: ControlBlock::config_refusal; 3: PoolCounter::kFailOpen; 4: ListenerCounter::kConnectionsDenied;
// 5: per-client limit and max_handshakes listener counters, each core's DefenceStats and RefusalSamples,
//    counter counts in RecordSizes; 6: the buffer reserve's DefenceCounters
inline constexpr uint32_t kAbiVersion = 6;
inline constexpr uint64_t kSectionAlign = 4096;  // sections and core regions start on their own pages

// How much the segment holds, fixed when the dataplane makes it (from its config's maxima).
struct Capacities {
  uint32_t cores = 1;
  uint32_t listeners = 16;
  uint32_t rules = 256;  // across all listeners
  uint32_t pools = 64;
  uint32_t targets = 1024;                // across all pools
  uint32_t config_slots = 4;              // config generations in flight (a ring of slots)
  uint32_t config_slot_bytes = 1u << 20;  // largest config blob
  uint32_t event_ring_slots = 4096;       // per core, worker → control plane; a power of two
  uint32_t command_ring_slots = 1024;     // per core, control plane → worker; a power of two

  bool operator==(const Capacities&) const = default;
};

enum class Section : uint32_t { kCores, kHealth, kConfig, kEvents, kCommands, kCount };
inline constexpr size_t kSectionCount = static_cast<size_t>(Section::kCount);

struct SectionExtent {
  uint64_t offset = 0;  // from the segment's start, a multiple of kSectionAlign
  uint64_t bytes = 0;

  bool operator==(const SectionExtent&) const = default;
};

// sizeof of every record type, as the creator's build had them: a second check beside kAbiVersion that
// catches a layout change someone forgot to version.
struct RecordSizes {
  uint32_t core_header = 0;
  uint32_t core_stats = 0;
  uint32_t defence_stats = 0;
  uint32_t listener_stats = 0;
  uint32_t refusal_samples = 0;
  uint32_t rule_stats = 0;
  uint32_t pool_stats = 0;
  uint32_t target_stats = 0;
  uint32_t health_entry = 0;
  uint32_t config_slot_header = 0;
  uint32_t ring_control = 0;
  uint32_t message = 0;
  // How many counters each family has (a counter added without a version bump can leave a record's size
  // unchanged, its padding taking it) and how many refusal reasons a RefusalSamples holds.
  uint32_t core_counters = 0;
  uint32_t defence_counters = 0;
  uint32_t listener_counters = 0;
  uint32_t rule_counters = 0;
  uint32_t pool_counters = 0;
  uint32_t target_counters = 0;
  uint32_t refusal_reasons = 0;

  bool operator==(const RecordSizes&) const = default;
};

// Offset 0. Written once by the creator before `magic`, which is stored last (release): an attacher that
// reads the right magic (acquire) sees a complete header and initialised sections.
struct SegmentHeader {
  std::atomic<uint64_t> magic{0};
  uint32_t abi_version = 0;
  uint32_t header_bytes = 0;  // sizeof(SegmentHeader)
  uint64_t total_bytes = 0;   // the whole segment, as mapped
  Capacities capacities;
  RecordSizes records;
  std::array<SectionExtent, kSectionCount> sections{};
  uint64_t creator_pid = 0;
};

// The newest config generation the dataplane refused to adopt, and why: one line of text for the operator
// (config_refusal.h writes and reads it). A seqlock over atomic words: the dataplane's main thread is the
// only writer; a reader retries while a write overlaps its copy.
struct ConfigRefusal {
  static constexpr size_t kTextWords = 61;
  static constexpr size_t kTextBytes = kTextWords * 8;  // longer reasons are cut
  std::atomic<uint64_t> sequence{0};                    // odd while being written
  std::atomic<uint64_t> generation{0};                  // 0: nothing refused
  std::atomic<uint64_t> length{0};
  std::array<std::atomic<uint64_t>, kTextWords> text{};
};

// Beside the header in the first page: who controls the segment and the config generation in force.
// Lines by writer, so neither side's stores invalidate the other's.
struct ControlBlock {
  // Written by the control plane.
  alignas(64) std::atomic<uint64_t> controller_epoch{0};  // +1 each time a control plane takes over
  std::atomic<uint64_t> controller_pid{0};
  Heartbeat controller;
  alignas(64) std::atomic<uint64_t> config_published{0};  // newest generation (0: none), in slot g % N
  // Written by the dataplane's main thread.
  alignas(64) Heartbeat dataplane;
  std::atomic<uint64_t> dataplane_pid{0};
  // The dataplane's main thread reads each published generation and either offers it to the workers
  // (which acknowledge it in their CoreHeader) or refuses it here: a refused generation, and every older
  // one, is never read again, so its slot may be reused (Controller::publish_config).
  alignas(64) ConfigRefusal config_refusal;
};

// First line of each core's region. Written only by that core's worker.
struct alignas(64) CoreHeader {
  Heartbeat heartbeat;                          // every poll iteration (or every few)
  std::atomic<uint64_t> running{0};             // 1 while the worker polls; the control plane waits only
                                                // for running cores' acknowledgements
  std::atomic<uint64_t> adopted_generation{0};  // the config generation new connections use; the core no
                                                // longer reads any older slot
  std::atomic<uint64_t> oldest_generation{0};   // the oldest generation its connections still run on
  std::atomic<uint64_t> health_generation{0};   // the health table generation it last applied
};

// Before each config slot's blob.
struct alignas(64) ConfigSlotHeader {
  std::atomic<uint64_t> generation{0};  // the generation whose blob this slot holds (stored last, release)
  uint64_t length = 0;                  // bytes of blob
};

static_assert(sizeof(SegmentHeader) + sizeof(ControlBlock) <= kSectionAlign);
static_assert(sizeof(CoreHeader) == 64);
static_assert(sizeof(ConfigSlotHeader) == 64);
static_assert(alignof(ControlBlock) == 64 && sizeof(ControlBlock) % 64 == 0);

}  // namespace tollgate::shm
