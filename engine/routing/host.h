// The host a request is routed on: the Host header without its port and without a trailing dot (the
// absolute form "example.com." names the same host). Case is left alone; matching ignores it.
#pragma once

#include <string_view>

namespace tollgate::routing {

constexpr std::string_view routing_host(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    // An IPv6 literal: its colons are not a port separator.
    if (const size_t close = host.find(']'); close != std::string_view::npos)
      host = host.substr(0, close + 1);
  } else if (const size_t colon = host.find(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return host;
}

}  // namespace tollgate::routing
