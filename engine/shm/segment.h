// The mapping of one shared segment: made by the dataplane, attached by the control plane (and by the
// dataplane's tests). This is the control-path part: shm_open, mmap, the header checks. The typed views
// it hands out (segment_views.h) are what WorkerPort and Controller work on.
//
// Where: POSIX shared memory, `/dev/shm/tollgate-<prefix>` by shm_open. It is tmpfs (nothing reaches a
// disk, and the control plane's private data — ticket keys, later — never lands in a file that survives a
// reboot), it needs no run directory to exist first, and a restarted control plane finds it by name. Mode
// 0600 whatever the umask, and an attacher refuses a segment another user owns or others can open.
//
// Or, given a directory (`--segment-dir`, the systemd units' /run/tollgate): a file `DIR/tollgate-<prefix>`
// on that directory's tmpfs. /dev/shm is writable by every local user, who could take the name first and
// keep a dataplane that runs as an unprivileged user from starting (it may not remove another user's file
// there); a directory only the service user can write has no such hole. Such a directory must not be
// writable by anyone else (create refuses it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/common/result.h"
#include "engine/shm/layout.h"
#include "engine/shm/segment_views.h"

namespace tollgate::shm {

class Segment {
 public:
  // "/tollgate-<prefix>"; the prefix is 1-48 characters of [a-z0-9-] (the lab's --prefix, a test's pid).
  // With `dir`: "DIR/tollgate-<prefix>", a file there.
  static Result<std::string> name_for(std::string_view prefix, std::string_view dir = {});
  // Where the object behind a name lives in the file system (for stat): the file, or /dev/shm/<name>.
  static std::string path_of(const std::string& name);

  // Dataplane: a fresh, zeroed and initialised segment for `caps`. An old segment of the same name — left
  // by a dataplane that died — is unlinked first: one dataplane per prefix (the lab's PID files ensure it).
  // Every page is touched here, so workers never page-fault on it later.
  static Result<Segment> create(const std::string& name, const Capacities& caps);
  // Either side: an existing segment, checked (owner, mode, magic, ABI version, sizes, section table).
  static Result<Segment> attach(const std::string& name);
  // Removes the name; mappings stay valid until unmapped. The dataplane calls it when it stops.
  static Status unlink(const std::string& name);

  Segment(Segment&& other) noexcept;
  Segment& operator=(Segment&& other) noexcept;
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;
  ~Segment();  // unmaps; never unlinks

  const std::string& name() const { return name_; }
  const Layout& layout() const { return layout_; }
  const Capacities& capacities() const { return layout_.capacities; }
  uint64_t bytes() const { return layout_.total_bytes; }

  SegmentHeader& header() const { return *reinterpret_cast<SegmentHeader*>(base_); }
  ControlBlock& control() const;
  CoreView core(uint32_t core) const;
  HealthView health() const;
  ConfigView config() const;
  RingView events(uint32_t core) const;    // worker → control plane
  RingView commands(uint32_t core) const;  // control plane → worker

 private:
  Segment(std::string name, uint8_t* base, const Layout& layout)
      : name_(std::move(name)), base_(base), layout_(layout) {}
  void initialise();  // constructs every record in place (creator only)
  uint8_t* at(Section s) const { return base_ + layout_.section(s).offset; }

  std::string name_;
  uint8_t* base_ = nullptr;
  Layout layout_;
};

}  // namespace tollgate::shm
