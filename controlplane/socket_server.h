// The operator socket: accepts tollgatectl connections, reads request lines, answers each with the
// handler's response line. Non-blocking, driven by the control plane's poll loop (poll_source.h).
#pragma once

#include <sys/types.h>

#include <functional>
#include <list>
#include <string>

#include "controlplane/ctl_protocol.h"
#include "controlplane/poll_source.h"
#include "controlplane/unix_socket.h"

namespace tollgate::controlplane {

class SocketServer : public PollSource {
 public:
  using Handler = std::function<CtlResponse(const CtlRequest&)>;

  // Listens on `path` (listen_unix: 0600, stale sockets replaced, live ones refused).
  static Result<std::unique_ptr<SocketServer>> listen(const std::string& path, Handler handler);
  // Removes the socket file, unless another control plane has replaced it since.
  ~SocketServer() override;

  size_t add_fds(std::vector<pollfd>& fds) const override;
  void service(std::span<const pollfd> fds) override;

 private:
  struct Client {
    Fd fd;
    std::string in;
    std::string out;
    bool close_after_write = false;
  };

  SocketServer(Fd listener, std::string path, ino_t inode, Handler handler)
      : listener_(std::move(listener)), path_(std::move(path)), inode_(inode), handler_(std::move(handler)) {}
  void accept_all();
  // Reads what is there and answers every complete line; false when the client is done.
  bool read_requests(Client& c);
  bool write_responses(Client& c);

  Fd listener_;
  std::string path_;
  ino_t inode_;
  Handler handler_;
  std::list<Client> clients_;
};

}  // namespace tollgate::controlplane
