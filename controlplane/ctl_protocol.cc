#include "controlplane/ctl_protocol.h"

#include <fmt/format.h>

namespace tollgate::controlplane {
namespace {

using nlohmann::json;

Result<json> parse_object(std::string_view line) {
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error{"not valid JSON"};
  if (!j.is_object()) return Error{"not a JSON object"};
  return j;
}

}  // namespace

std::string encode_request(const CtlRequest& r) {
  json j = {
      {"v", kProtocolVersion}, {"command", r.command}, {"args", r.args.is_null() ? json::object() : r.args}};
  return j.dump() + "\n";
}

std::string encode_response(const CtlResponse& r) {
  json j = {{"ok", r.ok}};
  if (!r.ok) j["error"] = r.error;
  if (!r.result.is_null() && !(r.result.is_object() && r.result.empty())) j["result"] = r.result;
  // Replacement of invalid UTF-8 (a config path, a log line from the dataplane) rather than an exception.
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<CtlRequest> decode_request(std::string_view line) {
  Result<json> j = parse_object(line);
  if (!j) return Error{j.error()};
  const json& o = j.value();
  if (const auto v = o.find("v");
      v != o.end() && (!v->is_number_integer() || v->get<int>() != kProtocolVersion)) {
    return Error{fmt::format("protocol version {} is not spoken here (this is version {})", v->dump(),
                             kProtocolVersion)};
  }
  const auto c = o.find("command");
  if (c == o.end() || !c->is_string() || c->get<std::string>().empty()) {
    return Error{"\"command\" must be a non-empty string"};
  }
  CtlRequest r;
  r.command = c->get<std::string>();
  if (const auto a = o.find("args"); a != o.end()) {
    if (!a->is_object()) return Error{"\"args\" must be an object"};
    r.args = *a;
  }
  return r;
}

Result<CtlResponse> decode_response(std::string_view line) {
  Result<json> j = parse_object(line);
  if (!j) return Error{j.error()};
  const json& o = j.value();
  const auto ok = o.find("ok");
  if (ok == o.end() || !ok->is_boolean()) return Error{"\"ok\" must be true or false"};
  CtlResponse r;
  r.ok = ok->get<bool>();
  if (const auto e = o.find("error"); e != o.end()) {
    if (!e->is_string()) return Error{"\"error\" must be a string"};
    r.error = e->get<std::string>();
  }
  if (!r.ok && r.error.empty()) return Error{"a failed response must say why (\"error\")"};
  if (const auto res = o.find("result"); res != o.end()) r.result = *res;
  return r;
}

}  // namespace tollgate::controlplane
