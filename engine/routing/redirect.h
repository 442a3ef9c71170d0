// The Location of a redirect action for one request, rendered into the caller's buffer.
#pragma once

#include <cstddef>
#include <span>

#include "engine/routing/types.h"

namespace tollgate::routing {

// "protocol://host[:port]/path[?query]" with ALB's #{protocol} #{host} #{port} #{path} #{query} replaced
// from the request (#{host} without its port, #{path} without its leading '/'); an unknown #{...} stays as
// written. The protocol is written lowercase; the port is left out when it is the protocol's default (80,
// 443) or unknown (0); '?' only when the rendered query is not empty. Expects an action check_action()
// accepted. Returns the length written, or 0 when it does not fit in `out`. No allocation.
size_t render_redirect(const RedirectAction& redirect, const RequestView& request, std::span<char> out);

}  // namespace tollgate::routing
