#include "engine/http/local_responses.h"

#include <string>
#include <vector>

#include "tests/unit/http/http_test_util.h"

namespace tollgate::http {
namespace {

// gcc warns about designated initializers that leave members out: fields set one by one instead.
template <typename Set>
ReplyFields with(Set set) {
  ReplyFields f;
  set(f);
  return f;
}

class LocalResponsesTest : public ::testing::Test {
 protected:
  std::string text(size_t n) const { return std::string(as_text(out, n)); }
  std::vector<uint8_t> out = std::vector<uint8_t>(512);
};

TEST_F(LocalResponsesTest, ErrorResponseExactBytes) {
  EXPECT_EQ(text(write_error_response(400, out, with([](ReplyFields& f) { f.close = true; }))),
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 12\r\n"
            "Connection: close\r\n\r\nBad Request\n");
  EXPECT_EQ(
      text(write_error_response(503, out)),
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 20\r\n"
      "\r\nService Unavailable\n");
}

TEST_F(LocalResponsesTest, EveryErrorStatusParsesBack) {
  for (const int code : {400, 403, 404, 408, 413, 417, 429, 431, 500, 501, 502, 503, 504, 505}) {
    const auto status = static_cast<uint16_t>(code);
    const size_t n = write_error_response(status, out, with([](ReplyFields& f) { f.close = true; }));
    ASSERT_GT(n, 0u) << status;
    HeaderStore store;
    ResponseHead head;
    ASSERT_EQ(parse_response(std::span<const uint8_t>(out).first(n), {}, store, Method::kGet, head).status,
              ParseStatus::kComplete);
    EXPECT_EQ(head.status, status);
    EXPECT_FALSE(head.keep_alive);
    EXPECT_EQ(head.head_bytes + head.content_length, n);
  }
  EXPECT_EQ(write_error_response(200, out, with([](ReplyFields& f) { f.close = true; })), 0u);
  EXPECT_EQ(write_error_response(418, out, with([](ReplyFields& f) { f.close = true; })), 0u);
}

TEST_F(LocalResponsesTest, ErrorResponseDoesNotFit) {
  const size_t n = write_error_response(404, out);
  EXPECT_EQ(n, 97u);
  EXPECT_EQ(write_error_response(404, std::span<uint8_t>(out).first(n)), n);
  EXPECT_EQ(write_error_response(404, std::span<uint8_t>(out).first(n - 1)), 0u);
}

TEST_F(LocalResponsesTest, Redirect) {
  EXPECT_EQ(text(write_redirect(301, "https://example.com/a", out)),
            "HTTP/1.1 301 Moved Permanently\r\nLocation: https://example.com/a\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(text(write_redirect(308, "/b", out)),
            "HTTP/1.1 308 Permanent Redirect\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(text(write_redirect(302, "/c", out, with([](ReplyFields& f) { f.close = true; }))),
            "HTTP/1.1 302 Found\r\nLocation: /c\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(write_redirect(200, "/b", out), 0u);
  EXPECT_EQ(write_redirect(302, "", out), 0u);
  EXPECT_EQ(write_redirect(302, "/a\r\nSet-Cookie: x=1", out), 0u);
}

TEST_F(LocalResponsesTest, FixedResponse) {
  EXPECT_EQ(text(write_fixed_response(200, "application/json", "{\"ok\":true}", out)),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}");
  EXPECT_EQ(text(write_fixed_response(404, "", "", out)),
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(text(write_fixed_response(204, "text/plain", "", out)), "HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_EQ(text(write_fixed_response(403, "text/plain", "no\n", out,
                                      with([](ReplyFields& f) { f.close = true; }))),
            "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: "
            "close\r\n\r\nno\n");
  EXPECT_EQ(write_fixed_response(204, "text/plain", "x", out), 0u);
  EXPECT_EQ(write_fixed_response(100, "text/plain", "", out), 0u);
  EXPECT_EQ(text(write_fixed_response(299, "", "", out)), "HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(write_fixed_response(600, "text/plain", "", out), 0u);
  EXPECT_EQ(write_fixed_response(200, "text/plain\r\nX: y", "", out), 0u);
}

TEST_F(LocalResponsesTest, Continue) {
  EXPECT_EQ(text(write_continue(out)), "HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_EQ(write_continue(std::span<uint8_t>(out).first(24)), 0u);
}

TEST_F(LocalResponsesTest, HttpTenClientStayingOpenIsToldKeepAlive) {
  EXPECT_EQ(text(write_fixed_response(200, "text/plain", "ok\n", out,
                                      with([](ReplyFields& f) { f.keep_alive_http10 = true; }))),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: "
            "keep-alive\r\n\r\nok\n");
  EXPECT_EQ(text(write_redirect(301, "/b", out, with([](ReplyFields& f) { f.keep_alive_http10 = true; }))),
            "HTTP/1.1 301 Moved Permanently\r\nLocation: /b\r\nContent-Length: 0\r\nConnection: "
            "keep-alive\r\n\r\n");
  // Closing wins: a 1.0 client is told close, never both.
  EXPECT_EQ(text(write_error_response(400, out, with([](ReplyFields& f) {
                                        f.close = true;
                                        f.keep_alive_http10 = true;
                                      }))),
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 12\r\n"
            "Connection: close\r\n\r\nBad Request\n");
}

TEST_F(LocalResponsesTest, HeadAnswersCarryTheLengthButNoBody) {
  EXPECT_EQ(
      text(write_fixed_response(200, "text/plain", "ok\n", out, with([](ReplyFields& f) { f.head = true; }))),
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n");
  EXPECT_EQ(text(write_error_response(503, out, with([](ReplyFields& f) { f.head = true; }))),
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
            "20\r\n\r\n");
}

TEST_F(LocalResponsesTest, HstsRetryAfterAndAllow) {
  EXPECT_EQ(
      text(write_fixed_response(200, "", "", out, with([](ReplyFields& f) { f.hsts = "max-age=63072000"; }))),
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nStrict-Transport-Security: max-age=63072000\r\n\r\n");
  EXPECT_EQ(
      text(write_error_response(429, out, with([](ReplyFields& f) { f.retry_after_s = 2; }))),
      "HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 18\r\n"
      "Retry-After: 2\r\n\r\nToo Many Requests\n");
  EXPECT_EQ(
      text(write_error_response(405, out, with([](ReplyFields& f) {
                                  f.close = true;
                                  f.allow = "GET, HEAD";
                                }))),
      "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 19\r\n"
      "Allow: GET, HEAD\r\nConnection: close\r\n\r\nMethod Not Allowed\n");
  EXPECT_EQ(write_error_response(405, out), 0u) << "a 405 must name what is allowed";
  EXPECT_EQ(write_redirect(301, "/b", out, with([](ReplyFields& f) { f.hsts = "max-age=1\r\nX: y"; })), 0u);
}

}  // namespace
}  // namespace tollgate::http
