#include "engine/shm/layout.h"

#include <fmt/format.h>

#include <bit>

#include "engine/shm/health_types.h"
#include "engine/shm/message.h"
#include "engine/shm/ring_types.h"
#include "engine/shm/stats_types.h"

namespace tollgate::shm {
namespace {

constexpr uint64_t round_up(uint64_t n, uint64_t align) {
  return (n + align - 1) / align * align;
}

Status check_capacity(const char* name, uint32_t value, uint32_t max) {
  if (value == 0 || value > max) {
    return Error{fmt::format("capacity {} = {} is outside 1..{}", name, value, max)};
  }
  return Ok{};
}

Status check_capacities(const Capacities& c) {
  const Capacities& m = kMaxCapacities;
  for (const Status& s :
       {check_capacity("cores", c.cores, m.cores), check_capacity("listeners", c.listeners, m.listeners),
        check_capacity("rules", c.rules, m.rules), check_capacity("pools", c.pools, m.pools),
        check_capacity("targets", c.targets, m.targets),
        check_capacity("config_slots", c.config_slots, m.config_slots),
        check_capacity("config_slot_bytes", c.config_slot_bytes, m.config_slot_bytes),
        check_capacity("event_ring_slots", c.event_ring_slots, m.event_ring_slots),
        check_capacity("command_ring_slots", c.command_ring_slots, m.command_ring_slots)}) {
    if (!s) return s;
  }
  // One slot would have to be rewritten while workers may still read it.
  if (c.config_slots < 2) return Error{"capacity config_slots must be at least 2"};
  if (!std::has_single_bit(c.event_ring_slots) || !std::has_single_bit(c.command_ring_slots)) {
    return Error{"ring capacities must be powers of two"};
  }
  return Ok{};
}

// Places `count` records of `size` bytes at `at`, returning where the next thing may start.
uint64_t place(uint64_t& at, uint64_t count, uint64_t size, uint64_t align = kCacheLine) {
  at = round_up(at, align);
  const uint64_t start = at;
  at += count * size;
  return start;
}

}  // namespace

RecordSizes current_record_sizes() {
  RecordSizes r;
  r.core_header = sizeof(CoreHeader);
  r.core_stats = sizeof(CoreStats);
  r.defence_stats = sizeof(DefenceStats);
  r.listener_stats = sizeof(ListenerStats);
  r.refusal_samples = sizeof(RefusalSamples);
  r.rule_stats = sizeof(RuleStats);
  r.pool_stats = sizeof(PoolStats);
  r.target_stats = sizeof(TargetStats);
  r.health_entry = sizeof(HealthEntry);
  r.config_slot_header = sizeof(ConfigSlotHeader);
  r.ring_control = sizeof(RingControl);
  r.message = sizeof(Message);
  r.core_counters = kCounterCount<CoreCounter>;
  r.defence_counters = kCounterCount<DefenceCounter>;
  r.listener_counters = kCounterCount<ListenerCounter>;
  r.rule_counters = kCounterCount<RuleCounter>;
  r.pool_counters = kCounterCount<PoolCounter>;
  r.target_counters = kCounterCount<TargetCounter>;
  r.refusal_reasons = kRefusalReasons;
  return r;
}

Result<Layout> compute_layout(const Capacities& caps) {
  if (Status s = check_capacities(caps); !s) return Error{s.error()};
  Layout l;
  l.capacities = caps;

  uint64_t at = 0;
  CoreRegionLayout& core = l.core;
  core.header = place(at, 1, sizeof(CoreHeader));
  core.core = place(at, 1, sizeof(CoreStats));
  core.defences = place(at, 1, sizeof(DefenceStats));
  core.listeners = place(at, caps.listeners, sizeof(ListenerStats));
  core.refusals = place(at, caps.listeners, sizeof(RefusalSamples));
  core.rules = place(at, caps.rules, sizeof(RuleStats));
  core.pools = place(at, caps.pools, sizeof(PoolStats));
  core.targets = place(at, caps.targets, sizeof(TargetStats));
  core.bytes = round_up(at, kSectionAlign);

  at = 0;
  place(at, 1, sizeof(HealthTableHeader));
  l.health_pools = place(at, caps.pools, sizeof(std::atomic<uint64_t>));
  l.health_entries = place(at, caps.targets, sizeof(HealthEntry));
  const uint64_t health_bytes = round_up(at, kSectionAlign);

  l.config_slot_bytes = round_up(sizeof(ConfigSlotHeader) + caps.config_slot_bytes, kCacheLine);
  l.event_ring_bytes = sizeof(RingControl) + uint64_t{caps.event_ring_slots} * sizeof(Message);
  l.command_ring_bytes = sizeof(RingControl) + uint64_t{caps.command_ring_slots} * sizeof(Message);

  const std::array<uint64_t, kSectionCount> bytes = {
      caps.cores * core.bytes, health_bytes, round_up(caps.config_slots * l.config_slot_bytes, kSectionAlign),
      round_up(caps.cores * l.event_ring_bytes, kSectionAlign),
      round_up(caps.cores * l.command_ring_bytes, kSectionAlign)};
  at = kSectionAlign;  // page 0: SegmentHeader + ControlBlock
  for (size_t s = 0; s < kSectionCount; ++s) {
    l.sections[s] = {at, bytes[s]};
    at += bytes[s];
  }
  l.total_bytes = at;
  return l;
}

void fill_header(SegmentHeader& h, const Layout& l, uint64_t creator_pid) {
  h.abi_version = kAbiVersion;
  h.header_bytes = sizeof(SegmentHeader);
  h.total_bytes = l.total_bytes;
  h.capacities = l.capacities;
  h.records = current_record_sizes();
  h.sections = l.sections;
  h.creator_pid = creator_pid;
}

Result<Layout> check_header(const SegmentHeader& h, uint64_t mapped_bytes) {
  if (mapped_bytes < kSectionAlign) {
    return Error{
        fmt::format("segment is {} bytes, smaller than its header page ({})", mapped_bytes, kSectionAlign)};
  }
  const uint64_t magic = h.magic.load(std::memory_order_acquire);
  if (magic == 0) return Error{"segment is not initialised yet (its creator has not finished, or died)"};
  if (magic != kMagic)
    return Error{fmt::format("not a Tollgate segment: magic {:#018x}, expected {:#018x}", magic, kMagic)};
  if (h.abi_version != kAbiVersion) {
    return Error{
        fmt::format("segment ABI version {} but this build speaks version {}", h.abi_version, kAbiVersion)};
  }
  if (h.header_bytes != sizeof(SegmentHeader)) {
    return Error{
        fmt::format("segment header is {} bytes, expected {}", h.header_bytes, sizeof(SegmentHeader))};
  }
  if (h.records != current_record_sizes()) {
    return Error{"segment record sizes differ from this build's (same ABI version, different layout)"};
  }
  Result<Layout> l = compute_layout(h.capacities);
  if (!l) return Error{"segment capacities: " + l.error()};
  if (h.total_bytes != l->total_bytes || mapped_bytes != l->total_bytes) {
    return Error{fmt::format("segment size mismatch: header says {}, object is {}, its capacities need {}",
                             h.total_bytes, mapped_bytes, l->total_bytes)};
  }
  static constexpr const char* kNames[] = {"cores", "health", "config", "events", "commands"};
  for (size_t s = 0; s < kSectionCount; ++s) {
    if (h.sections[s] != l->sections[s]) {
      return Error{fmt::format("section {} at {}+{} bytes, expected {}+{}", kNames[s], h.sections[s].offset,
                               h.sections[s].bytes, l->sections[s].offset, l->sections[s].bytes)};
    }
  }
  return l;
}

}  // namespace tollgate::shm
