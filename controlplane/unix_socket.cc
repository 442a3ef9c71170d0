#include "controlplane/unix_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace tollgate::controlplane {
namespace {

Result<sockaddr_un> address_of(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a.sun_path) {
    return Error{fmt::format("socket path '{}' must be 1 to {} bytes", path, sizeof a.sun_path - 1)};
  }
  std::memcpy(a.sun_path, path.data(), path.size());
  return a;
}

Result<Fd> connect_unix(const sockaddr_un& a) {
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Error{fmt::format("socket: {}", std::strerror(errno))};
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    return Error{std::strerror(errno)};
  }
  return fd;
}

}  // namespace

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = o.release();
  }
  return *this;
}

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<Fd> listen_unix(const std::string& path) {
  Result<sockaddr_un> a = address_of(path);
  if (!a) return Error{a.error()};
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return Error{fmt::format("'{}' exists and is not a socket", path)};
    if (connect_unix(a.value())) {
      return Error{fmt::format("'{}' is served by a running control plane; stop it first", path)};
    }
    // Nobody answers: the socket of a control plane that died. Ours replaces it.
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return Error{fmt::format("cannot remove the stale socket '{}': {}", path, std::strerror(errno))};
    }
  }
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return Error{fmt::format("socket: {}", std::strerror(errno))};
  // The umask makes the file owner-only from the moment it exists (chmod afterwards would leave a window).
  const mode_t old_mask = ::umask(0177);
  const int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a.value()), sizeof a.value());
  const int bind_errno = errno;
  ::umask(old_mask);
  if (rc != 0) return Error{fmt::format("cannot bind '{}': {}", path, std::strerror(bind_errno))};
  if (::chmod(path.c_str(), 0600) != 0 || ::listen(fd.get(), 16) != 0) {
    return Error{fmt::format("cannot listen on '{}': {}", path, std::strerror(errno))};
  }
  return fd;
}

Result<CtlConnection> CtlConnection::open(const std::string& path) {
  Result<sockaddr_un> a = address_of(path);
  if (!a) return Error{a.error()};
  Result<Fd> fd = connect_unix(a.value());
  if (!fd) {
    return Error{
        fmt::format("cannot reach the control plane at {}: {} (is tollgate-controlplane running? "
                    "--socket names another path)",
                    path, fd.error())};
  }
  return CtlConnection(std::move(fd.value()));
}

Result<CtlResponse> CtlConnection::call(const CtlRequest& request, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto wait = [&](short events) -> Status {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd_.get(), events, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      return Error{fmt::format("no answer from the control plane within {} ms", timeout.count())};
    }
    return Ok{};
  };
  const std::string out = encode_request(request);
  for (size_t sent = 0; sent < out.size();) {
    if (Status s = wait(POLLOUT); !s) return Error{s.error()};
    const ssize_t n = ::send(fd_.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EINTR && errno != EAGAIN)
      return Error{fmt::format("send: {}", std::strerror(errno))};
    if (n > 0) sent += static_cast<size_t>(n);
  }
  size_t newline;
  while ((newline = pending_.find('\n')) == std::string::npos) {
    if (pending_.size() > kMaxLineBytes) return Error{"the control plane's answer is too long"};
    if (Status s = wait(POLLIN); !s) return Error{s.error()};
    char buf[65536];
    const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n == 0) return Error{"the control plane closed the connection without answering"};
    if (n < 0 && errno != EINTR && errno != EAGAIN)
      return Error{fmt::format("recv: {}", std::strerror(errno))};
    if (n > 0) pending_.append(buf, static_cast<size_t>(n));
  }
  const std::string line = pending_.substr(0, newline);
  pending_.erase(0, newline + 1);
  Result<CtlResponse> r = decode_response(line);
  if (!r) return Error{fmt::format("the control plane's answer is malformed: {}", r.error())};
  return r;
}

}  // namespace tollgate::controlplane
