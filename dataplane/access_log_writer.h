// The access-log writer: a thread of its own that drains every worker's AccessLogRing about every 20 ms,
// turns the records into JSON lines and appends each batch to the file with one write(). Workers only ever
// push into their ring; whatever happens to the file (slow disk, full disk, rotation) costs them at most
// dropped records, counted.
//
// No DPDK here: the writer takes plain ring pointers and names, so unit tests drive it with rings of their
// own and a temporary file.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/common/counter.h"
#include "engine/common/result.h"
#include "engine/proxy/access_log_format.h"
#include "engine/proxy/access_log_ring.h"

namespace tollgate::dataplane {

class AccessLogWriter {
 public:
  // How often the thread drains the rings: often enough that a ring of a few thousand records absorbs a
  // core's burst, rarely enough that the thread costs nothing when traffic is light.
  static constexpr auto kDrainInterval = std::chrono::milliseconds(20);

  // Opens `path` for append (see append_file.h). `rings` are the workers' rings (null entries are skipped)
  // and must outlive the writer; `names` resolve the listener and pool indices records of the start-up
  // config (generation 0) carry.
  static Result<std::unique_ptr<AccessLogWriter>> open(std::string path,
                                                       std::vector<proxy::AccessLogRing*> rings,
                                                       proxy::AccessLogNames names);
  ~AccessLogWriter();  // stop()
  AccessLogWriter(const AccessLogWriter&) = delete;
  AccessLogWriter& operator=(const AccessLogWriter&) = delete;

  // Starts the thread. Once.
  void start();
  // Stops the thread and drains what the rings still hold (call it after the workers stopped, so nothing
  // is left behind). Without a thread, just drains. Idempotent.
  void stop();
  // Asks for the file to be opened again by name at the next drain, after a rotation moved it away. Any
  // thread (main calls it on SIGHUP). When the new open fails the writer keeps the old file and says why
  // on stderr.
  void reopen() { reopen_requested_.store(true, std::memory_order_relaxed); }
  // The names of config generation `generation`, before any worker logs a record of it (any thread; main
  // calls it before offering the generation). Records name entities from their own generation's config,
  // so a request that finishes on an old generation during a reload is logged with that config's names.
  // The newest kNameGenerations are kept; a record of an older one is named by the oldest kept.
  void add_names(uint64_t generation, proxy::AccessLogNames names);
  static constexpr size_t kNameGenerations = 16;

  // One round of the thread's work: every ring drained once (at most one ring's capacity each, so a busy
  // core cannot keep the others waiting), lines written. Returns the records taken. Only from the writer
  // thread, or from the owner while no thread runs (tests, stop()).
  size_t drain();

  // Lines appended to the file.
  uint64_t written() const { return written_.get(); }
  // Records lost: refused by a full ring, or formatted but not written because write() failed.
  uint64_t dropped() const;

 private:
  AccessLogWriter(std::string path, int fd, std::vector<proxy::AccessLogRing*> rings,
                  proxy::AccessLogNames names);
  void run();
  void flush();
  void reopen_now();

  static constexpr size_t kBatch = 64;               // records popped at a time
  static constexpr size_t kFlushBytes = 256 * 1024;  // write() once this much is formatted

  const std::string path_;
  int fd_;
  const std::vector<proxy::AccessLogRing*> rings_;
  const proxy::AccessLogNames& names_for(uint32_t generation);
  // By the record's generation (AccessRecord::config_generation, 32 bits). names_ is the writer thread's
  // copy, refreshed from added_ when added_version_ moved.
  std::map<uint32_t, std::shared_ptr<const proxy::AccessLogNames>> names_;
  std::mutex names_mutex_;  // guards added_
  std::map<uint32_t, std::shared_ptr<const proxy::AccessLogNames>> added_;
  std::atomic<uint64_t> added_version_{0};
  uint64_t names_version_ = 0;
  std::vector<proxy::AccessRecord> batch_;  // kBatch records, allocated once
  std::string buffer_;                      // formatted lines not yet written
  size_t buffered_lines_ = 0;
  bool failing_ = false;  // the last write failed: report the next failure only after a success
  Counter written_;
  Counter lost_in_write_;
  std::atomic<bool> reopen_requested_{false};
  std::mutex mutex_;  // guards stopping_; the thread sleeps on wake_ between drains
  std::condition_variable wake_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace tollgate::dataplane
