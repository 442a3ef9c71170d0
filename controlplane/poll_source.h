// Something the control plane's single-threaded loop polls: it adds its descriptors to the loop's pollfd
// list, and after poll() services them from the same positions. One thread owns the Controller (its ring
// ends are single-producer/single-consumer), so the operator socket and the metrics endpoint run in that
// thread too instead of in threads of their own.
#pragma once

#include <poll.h>

#include <span>
#include <vector>

namespace tollgate::controlplane {

class PollSource {
 public:
  virtual ~PollSource() = default;
  // Appends its descriptors; returns how many.
  virtual size_t add_fds(std::vector<pollfd>& fds) const = 0;
  // The entries add_fds appended, with revents filled in.
  virtual void service(std::span<const pollfd> fds) = 0;
};

}  // namespace tollgate::controlplane
