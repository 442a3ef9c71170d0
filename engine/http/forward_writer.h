// Heads we forward: a client's request to a backend and a backend's response to the client, with the
// connection-specific fields removed and the proxy's own fields added. Into a caller buffer, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "engine/http/message_types.h"

namespace tollgate::http {

// What becomes of an X-Forwarded-For the client sent (AWS ALB's routing.http.xff_header_processing.mode).
enum class XffMode : uint8_t {
  kAppend,    // the client's list, then the client's address
  kPreserve,  // the client's list unchanged; the client's address only when it sent none
  kRemove,    // no X-Forwarded-For at all, neither the client's nor ours
};

struct ForwardInfo {
  std::string_view client_ip;   // the client's address as text, for X-Forwarded-For
  bool tls = false;             // X-Forwarded-Proto: https when the client came over TLS, else http
  uint16_t listener_port = 0;   // X-Forwarded-Port: the port the client connected to
  std::string_view request_id;  // X-Request-Id; the client's is always dropped, none is sent when empty
  XffMode xff = XffMode::kAppend;
};

struct ResponseInfo {
  bool close = false;          // the client connection closes after this response: "Connection: close"
  bool client_http10 = false;  // an HTTP/1.0 client staying open needs "Connection: keep-alive"
  std::string_view hsts;       // Strict-Transport-Security value (e.g. "max-age=31536000; includeSubDomains")
                               // added when the backend sent none; nothing when empty
};

// Request line in origin-form: head.path (the normal form when the caller normalised it: what the rules
// matched is what the target gets), "/" when empty, then the query as received; asterisk-form and
// CONNECT's authority as received. As HTTP/1.1 so the backend connection stays reusable (no Connection
// field: keep-alive is the default); an HTTP/1.0 client's request as HTTP/1.0 with
// "Connection: keep-alive", so that the response cannot be chunked (which a 1.0 client cannot read).
// Host first, from head.host. Hop-by-hop fields removed (hop_by_hop.h). The client's Upgrade is never
// forwarded: a WebSocket upgrade (head.upgrade_websocket) is sent as "Upgrade: websocket" and
// "Connection: Upgrade", whatever else the client's list offered (h2c, TLS/1.0, ...), which the target
// must not be asked to switch to behind our back. X-Forwarded-For as info.xff says, from the fields spelt
// exactly so, joined into one field. Fields that would let a client speak for this hop are dropped:
// Forwarded, X-Real-IP, X-Request-Id and every X-Forwarded-* (X-Forwarded-Proto, -Port and X-Request-Id
// are ours and written instead: facts about this hop that only we know), each also under the name with
// '_' for '-' (X_Forwarded_For), which CGI-style servers read as the same field. Expect is forwarded,
// except from HTTP/1.0 clients (where it is ignored). Returns the bytes written, or 0 if `out` is too small
// or `info` holds a character that cannot be in a field value.
size_t write_forwarded_request(const RequestHead& head, const ForwardInfo& info, std::span<uint8_t> out);

// Status line as HTTP/1.1 with the backend's code and reason, fields minus hop-by-hop ones (a 101 keeps
// Upgrade and gets "Connection: Upgrade"). A final response then gets "Connection: close" when info.close
// or the body runs until close, "Connection: keep-alive" for an HTTP/1.0 client otherwise, and HSTS when
// configured and absent. Interim (1xx) responses get none of these. 0 if it does not fit.
size_t write_forwarded_response(const ResponseHead& head, const ResponseInfo& info, std::span<uint8_t> out);

}  // namespace tollgate::http
