#include "engine/shm/layout.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <string>

#include "engine/shm/segment.h"
#include "engine/shm/worker_port.h"
#include "tests/unit/shm/test_segment.h"

namespace tollgate::shm {
namespace {

// Every per-core record sits on its own cache lines: no two writers (cores) and no two entities share one.
static_assert(alignof(CoreStats) == kCacheLine && sizeof(CoreStats) % kCacheLine == 0);
static_assert(alignof(ListenerStats) == kCacheLine && sizeof(ListenerStats) % kCacheLine == 0);
static_assert(alignof(RuleStats) == kCacheLine && sizeof(RuleStats) % kCacheLine == 0);
static_assert(alignof(PoolStats) == kCacheLine && sizeof(PoolStats) % kCacheLine == 0);
static_assert(alignof(TargetStats) == kCacheLine && sizeof(TargetStats) % kCacheLine == 0);
static_assert(alignof(DefenceStats) == kCacheLine && sizeof(DefenceStats) % kCacheLine == 0);
static_assert(sizeof(RefusalSamples) == kCacheLine);
static_assert(sizeof(LatencyHistogram) == 5 * kCacheLine);
static_assert(sizeof(CoreHeader) == kCacheLine && sizeof(ConfigSlotHeader) == kCacheLine);
// The ring's indices are on separate lines: the producer's stores never invalidate the consumer's line.
static_assert(offsetof(RingControl, tail) - offsetof(RingControl, head) == kCacheLine);
static_assert(sizeof(Message) == 2 * kCacheLine);
// Header and control block fit the first page; the control plane's and the dataplane's lines differ.
static_assert(sizeof(SegmentHeader) + sizeof(ControlBlock) <= kSectionAlign);
static_assert(offsetof(ControlBlock, dataplane) - offsetof(ControlBlock, config_published) >= kCacheLine);

TEST(Layout, SectionsArePageAlignedAndInOrder) {
  Result<Layout> l = compute_layout(small_capacities());
  ASSERT_TRUE(l) << l.error();
  uint64_t end = kSectionAlign;
  for (const SectionExtent& s : l->sections) {
    EXPECT_EQ(s.offset % kSectionAlign, 0u);
    EXPECT_EQ(s.offset, end);
    EXPECT_GT(s.bytes, 0u);
    end = s.offset + s.bytes;
  }
  EXPECT_EQ(l->total_bytes, end);
  EXPECT_EQ(l->core.bytes % kSectionAlign, 0u);
  for (uint64_t off : {l->core.header, l->core.core, l->core.defences, l->core.listeners, l->core.refusals,
                       l->core.rules, l->core.pools, l->core.targets}) {
    EXPECT_EQ(off % kCacheLine, 0u);
  }
  EXPECT_GE(l->core.bytes, l->core.targets + 16 * sizeof(TargetStats));
  EXPECT_EQ(l->event_ring_bytes, sizeof(RingControl) + 64 * sizeof(Message));
  EXPECT_GE(l->section(Section::kEvents).bytes, 2 * l->event_ring_bytes);
  EXPECT_LT(l->section(Section::kEvents).bytes, 2 * l->event_ring_bytes + kSectionAlign);
}

TEST(Layout, RefusesUnusableCapacities) {
  Capacities c = small_capacities();
  c.cores = 0;
  EXPECT_NE(compute_layout(c).error().find("cores = 0"), std::string::npos);
  c = small_capacities();
  c.event_ring_slots = 100;
  EXPECT_NE(compute_layout(c).error().find("powers of two"), std::string::npos);
  c = small_capacities();
  c.config_slots = 1;
  EXPECT_NE(compute_layout(c).error().find("at least 2"), std::string::npos);
  c = small_capacities();
  c.targets = kMaxCapacities.targets + 1;
  EXPECT_NE(compute_layout(c).error().find("targets"), std::string::npos);
}

TEST(Segment, NameFromPrefix) {
  EXPECT_EQ(Segment::name_for("tg").value(), "/tollgate-tg");
  EXPECT_FALSE(Segment::name_for(""));
  EXPECT_FALSE(Segment::name_for("../etc"));
  EXPECT_FALSE(Segment::name_for("Upper"));
  EXPECT_FALSE(Segment::name_for(std::string(49, 'a')));
}

TEST(Segment, CreateThenAttachSeeTheSameMemory) {
  ScopedName name;
  Result<Segment> made = Segment::create(name.str(), small_capacities());
  ASSERT_TRUE(made) << made.error();
  Result<Segment> attached = Segment::attach(name.str());
  ASSERT_TRUE(attached) << attached.error();
  EXPECT_EQ(attached->capacities(), small_capacities());
  EXPECT_EQ(attached->bytes(), made->bytes());
  EXPECT_EQ(attached->control().dataplane_pid.load(), static_cast<uint64_t>(::getpid()));
  WorkerPort worker(made.value(), 1);
  worker.target(15)[TargetCounter::kRequests].add(7);
  EXPECT_EQ(attached->core(1).targets[15][TargetCounter::kRequests].get(), 7u);
  EXPECT_EQ(attached->events(1).control->capacity, 64u);
}

TEST(Segment, IsPrivateToItsOwnerWhateverTheUmask) {
  ScopedName name;
  const mode_t old = ::umask(0);
  Result<Segment> made = Segment::create(name.str(), small_capacities());
  ::umask(old);
  ASSERT_TRUE(made) << made.error();
  struct stat st {};
  ASSERT_EQ(::stat(("/dev/shm" + name.str()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(Segment, AttachRefusesASegmentOthersCanOpen) {
  ScopedName name;
  Result<Segment> made = Segment::create(name.str(), small_capacities());
  ASSERT_TRUE(made);
  ASSERT_EQ(::chmod(("/dev/shm" + name.str()).c_str(), 0644), 0);
  Result<Segment> attached = Segment::attach(name.str());
  ASSERT_FALSE(attached);
  EXPECT_NE(attached.error().find("other users"), std::string::npos) << attached.error();
}

TEST(Segment, AttachToNothingSaysSo) {
  ScopedName name;
  Result<Segment> attached = Segment::attach(name.str());
  ASSERT_FALSE(attached);
  EXPECT_NE(attached.error().find("no such segment"), std::string::npos) << attached.error();
}

// Each case corrupts one thing in a fresh segment and expects attach to refuse it, naming the problem.
struct Corruption {
  const char* what;
  void (*apply)(Segment&);
  std::string expected;
};

const Corruption kCorruptions[] = {
    {"magic", [](Segment& s) { s.header().magic.store(0x1234); }, "not a Tollgate segment"},
    {"unfinished", [](Segment& s) { s.header().magic.store(0); }, "not initialised yet"},
    {"version", [](Segment& s) { s.header().abi_version = kAbiVersion + 1; },
     "ABI version " + std::to_string(kAbiVersion + 1) + " but this build speaks version " +
         std::to_string(kAbiVersion)},
    {"header size", [](Segment& s) { s.header().header_bytes += 8; }, "header is"},
    {"record size", [](Segment& s) { s.header().records.target_stats += 64; }, "record sizes"},
    {"defence record size", [](Segment& s) { s.header().records.defence_stats += 64; }, "record sizes"},
    // Another build with one more defence counter, whatever the record's size.
    {"defence counters", [](Segment& s) { s.header().records.defence_counters += 1; }, "record sizes"},
    {"total", [](Segment& s) { s.header().total_bytes += kSectionAlign; }, "size mismatch"},
    {"capacity", [](Segment& s) { s.header().capacities.cores = 100000; }, "capacities"},
    {"capacity changed", [](Segment& s) { s.header().capacities.targets = 1000; }, "size mismatch"},
    {"section", [](Segment& s) { s.header().sections[2].offset += kSectionAlign; }, "section config"},
    {"object size",
     [](Segment& s) {
       const int fd = ::shm_open(s.name().c_str(), O_RDWR, 0);
       ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(s.bytes() + kSectionAlign)), 0);
       ::close(fd);
     },
     "size mismatch"},
};

TEST(Segment, AttachRefusesAMismatchingLayout) {
  for (const Corruption& c : kCorruptions) {
    SCOPED_TRACE(c.what);
    ScopedName name;
    Result<Segment> made = Segment::create(name.str(), small_capacities());
    ASSERT_TRUE(made);
    c.apply(made.value());
    Result<Segment> attached = Segment::attach(name.str());
    ASSERT_FALSE(attached);
    EXPECT_NE(attached.error().find(c.expected), std::string::npos) << attached.error();
    EXPECT_EQ(attached.error().rfind(name.str(), 0), 0u) << "the message names the segment";
  }
}

TEST(Segment, CreateReplacesAStaleSegment) {
  ScopedName name;
  Result<Segment> old = Segment::create(name.str(), small_capacities());
  ASSERT_TRUE(old);
  old->core(0).core->counters[0].add(5);
  Capacities bigger = small_capacities();
  bigger.cores = 3;
  Result<Segment> fresh = Segment::create(name.str(), bigger);
  ASSERT_TRUE(fresh) << fresh.error();
  Result<Segment> attached = Segment::attach(name.str());
  ASSERT_TRUE(attached);
  EXPECT_EQ(attached->capacities().cores, 3u);
  EXPECT_EQ(attached->core(0).core->counters[0].get(), 0u);
  EXPECT_EQ(old->core(0).core->counters[0].get(), 5u);  // the old mapping lives on, apart
}

}  // namespace
}  // namespace tollgate::shm
