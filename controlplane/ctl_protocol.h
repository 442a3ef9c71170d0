// The operator socket's protocol: JSON lines. The client writes one request object per line and reads one
// response object per line, in order, on a UNIX stream socket (mode 0600). One line each way keeps the
// framing trivial for any client (socat, Python) and lets a connection carry several requests (`top`).
//
//   request:  {"v":1,"command":"show.stats","args":{...}}
//   response: {"ok":true,"result":{...}}
//             {"ok":false,"error":"what went wrong","result":{...}}   (result optional: e.g. config errors)
//
// Commands are dotted names ("config.reload", "target.drain"); docs/ARCHITECTURE.md lists them.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "engine/common/result.h"

namespace tollgate::controlplane {

inline constexpr int kProtocolVersion = 1;
// A longer line is refused (and the connection closed): no request needs more, and a peer that never sends
// a newline must not grow our buffer without bound.
inline constexpr size_t kMaxLineBytes = 1 << 20;

struct CtlRequest {
  std::string command;
  nlohmann::json args = nlohmann::json::object();
};

struct CtlResponse {
  bool ok = true;
  std::string error;  // when !ok: one sentence for an operator
  nlohmann::json result = nlohmann::json::object();

  static CtlResponse success(nlohmann::json result) { return {true, {}, std::move(result)}; }
  static CtlResponse failure(std::string error, nlohmann::json result = nlohmann::json::object()) {
    return {false, std::move(error), std::move(result)};
  }
};

// Each encodes one line, newline included.
std::string encode_request(const CtlRequest& r);
std::string encode_response(const CtlResponse& r);
// `line` without its newline. Errors say what was wrong with the line.
Result<CtlRequest> decode_request(std::string_view line);
Result<CtlResponse> decode_response(std::string_view line);

}  // namespace tollgate::controlplane
