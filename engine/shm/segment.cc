#include "engine/shm/segment.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <utility>

namespace tollgate::shm {
namespace {

std::string errno_text(int e) {
  return std::strerror(e);
}

// Closes a descriptor at scope exit: the mapping outlives it.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

Result<uint8_t*> map(const std::string& name, int fd, uint64_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return Error{fmt::format("{}: mmap of {} bytes: {}", name, bytes, errno_text(errno))};
  return static_cast<uint8_t*>(p);
}

// A name with a directory is a file of our own; otherwise a POSIX shm object.
bool is_file(const std::string& name) {
  return name.find('/', 1) != std::string::npos;
}

int open_object(const std::string& name, int flags, mode_t mode) {
  return is_file(name) ? ::open(name.c_str(), flags | O_NOFOLLOW, mode)
                       : ::shm_open(name.c_str(), flags, mode);
}

int unlink_object(const std::string& name) {
  return is_file(name) ? ::unlink(name.c_str()) : ::shm_unlink(name.c_str());
}

// The directory of a file segment must be ours (or root's) and writable by nobody else: otherwise another
// user could take or swap the name.
Status check_directory(const std::string& name) {
  const std::string dir = name.substr(0, name.rfind('/'));
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return Error{fmt::format("{}: {}", dir, errno_text(errno))};
  if (!S_ISDIR(st.st_mode)) return Error{fmt::format("{}: not a directory", dir)};
  if (st.st_uid != ::geteuid() && st.st_uid != 0)
    return Error{fmt::format("{}: owned by uid {}, not by us or root: refusing it", dir, st.st_uid)};
  if ((st.st_mode & 022) != 0)
    return Error{fmt::format("{}: mode {:04o} lets other users create files in it: refusing it", dir,
                             st.st_mode & 07777)};
  return Ok{};
}

template <typename T>
T* construct_array(uint8_t* at, uint64_t count) {
  T* first = reinterpret_cast<T*>(at);
  for (uint64_t i = 0; i < count; ++i) new (first + i) T{};
  return first;
}

}  // namespace

std::string Segment::path_of(const std::string& name) {
  return is_file(name) ? name : "/dev/shm" + name;
}

Result<std::string> Segment::name_for(std::string_view prefix, std::string_view dir) {
  if (prefix.empty() || prefix.size() > 48) {
    return Error{fmt::format("segment prefix '{}' must be 1 to 48 characters", prefix)};
  }
  for (char c : prefix) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return Error{fmt::format("segment prefix '{}' may hold only a-z, 0-9 and '-'", prefix)};
    }
  }
  if (!dir.empty()) {
    if (dir.front() != '/') return Error{fmt::format("segment directory '{}' must be an absolute path", dir)};
    while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
    return fmt::format("{}/tollgate-{}", dir, prefix);
  }
  return fmt::format("/tollgate-{}", prefix);
}

