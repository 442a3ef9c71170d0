// The management endpoint: a minimal HTTP/1.1 server for Prometheus (GET /metrics), on the configured
// address only. Each connection gets one answer and is closed; requests are tiny and scrapes rare, so
// non-blocking I/O in the control plane's poll loop is all it needs.
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <string>

#include "controlplane/poll_source.h"
#include "controlplane/unix_socket.h"
#include "engine/net/addresses.h"

namespace tollgate::controlplane {

class MetricsServer : public PollSource {
 public:
  using Render = std::function<std::string()>;  // the exposition text

  static Result<std::unique_ptr<MetricsServer>> listen(net::Ipv4Address ip, uint16_t port, Render render);

  size_t add_fds(std::vector<pollfd>& fds) const override;
  void service(std::span<const pollfd> fds) override;

 private:
  struct Client {
    Fd fd;
    std::string in;
    std::string out;
    std::chrono::steady_clock::time_point deadline;
  };
  MetricsServer(Fd fd, Render render) : listener_(std::move(fd)), render_(std::move(render)) {}
  void answer(Client& c);

  Fd listener_;
  Render render_;
  std::list<Client> clients_;
};

// The response to one request head (pure, for tests): 200 with the metrics for GET/HEAD /metrics, 404 for
// other paths, 405 for other methods, 400 for what is not an HTTP request line.
std::string metrics_http_response(std::string_view head, const MetricsServer::Render& render);

}  // namespace tollgate::controlplane
