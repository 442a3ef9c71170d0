// Which fields stop at this hop (RFC 9110 §7.6.1): the connection-specific ones, and any the Connection
// field nominates. Shared by the request and response writers.
#pragma once

#include <span>
#include <string_view>

#include "engine/http/message_types.h"

namespace tollgate::http {

// True if the field `name` of a message with `fields` must not be forwarded: Connection, Keep-Alive,
// Proxy-Connection, TE, Upgrade, or a name listed in a Connection field. Transfer-Encoding and Trailer are
// forwarded: bodies are passed through verbatim, chunk framing and trailers included, so the next hop needs
// them to frame the same bytes. Host, Content-Length and Transfer-Encoding cannot be nominated — a client
// sending "Connection: Content-Length" would otherwise make us strip the framing we forward by.
bool is_hop_by_hop(std::string_view name, std::span<const HeaderField> fields);

// Whether `value` may be written as a field value: field-vchars only (no CR, LF or other CTL).
bool is_safe_field_value(std::string_view value);

}  // namespace tollgate::http