Result<Segment> Segment::create(const std::string& name, const Capacities& caps) {
  Result<Layout> layout = compute_layout(caps);
  if (!layout) return Error{fmt::format("{}: {}", name, layout.error())};
  if (is_file(name)) {
    if (Status dir = check_directory(name); !dir) return Error{dir.error()};
  }
  if (unlink_object(name) != 0 && errno != ENOENT) {
    return Error{fmt::format("{}: removing the old segment: {}", name, errno_text(errno))};
  }
  // O_EXCL: were someone to recreate the name between the unlink and here, we fail rather than share it.
  FdCloser fd{open_object(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
  if (fd.fd < 0) return Error{fmt::format("{}: creating it: {}", name, errno_text(errno))};
  // The umask can only take bits away; fchmod makes 0600 exact and documents the intent.
  if (::fchmod(fd.fd, 0600) != 0 || ::ftruncate(fd.fd, static_cast<off_t>(layout->total_bytes)) != 0) {
    const int e = errno;
    unlink_object(name);
    return Error{fmt::format("{}: sizing to {} bytes: {}", name, layout->total_bytes, errno_text(e))};
  }
  Result<uint8_t*> base = map(name, fd.fd, layout->total_bytes);
  if (!base) {
    unlink_object(name);
    return Error{base.error()};
  }
  Segment s(name, base.value(), layout.value());
  s.initialise();
  return s;
}

void Segment::initialise() {
  SegmentHeader* h = new (base_) SegmentHeader{};
  new (&control()) ControlBlock{};
  control().dataplane_pid.store(static_cast<uint64_t>(::getpid()), std::memory_order_relaxed);
  const Capacities& c = layout_.capacities;
  const CoreRegionLayout& r = layout_.core;
  for (uint32_t k = 0; k < c.cores; ++k) {
    uint8_t* region = at(Section::kCores) + k * r.bytes;
    construct_array<CoreHeader>(region + r.header, 1);
    construct_array<CoreStats>(region + r.core, 1);
    construct_array<DefenceStats>(region + r.defences, 1);
    construct_array<ListenerStats>(region + r.listeners, c.listeners);
    construct_array<RefusalSamples>(region + r.refusals, c.listeners);
    construct_array<RuleStats>(region + r.rules, c.rules);
    construct_array<PoolStats>(region + r.pools, c.pools);
    construct_array<TargetStats>(region + r.targets, c.targets);
  }
  uint8_t* health = at(Section::kHealth);
  construct_array<HealthTableHeader>(health, 1);
  construct_array<std::atomic<uint64_t>>(health + layout_.health_pools, c.pools);
  construct_array<HealthEntry>(health + layout_.health_entries, c.targets);
  for (uint32_t i = 0; i < c.config_slots; ++i) {
    construct_array<ConfigSlotHeader>(at(Section::kConfig) + i * layout_.config_slot_bytes, 1);
  }
  for (uint32_t k = 0; k < c.cores; ++k) {
    construct_array<RingControl>(at(Section::kEvents) + k * layout_.event_ring_bytes, 1)->capacity =
        c.event_ring_slots;
    construct_array<RingControl>(at(Section::kCommands) + k * layout_.command_ring_bytes, 1)->capacity =
        c.command_ring_slots;
  }
  fill_header(*h, layout_, static_cast<uint64_t>(::getpid()));
  // Last, with release: an attacher that sees the magic sees everything above.
  h->magic.store(kMagic, std::memory_order_release);
}

Result<Segment> Segment::attach(const std::string& name) {
  FdCloser fd{open_object(name, O_RDWR | O_CLOEXEC, 0)};
  if (fd.fd < 0) {
    if (errno == ENOENT) return Error{fmt::format("{}: no such segment (is the dataplane running?)", name)};
    return Error{fmt::format("{}: opening it: {}", name, errno_text(errno))};
  }
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) return Error{fmt::format("{}: fstat: {}", name, errno_text(errno))};
  if (st.st_uid != ::geteuid()) {
    return Error{
        fmt::format("{}: owned by uid {}, not by us (uid {}): refusing it", name, st.st_uid, ::geteuid())};
  }
  if ((st.st_mode & 077) != 0) {
    return Error{
        fmt::format("{}: mode {:04o} lets other users open it: refusing it", name, st.st_mode & 07777)};
  }
  const auto bytes = static_cast<uint64_t>(st.st_size);
  if (bytes < kSectionAlign) {
    return Error{
        fmt::format("{}: {} bytes, smaller than its header page (not initialised yet?)", name, bytes)};
  }
  Result<uint8_t*> base = map(name, fd.fd, bytes);
  if (!base) return Error{base.error()};
  Result<Layout> layout = check_header(*reinterpret_cast<SegmentHeader*>(base.value()), bytes);
  if (!layout) {
    ::munmap(base.value(), bytes);
    return Error{fmt::format("{}: {}", name, layout.error())};
  }
  return Segment(name, base.value(), layout.value());
}

Status Segment::unlink(const std::string& name) {
  if (unlink_object(name) != 0) return Error{fmt::format("{}: unlink: {}", name, errno_text(errno))};
  return Ok{};
}

Segment::Segment(Segment&& other) noexcept
    : name_(std::move(other.name_)), base_(std::exchange(other.base_, nullptr)), layout_(other.layout_) {}

Segment& Segment::operator=(Segment&& other) noexcept {
  if (this != &other) {
    if (base_) ::munmap(base_, layout_.total_bytes);
    name_ = std::move(other.name_);
    base_ = std::exchange(other.base_, nullptr);
    layout_ = other.layout_;
  }
  return *this;
}

Segment::~Segment() {
  if (base_) ::munmap(base_, layout_.total_bytes);
}

ControlBlock& Segment::control() const {
  // The first page after the header, at the block's own alignment.
  constexpr uint64_t offset =
      (sizeof(SegmentHeader) + alignof(ControlBlock) - 1) / alignof(ControlBlock) * alignof(ControlBlock);
  return *reinterpret_cast<ControlBlock*>(base_ + offset);
}

CoreView Segment::core(uint32_t k) const {
  uint8_t* region = at(Section::kCores) + k * layout_.core.bytes;
  const CoreRegionLayout& r = layout_.core;
  return {reinterpret_cast<CoreHeader*>(region + r.header),
          reinterpret_cast<CoreStats*>(region + r.core),
          reinterpret_cast<DefenceStats*>(region + r.defences),
          reinterpret_cast<ListenerStats*>(region + r.listeners),
          reinterpret_cast<RefusalSamples*>(region + r.refusals),
          reinterpret_cast<RuleStats*>(region + r.rules),
          reinterpret_cast<PoolStats*>(region + r.pools),
          reinterpret_cast<TargetStats*>(region + r.targets),
          layout_.capacities};
}

HealthView Segment::health() const {
  uint8_t* h = at(Section::kHealth);
  return {reinterpret_cast<HealthTableHeader*>(h),
          reinterpret_cast<std::atomic<uint64_t>*>(h + layout_.health_pools),
          reinterpret_cast<HealthEntry*>(h + layout_.health_entries), layout_.capacities.pools,
          layout_.capacities.targets};
}

ConfigView Segment::config() const {
  return {at(Section::kConfig), layout_.config_slot_bytes, layout_.capacities.config_slots,
          layout_.capacities.config_slot_bytes};
}

RingView Segment::events(uint32_t k) const {
  uint8_t* r = at(Section::kEvents) + k * layout_.event_ring_bytes;
  return {reinterpret_cast<RingControl*>(r), reinterpret_cast<Message*>(r + sizeof(RingControl)),
          layout_.capacities.event_ring_slots};
}

RingView Segment::commands(uint32_t k) const {
  uint8_t* r = at(Section::kCommands) + k * layout_.command_ring_bytes;
  return {reinterpret_cast<RingControl*>(r), reinterpret_cast<Message*>(r + sizeof(RingControl)),
          layout_.capacities.command_ring_slots};
}

}  // namespace tollgate::shm
