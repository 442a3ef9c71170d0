#include "controlplane/management_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace tollgate::controlplane {
namespace {

constexpr size_t kMaxHead = 8192;
constexpr size_t kMaxClients = 32;
// A client that has not sent its head by then is dropped, so a stuck one cannot hold a slot for ever.
constexpr std::chrono::seconds kClientTimeout{5};

std::string reply(std::string_view status, std::string_view content_type, std::string_view body,
                  bool with_body = true) {
  return fmt::format("HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                     status, content_type, body.size(), with_body ? body : std::string_view());
}

}  // namespace

std::string metrics_http_response(std::string_view head, const MetricsServer::Render& render) {
  const size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.substr(sp2 + 1).substr(0, 5) != "HTTP/") {
    return reply("400 Bad Request", "text/plain", "bad request\n");
  }
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  target = target.substr(0, target.find('?'));
  if (method != "GET" && method != "HEAD") {
    return reply("405 Method Not Allowed", "text/plain", "only GET\n");
  }
  if (target != "/metrics") return reply("404 Not Found", "text/plain", "metrics are at /metrics\n");
  return reply("200 OK", "text/plain; version=0.0.4; charset=utf-8", render(), method == "GET");
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::listen(net::Ipv4Address ip, uint16_t port,
                                                             Render render) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return Error{fmt::format("socket: {}", std::strerror(errno))};
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(ip.value);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 || ::listen(fd.get(), 64) != 0) {
    return Error{fmt::format("cannot listen on {}:{}: {}", ip.to_string(), port, std::strerror(errno))};
  }
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(fd), std::move(render)));
}

size_t MetricsServer::add_fds(std::vector<pollfd>& fds) const {
  fds.push_back({listener_.get(), POLLIN, 0});
  for (const Client& c : clients_) {
    fds.push_back({c.fd.get(), static_cast<short>(c.out.empty() ? POLLIN : POLLOUT), 0});
  }
  return 1 + clients_.size();
}

void MetricsServer::service(std::span<const pollfd> fds) {
  const auto now = std::chrono::steady_clock::now();
  size_t i = 1;
  for (auto it = clients_.begin(); it != clients_.end(); ++i) {
    Client& c = *it;
    const short ev = i < fds.size() ? fds[i].revents : 0;
    bool keep = now < c.deadline;
    if (keep && c.out.empty() && (ev & (POLLIN | POLLHUP | POLLERR))) {
      char buf[4096];
      const ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, 0);
      if (n > 0) {
        c.in.append(buf, static_cast<size_t>(n));
        if (c.in.find("\r\n\r\n") != std::string::npos || c.in.size() > kMaxHead) answer(c);
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        keep = false;
      }
    }
    if (keep && !c.out.empty()) {
      const ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n > 0) c.out.erase(0, static_cast<size_t>(n));
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || c.out.empty()) keep = false;
    }
    it = keep ? std::next(it) : clients_.erase(it);
  }
  if (!fds.empty() && (fds[0].revents & POLLIN)) {
    for (;;) {
      Fd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
      if (!fd) break;
      if (clients_.size() < kMaxClients)
        clients_.push_back(Client{std::move(fd), {}, {}, now + kClientTimeout});
    }
  }
}

void MetricsServer::answer(Client& c) {
  c.out = c.in.size() > kMaxHead && c.in.find("\r\n\r\n") == std::string::npos
              ? std::string(
                    "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n"
                    "Connection: close\r\n\r\n")
              : metrics_http_response(c.in, render_);
}

}  // namespace tollgate::controlplane
