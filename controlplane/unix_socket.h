// UNIX stream sockets for the operator socket: the server's listening end (owner-only, refusing a path
// another control plane still serves, replacing one a dead control plane left) and the client's
// request/response exchange.
#pragma once

#include <chrono>
#include <string>

#include "controlplane/ctl_protocol.h"
#include "engine/common/result.h"

namespace tollgate::controlplane {

// A file descriptor closed when it goes.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset();
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Listens on `path`, non-blocking, mode 0600. A path that exists is refused when something answers on it
// (another control plane is live) or when it is not a socket; a socket nobody answers on is stale (its
// control plane died, e.g. kill -9) and is replaced.
Result<Fd> listen_unix(const std::string& path);

// Client: connects, sends one request, reads one response line; `timeout` bounds the whole exchange.
class CtlConnection {
 public:
  static Result<CtlConnection> open(const std::string& path);
  Result<CtlResponse> call(const CtlRequest& request, std::chrono::milliseconds timeout);

 private:
  explicit CtlConnection(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
  std::string pending_;  // bytes read past the last response line
};

}  // namespace tollgate::controlplane
