// Arbitrary bytes into the HTTP/1.1 parsers. Input: [mode][split][bytes...]. The bytes are parsed as a
// request head; when complete, the rest goes to a BodyFramer twice — in two pieces cut where `split` says,
// and byte by byte — and both must agree (the chunked state machine must not depend on how input is
// split). The same bytes are parsed as a response to the method `mode` picks. Heads that parse are
// written back out with the forwarding writers and must parse again, with the same framing: a proxy that
// emits what it would refuse would desync the next hop. Mode bits also pick tight limits, so the limit
// paths run. Checks: no crash or UB, consumed and head_bytes within the input, views inside the input.
// The request path is normalised as the proxy does: the normal form is no longer than the path, in normal
// form already (normalising it again changes nothing), free of dot segments and doubled slashes, and what
// the forwarded request line carries.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "engine/http/body_framer.h"
#include "engine/http/forward_writer.h"
#include "engine/http/path_normalize.h"
#include "engine/http/request_parser.h"
#include "engine/http/response_parser.h"

namespace {

using namespace tollgate::http;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool inside(std::string_view v, std::span<const uint8_t> in) {
  const auto* p = reinterpret_cast<const uint8_t*>(v.data());
  return v.empty() || (p >= in.data() && p + v.size() <= in.data() + in.size());
}

void check_fields(std::span<const HeaderField> fields, std::span<const uint8_t> in,
                  const ParseLimits& limits) {
  check(fields.size() <= limits.max_headers);
  for (const HeaderField& f : fields) check(!f.name.empty() && inside(f.name, in) && inside(f.value, in));
}

ParseLimits limits_for(uint8_t mode) {
  ParseLimits l;
  if (mode & 1) {
    l.max_head_bytes = 200;
    l.max_headers = 4;
    l.max_body_bytes = 64;
    l.max_chunk_line_bytes = 16;
    l.max_trailer_bytes = 24;
  }
  return l;
}

// Limits for re-parsing what a writer produced: it may be longer and hold a few more fields than the input.
ParseLimits relaxed(const ParseLimits& limits, size_t out_size) {
  ParseLimits l = limits;
  l.max_head_bytes = out_size;
  l.max_headers = HeaderStore::kCapacity;
  return l;
}

void frame_body(const BodyFramer& proto, std::span<const uint8_t> body, size_t split) {
  BodyFramer whole = proto;
  const FrameResult a = whole.advance(body.first(split));
  check(a.consumed <= split);
  FrameResult b{};
  if (!a.done && a.error == ParseError::kNone) {
    check(a.consumed == split);
    b = whole.advance(body.subspan(split));
    check(b.consumed <= body.size() - split);
  }
  BodyFramer bytewise = proto;
  size_t consumed = 0;
  FrameResult r{};
  for (size_t i = 0; i < body.size() && !r.done && r.error == ParseError::kNone; ++i) {
    r = bytewise.advance(body.subspan(i, 1));
    consumed += r.consumed;
  }
  check(bytewise.done() == whole.done() && bytewise.error() == whole.error());
  check(consumed == a.consumed + b.consumed && bytewise.wire_bytes() == whole.wire_bytes());
  check(bytewise.data_bytes() == whole.data_bytes() && whole.data_bytes() <= whole.wire_bytes());
}

bool has(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

void check_normal_form(std::string_view raw, std::string_view normal) {
  check(!normal.empty() && normal.size() <= raw.size() && normal.front() == '/');
  check(!has(normal, "//") && !has(normal, "/./") && !has(normal, "/../"));
  check(!normal.ends_with("/.") && !normal.ends_with("/.."));
  static char again[32768];
  const size_t n = normalize_path(normal, again);
  check(n == normal.size() && std::string_view(again, n) == normal);
}

void fuzz_request(std::span<const uint8_t> in, const ParseLimits& limits, size_t split, uint8_t mode) {
  HeaderStore store;
  RequestHead req;
  const ParseResult r = parse_request(in, limits, store, req);
  check((r.status == ParseStatus::kError) == (r.error != ParseError::kNone));
  if (r.status != ParseStatus::kComplete) return;
  check(req.head_bytes <= in.size() && req.head_bytes <= limits.max_head_bytes);
  for (const std::string_view v : {req.method_text, req.target, req.path, req.query, req.host})
    check(inside(v, in));
  check_fields(req.headers, in, limits);
  const std::span<const uint8_t> body = in.subspan(req.head_bytes);
  frame_body(BodyFramer::for_request(req, limits), body, split % (body.size() + 1));

  const std::string_view raw_path = req.path;
  static char path[32768];
  const ParseError normalised = normalize_request_path(req, path);
  check(normalised == ParseError::kNone);  // the parser let only valid percent-encoding through
  if (!raw_path.empty() && raw_path.front() == '/') check_normal_form(raw_path, req.path);

  static uint8_t out[32768];
  ForwardInfo info{"198.51.100.1", true, 443, "id-1"};
  info.xff = static_cast<XffMode>((mode >> 3) % 3);
  const size_t n = write_forwarded_request(req, info, out);
  check(n != 0);  // a head under 16 KiB plus our fields always fits 32 KiB
  HeaderStore store2;
  RequestHead again;
  const ParseResult r2 =
      parse_request(std::span<const uint8_t>(out, n), relaxed(limits, sizeof(out)), store2, again);
  check(r2.status == ParseStatus::kComplete && again.head_bytes == n);
  check(again.body == req.body && again.content_length == req.content_length && again.method == req.method);
  check(again.upgrade_websocket == req.upgrade_websocket && again.host == req.host);
  check(again.path == req.path || (req.path.empty() && again.path == "/"));
}

void fuzz_response(std::span<const uint8_t> in, const ParseLimits& limits, Method method, size_t split) {
  HeaderStore store;
  ResponseHead resp;
  const ParseResult r = parse_response(in, limits, store, method, resp);
  check((r.status == ParseStatus::kError) == (r.error != ParseError::kNone));
  if (r.status != ParseStatus::kComplete) return;
  check(resp.head_bytes <= in.size() && inside(resp.reason, in) && resp.status >= 100 && resp.status <= 599);
  check_fields(resp.headers, in, limits);
  const std::span<const uint8_t> body = in.subspan(resp.head_bytes);
  frame_body(BodyFramer::for_response(resp, limits), body, split % (body.size() + 1));

  static uint8_t out[32768];
  const size_t n = write_forwarded_response(resp, {false, false, "max-age=60"}, out);
  check(n != 0);
  HeaderStore store2;
  ResponseHead again;
  const ParseResult r2 =
      parse_response(std::span<const uint8_t>(out, n), relaxed(limits, sizeof(out)), store2, method, again);
  check(r2.status == ParseStatus::kComplete && again.head_bytes == n);
  check(again.body == resp.body && again.content_length == resp.content_length &&
        again.status == resp.status);
}

constexpr Method kMethods[] = {Method::kGet, Method::kHead, Method::kConnect, Method::kPost};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  const size_t split = data[1];
  const std::span<const uint8_t> in(data + 2, size - 2);
  const ParseLimits limits = limits_for(mode);
  fuzz_request(in, limits, split, mode);
  fuzz_response(in, limits, kMethods[(mode >> 1) & 3], split);
  return 0;
}
