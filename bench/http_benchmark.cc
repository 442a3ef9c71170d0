// HTTP/1.1 parsing per message, what the L7 proxy does for each request before routing it: parse the head
// (engine/http parse_request) and, when there is a body, frame it with the BodyFramer that finds where it
// ends (Content-Length counted, chunked framing decoded byte by byte). Also the response side
// (parse_response + framer), which runs per response from a target.
//
// Names: parse_request/tollgate/<message>, parse_response/tollgate/<message>; items are messages, bytes
// are the whole message (head + body as on the wire). There is no baseline parser in the tree (the issue
// asks for requests/s and bytes/s, not a comparison), so no ratio is implied.
//
// The corpus is generated here rather than read from bench/corpus/http/ files: the binary then runs from
// any directory (the harness and scripts/test.sh call it by path), and the messages' shapes are written
// next to what they stand for. The fuzz corpus (tests/fuzz/corpus/http) has a mode/split prefix per file,
// so files could not have been shared as-is anyway.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/micro_main.h"
#include "engine/http/body_framer.h"
#include "engine/http/request_parser.h"
#include "engine/http/response_parser.h"

namespace {

using namespace tollgate::http;

struct Message {
  const char* name;
  std::string bytes;
};

std::string json_body() {
  std::string b = R"({"order":{"customer_id":"c-20391","currency":"EUR","items":[)";
  for (int i = 0; i < 6; ++i) {
    if (i) b += ',';
    b += R"({"sku":"SKU-)" + std::to_string(10000 + i) + R"(","quantity":)" + std::to_string(i + 1) +
         R"(,"unit_price":19.99})";
  }
  return b + R"(],"shipping":{"method":"standard","postcode":"10115"}}})";
}

std::string chunked_body() {
  std::string b;
  const std::string data(4000, 'x');
  for (int i = 0; i < 4; ++i) b += "fa0\r\n" + data + "\r\n";
  return b + "0\r\n\r\n";
}

// Realistic requests: what a browser, an API client, an upload tool and curl send.
std::vector<Message> requests() {
  const std::string json = json_body();
  std::string cookie = "Cookie: ";
  for (int i = 0; i < 40; ++i) {
    cookie += (i ? "; " : "") + std::string("pref_") + std::to_string(i) + "=" +
              std::string(60, static_cast<char>('a' + i % 26));
  }
  return {
      {"browser_get",
       "GET /products/shoes/running?color=blue&size=42 HTTP/1.1\r\n"
       "Host: shop.example.com\r\n"
       "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/120.0.0.0 Safari/537.36\r\n"
       "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
       "Accept-Language: en-GB,en;q=0.9,de;q=0.8\r\n"
       "Accept-Encoding: gzip, deflate, br\r\n"
       "Referer: https://shop.example.com/products/shoes\r\n"
       "Connection: keep-alive\r\n"
       "Upgrade-Insecure-Requests: 1\r\n"
       "Sec-Fetch-Dest: document\r\n"
       "Sec-Fetch-Mode: navigate\r\n"
       "Sec-Fetch-Site: same-origin\r\n"
       "Sec-Fetch-User: ?1\r\n"
       "Cookie: session=3f9a1c0e7b2d4a58; cart=17; consent=functional,analytics\r\n"
       "\r\n"},
      {"api_post_json",
       "POST /api/v2/orders HTTP/1.1\r\n"
       "Host: api.example.com\r\n"
       "User-Agent: example-sdk-python/3.4.1\r\n"
       "Accept: application/json\r\n"
       "Content-Type: application/json\r\n"
       "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjLTIwMzkxIn0.q9bX3kWl0m1h2v\r\n"
       "X-Request-Id: 6f1c2b9e-8d4a-4e7b-9c3f-2a1b0c9d8e7f\r\n"
       "Content-Length: " +
           std::to_string(json.size()) + "\r\n\r\n" + json},
      {"chunked_upload",
       "PUT /uploads/backup-2026-12-02.tar HTTP/1.1\r\n"
       "Host: storage.example.com\r\n"
       "User-Agent: uploader/1.2\r\n"
       "Content-Type: application/octet-stream\r\n"
       "Transfer-Encoding: chunked\r\n"
       "Expect: 100-continue\r\n"
       "\r\n" +
           chunked_body()},
      {"curl_get",
       "GET /health HTTP/1.1\r\n"
       "Host: app.example.com\r\n"
       "User-Agent: curl/7.88.1\r\n"
       "Accept: */*\r\n"
       "\r\n"},
      {"large_cookie",
       "GET /account/settings HTTP/1.1\r\n"
       "Host: www.example.com\r\n"
       "User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) "
       "Version/17.2 Safari/605.1.15\r\n"
       "Accept: text/html\r\n" +
           cookie + "\r\n\r\n"},
  };
}

std::vector<Message> responses() {
  return {
      {"json_200",
       "HTTP/1.1 200 OK\r\n"
       "Date: Wed, 02 Dec 2026 03:40:00 GMT\r\n"
       "Content-Type: application/json\r\n"
       "Content-Length: 27\r\n"
       "Cache-Control: no-store\r\n"
       "X-Request-Id: 6f1c2b9e-8d4a-4e7b-9c3f-2a1b0c9d8e7f\r\n"
       "\r\n"
       R"({"id":"o-991","state":"ok"})"},
      {"chunked_html",
       "HTTP/1.1 200 OK\r\n"
       "Date: Wed, 02 Dec 2026 03:40:00 GMT\r\n"
       "Content-Type: text/html; charset=utf-8\r\n"
       "Transfer-Encoding: chunked\r\n"
       "Vary: Accept-Encoding\r\n"
       "\r\n" +
           chunked_body()},
      {"not_modified_304",
       "HTTP/1.1 304 Not Modified\r\n"
       "Date: Wed, 02 Dec 2026 03:40:00 GMT\r\n"
       "ETag: \"5f2a-1b3c\"\r\n"
       "Cache-Control: max-age=3600\r\n"
       "\r\n"},
  };
}

const ParseLimits kLimits;

// Frames the body that follows a head; false if it does not end where the message does.
bool frame_body(BodyFramer framer, std::span<const uint8_t> rest) {
  const FrameResult r = framer.advance(rest);
  return r.error == ParseError::kNone && r.done && r.consumed == rest.size();
}

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Times `parse(bytes, store)`, which parses one message head and frames its body, true when the message
// parsed whole.
template <typename Parse>
void run_parse(benchmark::State& state, const Message& m, Parse parse) {
  const auto in = bytes_of(m.bytes);
  HeaderStore store;
  for (auto _ : state) {
    if (!parse(in, store)) return state.SkipWithError("message did not parse whole");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
  state.counters["message_bytes"] = static_cast<double>(in.size());
}

void BM_ParseRequest(benchmark::State& state, const Message& m) {
  run_parse(state, m, [](std::span<const uint8_t> in, HeaderStore& store) {
    RequestHead head;
    const ParseResult r = parse_request(in, kLimits, store, head);
    benchmark::DoNotOptimize(head);
    return r.status == ParseStatus::kComplete &&
           frame_body(BodyFramer::for_request(head, kLimits), in.subspan(head.head_bytes));
  });
}

void BM_ParseResponse(benchmark::State& state, const Message& m) {
  run_parse(state, m, [](std::span<const uint8_t> in, HeaderStore& store) {
    ResponseHead head;
    const ParseResult r = parse_response(in, kLimits, store, Method::kGet, head);
    benchmark::DoNotOptimize(head);
    return r.status == ParseStatus::kComplete &&
           frame_body(BodyFramer::for_response(head, kLimits), in.subspan(head.head_bytes));
  });
}

// Registered at start-up: one benchmark per corpus message, kept alive for the run.
const bool kRegistered = [] {
  static const std::vector<Message> req = requests(), resp = responses();
  for (const Message& m : req) {
    benchmark::RegisterBenchmark((std::string("parse_request/tollgate/") + m.name).c_str(), BM_ParseRequest,
                                 m);
  }
  for (const Message& m : resp) {
    benchmark::RegisterBenchmark((std::string("parse_response/tollgate/") + m.name).c_str(), BM_ParseResponse,
                                 m);
  }
  return true;
}();

}  // namespace

TOLLGATE_BENCHMARK_MAIN("0.1")
