#include "controlplane/socket_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "engine/common/log.h"

namespace tollgate::controlplane {
namespace {

// Only the socket's owner (and root) may talk to it. The file mode already says so; the peer's credentials
// are checked too, so a socket file whose mode someone loosened still refuses other users.
bool peer_allowed(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return false;
  return cred.uid == 0 || cred.uid == ::geteuid();
}

// More clients than this are refused: the operator's CLI opens one at a time.
constexpr size_t kMaxClients = 64;

}  // namespace

Result<std::unique_ptr<SocketServer>> SocketServer::listen(const std::string& path, Handler handler) {
  Result<Fd> fd = listen_unix(path);
  if (!fd) return Error{fd.error()};
  struct stat st {};
  ::stat(path.c_str(), &st);
  return std::unique_ptr<SocketServer>(
      new SocketServer(std::move(fd.value()), path, st.st_ino, std::move(handler)));
}

SocketServer::~SocketServer() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && st.st_ino == inode_) ::unlink(path_.c_str());
}

size_t SocketServer::add_fds(std::vector<pollfd>& fds) const {
  fds.push_back({listener_.get(), POLLIN, 0});
  for (const Client& c : clients_) {
    fds.push_back({c.fd.get(), static_cast<short>(c.out.empty() ? POLLIN : POLLIN | POLLOUT), 0});
  }
  return 1 + clients_.size();
}

void SocketServer::service(std::span<const pollfd> fds) {
  // Clients first (their positions match add_fds), then new connections.
  size_t i = 1;
  for (auto it = clients_.begin(); it != clients_.end(); ++i) {
    const short ev = i < fds.size() ? fds[i].revents : 0;
    bool keep = true;
    if (ev & (POLLIN | POLLHUP | POLLERR)) keep = read_requests(*it);
    if (keep && !it->out.empty()) keep = write_responses(*it);
    if (keep && it->close_after_write && it->out.empty()) keep = false;
    it = keep ? std::next(it) : clients_.erase(it);
  }
  if (!fds.empty() && (fds[0].revents & POLLIN)) accept_all();
}

void SocketServer::accept_all() {
  for (;;) {
    Fd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) return;
    if (!peer_allowed(fd.get())) {
      log_warning("operator socket: refused a connection from another user");
      continue;
    }
    if (clients_.size() >= kMaxClients) {
      log_warning("operator socket: {} clients connected; refusing another", clients_.size());
      continue;
    }
    clients_.push_back(Client{std::move(fd), {}, {}, false});
  }
}

bool SocketServer::read_requests(Client& c) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, 0);
    if (n == 0) return !c.out.empty();  // the peer is done sending; finish writing what it asked for
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return false;
    }
    c.in.append(buf, static_cast<size_t>(n));
    if (c.in.size() > kMaxLineBytes && c.in.find('\n') == std::string::npos) {
      c.out += encode_response(CtlResponse::failure("request line too long"));
      c.in.clear();
      c.close_after_write = true;
      break;
    }
  }
  size_t start = 0;
  for (size_t nl; (nl = c.in.find('\n', start)) != std::string::npos; start = nl + 1) {
    const std::string_view line(c.in.data() + start, nl - start);
    if (line.empty()) continue;
    Result<CtlRequest> req = decode_request(line);
    c.out += encode_response(req ? handler_(req.value())
                                 : CtlResponse::failure(fmt::format("bad request: {}", req.error())));
  }
  c.in.erase(0, start);
  return true;
}

bool SocketServer::write_responses(Client& c) {
  while (!c.out.empty()) {
    const ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    c.out.erase(0, static_cast<size_t>(n));
  }
  return true;
}

}  // namespace tollgate::controlplane
