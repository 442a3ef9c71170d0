#include "dataplane/access_log_writer.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dataplane/append_file.h"
#include "engine/common/log.h"

namespace tollgate::dataplane {

Result<std::unique_ptr<AccessLogWriter>> AccessLogWriter::open(std::string path,
                                                               std::vector<proxy::AccessLogRing*> rings,
                                                               proxy::AccessLogNames names) {
  const int fd = open_for_append(path);
  if (fd < 0) return Error{"access log '" + path + "': cannot open for append: " + std::strerror(errno)};
  std::erase(rings, nullptr);
  return std::unique_ptr<AccessLogWriter>(
      new AccessLogWriter(std::move(path), fd, std::move(rings), std::move(names)));
}

AccessLogWriter::AccessLogWriter(std::string path, int fd, std::vector<proxy::AccessLogRing*> rings,
                                 proxy::AccessLogNames names)
    : path_(std::move(path)), fd_(fd), rings_(std::move(rings)), batch_(kBatch) {
  buffer_.reserve(kFlushBytes + 4096);
  names_[0] = std::make_shared<const proxy::AccessLogNames>(std::move(names));
  added_ = names_;
}

void AccessLogWriter::add_names(uint64_t generation, proxy::AccessLogNames names) {
  std::lock_guard lock(names_mutex_);
  added_[static_cast<uint32_t>(generation)] = std::make_shared<const proxy::AccessLogNames>(std::move(names));
  while (added_.size() > kNameGenerations) added_.erase(added_.begin());
  added_version_.fetch_add(1, std::memory_order_release);
}

const proxy::AccessLogNames& AccessLogWriter::names_for(uint32_t generation) {
  const auto at = names_.upper_bound(generation);  // the newest generation not after the record's
  return at == names_.begin() ? *at->second : *std::prev(at)->second;
}

AccessLogWriter::~AccessLogWriter() {
  stop();
  ::close(fd_);
}

void AccessLogWriter::start() {
  thread_ = std::thread([this] { run(); });
}

void AccessLogWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopping_ = true;
    stopped_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) {
    thread_.join();  // the thread drains once more on its way out
  } else {
    drain();
  }
}

void AccessLogWriter::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    drain();
    lock.lock();
    wake_.wait_for(lock, kDrainInterval, [this] { return stopping_; });
  }
  lock.unlock();
  drain();
}

size_t AccessLogWriter::drain() {
  if (reopen_requested_.exchange(false, std::memory_order_relaxed)) reopen_now();
  if (const uint64_t v = added_version_.load(std::memory_order_acquire); v != names_version_) {
    std::lock_guard lock(names_mutex_);
    names_ = added_;
    names_version_ = v;
  }
  size_t taken = 0;
  for (proxy::AccessLogRing* ring : rings_) {
    // At most one ring's worth per round: a core pushing as fast as we pop must not starve the others.
    for (size_t left = ring->capacity(); left > 0;) {
      const size_t n = ring->pop(batch_.data(), std::min(left, kBatch));
      if (n == 0) break;
      for (size_t i = 0; i < n; ++i)
        proxy::format_access_line(batch_[i], names_for(batch_[i].config_generation), buffer_);
      buffered_lines_ += n;
      taken += n;
      left -= n;
      if (buffer_.size() >= kFlushBytes) flush();
    }
  }
  flush();
  return taken;
}

// One write() for the whole buffer; a short write (a signal, a nearly full disk) continues where it
// stopped. Lines not written after an error are counted as lost, never retried: retrying a full disk
// would only make the rings overflow instead.
void AccessLogWriter::flush() {
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int why = n < 0 ? errno : ENOSPC;
      const auto lost = static_cast<uint64_t>(
          std::count(buffer_.begin() + static_cast<ptrdiff_t>(done), buffer_.end(), '\n'));
      written_.add(buffered_lines_ - lost);
      lost_in_write_.add(lost);
      if (!failing_) {
        log_error("access log '{}': write failed, dropping lines until it works again: {}", path_,
                  std::strerror(why));
      }
      failing_ = true;
      buffer_.clear();
      buffered_lines_ = 0;
      return;
    }
    done += static_cast<size_t>(n);
  }
  written_.add(buffered_lines_);
  failing_ = failing_ && buffer_.empty();
  buffer_.clear();
  buffered_lines_ = 0;
}

void AccessLogWriter::reopen_now() {
  flush();
  const int fd = open_for_append(path_);
  if (fd < 0) {
    log_error("access log '{}': cannot reopen, still writing to the old file: {}", path_,
              std::strerror(errno));
    return;
  }
  ::close(fd_);
  fd_ = fd;
}

uint64_t AccessLogWriter::dropped() const {
  uint64_t n = lost_in_write_.get();
  for (const proxy::AccessLogRing* ring : rings_) n += ring->dropped();
  return n;
}

}  // namespace tollgate::dataplane
