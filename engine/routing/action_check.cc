#include "engine/routing/action_check.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "engine/routing/ascii.h"

namespace tollgate::routing {

namespace {

Status check(const ForwardAction& forward) {
  if (forward.pools.empty()) return Error{"forward action has no pools"};
  if (std::none_of(forward.pools.begin(), forward.pools.end(),
                   [](const ForwardTarget& t) { return t.weight > 0; })) {
    return Error{"forward action has no pool with a weight above 0"};
  }
  return Ok{};
}

Status check(const RedirectAction& redirect) {
  constexpr uint16_t kStatuses[] = {301, 302, 303, 307, 308};
  if (std::find(std::begin(kStatuses), std::end(kStatuses), redirect.status) == std::end(kStatuses)) {
    return Error{"redirect status " + std::to_string(redirect.status) + " is not 301, 302, 303, 307 or 308"};
  }
  const std::string_view protocol = redirect.protocol;
  if (protocol != "#{protocol}" && !equals_caseless(protocol, "http") &&
      !equals_caseless(protocol, "https")) {
    return Error{"redirect protocol \"" + redirect.protocol + "\" is not http, https or #{protocol}"};
  }
  if (redirect.port != "#{port}") {
    unsigned port = 0;
    const char* end = redirect.port.data() + redirect.port.size();
    const auto [ptr, ec] = std::from_chars(redirect.port.data(), end, port);
    if (ec != std::errc{} || ptr != end || port == 0 || port > 65535) {
      return Error{"redirect port \"" + redirect.port + "\" is not 1-65535 or #{port}"};
    }
  }
  if (redirect.host.empty()) return Error{"redirect host is empty"};
  if (redirect.path.empty() || redirect.path.front() != '/') {
    return Error{"redirect path \"" + redirect.path + "\" does not start with '/'"};
  }
  return Ok{};
}

Status check(const FixedResponseAction& fixed) {
  if (fixed.status < 200 || fixed.status > 599) {
    return Error{"fixed response status " + std::to_string(fixed.status) + " is not 200-599"};
  }
  return Ok{};
}

}  // namespace

Status check_action(const Action& action) {
  return std::visit([](const auto& what) { return check(what); }, action.what);
}

}  // namespace tollgate::routing
