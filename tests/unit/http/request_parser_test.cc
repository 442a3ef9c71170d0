#include "engine/http/request_parser.h"

#include <string>

#include "tests/unit/http/http_test_util.h"

namespace tollgate::http {
namespace {

using namespace std::literals;
using RequestParserTest = HttpTest;

TEST_F(RequestParserTest, SimpleGet) {
  const std::string_view text = "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n";
  const ParseResult r = request(text);
  ASSERT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(r.error, ParseError::kNone);
  EXPECT_EQ(req.method, Method::kGet);
  EXPECT_EQ(req.method_text, "GET");
  EXPECT_EQ(req.target, "/a/b?x=1&y=2");
  EXPECT_EQ(req.path, "/a/b");
  EXPECT_EQ(req.query, "x=1&y=2");
  EXPECT_EQ(req.version_minor, 1);
  EXPECT_EQ(req.host, "example.com");
  EXPECT_EQ(req.body, BodyKind::kNone);
  EXPECT_EQ(req.content_length, 0u);
  EXPECT_TRUE(req.keep_alive);
  EXPECT_FALSE(req.expect_continue);
  EXPECT_FALSE(req.upgrade_websocket);
  ASSERT_EQ(req.headers.size(), 2u);
  EXPECT_EQ(req.headers[1].name, "Accept");
  EXPECT_EQ(req.headers[1].value, "*/*");
  EXPECT_EQ(req.head_bytes, text.size());
  EXPECT_EQ(req.header("ACCEPT"), "*/*");
  EXPECT_EQ(req.header("missing"), "");
}

TEST_F(RequestParserTest, Methods) {
  const std::pair<std::string_view, Method> cases[] = {
      {"GET", Method::kGet},     {"HEAD", Method::kHead},     {"POST", Method::kPost},
      {"PUT", Method::kPut},     {"DELETE", Method::kDelete}, {"OPTIONS", Method::kOptions},
      {"TRACE", Method::kTrace}, {"PATCH", Method::kPatch},   {"PURGE", Method::kOther},
      {"get", Method::kOther},
  };
  for (const auto& [text, method] : cases) {
    const std::string msg = std::string(text) + " / HTTP/1.1\r\nHost: h\r\n\r\n";
    ASSERT_EQ(request(msg).status, ParseStatus::kComplete) << text;
    EXPECT_EQ(req.method, method) << text;
    EXPECT_EQ(req.method_text, text);
  }
}

TEST_F(RequestParserTest, FieldValueOwsTrimmedAndEmptyValueAllowed) {
  ASSERT_EQ(request("GET / HTTP/1.1\r\nHost:h\r\nX-A: \t a b \t\r\nX-B:\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(req.host, "h");
  EXPECT_EQ(req.header("x-a"), "a b");
  EXPECT_EQ(req.headers[2].value, "");
  EXPECT_EQ(req.headers[2].name, "X-B");
}

TEST_F(RequestParserTest, ObsTextAllowedInValues) {
  ASSERT_EQ(request("GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(req.header("x"), "caf\xc3\xa9");
}

TEST_F(RequestParserTest, ContentLengthBody) {
  ASSERT_EQ(request("POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 0042\r\n\r\nbody").status,
            ParseStatus::kComplete);
  EXPECT_EQ(req.body, BodyKind::kContentLength);
  EXPECT_EQ(req.content_length, 42u);
  EXPECT_EQ(req.head_bytes, 51u);
}

TEST_F(RequestParserTest, ChunkedBody) {
  ASSERT_EQ(request("POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(req.body, BodyKind::kChunked);
  EXPECT_EQ(req.content_length, 0u);
}

TEST_F(RequestParserTest, LeadingEmptyLinesSkipped) {
  const std::string_view text = "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
  ASSERT_EQ(request(text).status, ParseStatus::kComplete);
  EXPECT_EQ(req.method_text, "GET");
  EXPECT_EQ(req.head_bytes, text.size());
  EXPECT_EQ(request("\r").status, ParseStatus::kIncomplete);
  EXPECT_EQ(request_error("\r\rGET"), ParseError::kBareCr);
}

TEST_F(RequestParserTest, EveryPrefixIsIncompleteAndEverySplitCompletes) {
  const std::string text =
      "POST /p?q HTTP/1.1\r\nHost: example.com:8080\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\n";
  for (size_t n = 0; n < text.size(); ++n) {
    EXPECT_EQ(request(std::string_view(text).substr(0, n)).status, ParseStatus::kIncomplete) << n;
    // Gathering the head in a caller buffer: the prefix, then the rest appended.
    std::string gathered = text.substr(0, n);
    gathered += text.substr(n);
    ASSERT_EQ(request(gathered).status, ParseStatus::kComplete) << n;
    EXPECT_EQ(req.head_bytes, text.size());
    EXPECT_EQ(req.host, "example.com:8080");
    EXPECT_EQ(req.content_length, 3u);
  }
}

TEST_F(RequestParserTest, PipelinedRequestsInOneBuffer) {
  const std::string_view text =
      "GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
      "GET /three HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  std::string_view rest = text;
  ASSERT_EQ(request(rest).status, ParseStatus::kComplete);
  EXPECT_EQ(req.path, "/one");
  rest.remove_prefix(req.head_bytes);
  ASSERT_EQ(request(rest).status, ParseStatus::kComplete);
  EXPECT_EQ(req.path, "/two");
  EXPECT_EQ(req.content_length, 5u);
  rest.remove_prefix(req.head_bytes);
  EXPECT_EQ(rest.substr(0, 5), "hello");
  rest.remove_prefix(5);
  ASSERT_EQ(request(rest).status, ParseStatus::kComplete);
  EXPECT_EQ(req.path, "/three");
  EXPECT_FALSE(req.keep_alive);
  EXPECT_EQ(req.head_bytes, rest.size());
}

TEST_F(RequestParserTest, KeepAliveByVersionAndConnection) {
  struct Case {
    std::string_view text;
    bool keep_alive;
  };
  const Case cases[] = {
      {"GET / HTTP/1.1\r\nHost: h\r\n\r\n", true},
      {"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, CLOSE\r\n\r\n", false},
      {"GET / HTTP/1.0\r\n\r\n", false},
      {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true},
      {"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false},
  };
  for (const Case& c : cases) {
    ASSERT_EQ(request(c.text).status, ParseStatus::kComplete) << c.text;
    EXPECT_EQ(req.keep_alive, c.keep_alive) << c.text;
  }
}

TEST_F(RequestParserTest, Http10WithoutHostHasEmptyHost) {
  ASSERT_EQ(request("GET / HTTP/1.0\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(req.version_minor, 0);
  EXPECT_EQ(req.host, "");
}

TEST_F(RequestParserTest, ExpectContinue) {
  ASSERT_EQ(request("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 9\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_TRUE(req.expect_continue);
  EXPECT_EQ(request_error("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n"),
            ParseError::kUnsupportedExpectation);
  EXPECT_EQ(status_for(ParseError::kUnsupportedExpectation), 417);
  EXPECT_EQ(request_error("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nExpect: x\r\n\r\n"),
            ParseError::kUnsupportedExpectation);
  // RFC 9110 §10.1.1: ignored in HTTP/1.0.
  ASSERT_EQ(request("PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_FALSE(req.expect_continue);
}

TEST_F(RequestParserTest, WebSocketUpgrade) {
  ASSERT_EQ(request("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .status,
            ParseStatus::kComplete);
  EXPECT_TRUE(req.upgrade_websocket);
  EXPECT_EQ(req.body, BodyKind::kNone);
  // Each half alone, another method, or HTTP/1.0 is not an upgrade.
  const std::string_view not_upgrades[] = {
      "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nConnection: upgrade\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
      "GET / HTTP/1.0\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
  };
  for (const std::string_view text : not_upgrades) {
    ASSERT_EQ(request(text).status, ParseStatus::kComplete) << text;
    EXPECT_FALSE(req.upgrade_websocket) << text;
  }
}

TEST_F(RequestParserTest, TargetForms) {
  ASSERT_EQ(request("GET http://Example.com:81/p/q?r HTTP/1.1\r\nHost: other\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(req.host, "Example.com:81");  // RFC 9112 §3.2.2: the target's authority wins
  EXPECT_EQ(req.path, "/p/q");
  EXPECT_EQ(req.query, "r");

  ASSERT_EQ(request("GET https://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(req.path, "");
  EXPECT_EQ(req.query, "");

  ASSERT_EQ(request("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(req.path, "*");

  ASSERT_EQ(request("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(req.method, Method::kConnect);
  EXPECT_EQ(req.host, "example.com:443");
  EXPECT_EQ(req.body, BodyKind::kTunnel);

  ASSERT_EQ(request("CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(req.host, "[::1]:443");

  ASSERT_EQ(request("GET /%41%2f?a=%7E HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(req.path, "/%41%2f");
}

TEST_F(RequestParserTest, BadTargets) {
  const std::string_view bad[] = {
      "GET * HTTP/1.1\r\nHost: h\r\n\r\n",                // asterisk-form only for OPTIONS
      "GET example.com:80 HTTP/1.1\r\nHost: h\r\n\r\n",   // authority-form only for CONNECT
      "CONNECT /path HTTP/1.1\r\nHost: h\r\n\r\n",        // CONNECT needs authority-form
      "CONNECT example.com HTTP/1.1\r\nHost: h\r\n\r\n",  // ... with a port
      "CONNECT example.com: HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET ftp://example.com/ HTTP/1.1\r\nHost: h\r\n\r\n",        // scheme we do not route
      "GET http:///p HTTP/1.1\r\nHost: h\r\n\r\n",                 // empty authority
      "GET http://user@example.com/ HTTP/1.1\r\nHost: h\r\n\r\n",  // userinfo
      "GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n",                   // fragment
      "GET /a\"b HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET /a<b HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET /a\\b HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET /%4 HTTP/1.1\r\nHost: h\r\n\r\n",  // truncated pct-encoding
      "GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET /\xff HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n",
  };
  for (const std::string_view text : bad) EXPECT_EQ(request_error(text), ParseError::kBadTarget) << text;
}

TEST_F(RequestParserTest, BadRequestLines) {
  EXPECT_EQ(request_error("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), ParseError::kBadRequestLine);  // double SP
  EXPECT_EQ(request_error("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), ParseError::kBadVersion);
  EXPECT_EQ(request_error("GET /\r\n\r\n"), ParseError::kBadRequestLine);  // HTTP/0.9
  EXPECT_EQ(request_error(" GET / HTTP/1.1\r\n\r\n"), ParseError::kBadRequestLine);
  EXPECT_EQ(request_error("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), ParseError::kBadMethod);
  EXPECT_EQ(request_error("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"), ParseError::kBadMethod);
  EXPECT_EQ(request_error("GET / http/1.1\r\nHost: h\r\n\r\n"), ParseError::kBadVersion);
  EXPECT_EQ(request_error("GET / HTTP/1.10\r\nHost: h\r\n\r\n"), ParseError::kBadVersion);
  EXPECT_EQ(request_error("GET / HTTP/1\r\nHost: h\r\n\r\n"), ParseError::kBadVersion);
  EXPECT_EQ(request_error("GET / HTTP/1.1\nHost: h\r\n\r\n"), ParseError::kBareLf);
  EXPECT_EQ(request_error("GET / HTTP/1.1\rHost: h\r\n\r\n"), ParseError::kBareCr);
}

TEST_F(RequestParserTest, UnsupportedVersions) {
  for (const std::string_view v : {"HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/3.1"}) {
    const std::string text = "GET / " + std::string(v) + "\r\nHost: h\r\n\r\n";
    EXPECT_EQ(request_error(text), ParseError::kUnsupportedVersion) << v;
  }
  EXPECT_EQ(status_for(ParseError::kUnsupportedVersion), 505);
  // Refused as soon as the request line is complete.
  EXPECT_EQ(request("GET / HTTP/2.0\r\n").status, ParseStatus::kError);
}

TEST_F(RequestParserTest, FieldLineErrors) {
  const ErrorCase cases[] = {
      {"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\nX-B: b\r\n\r\n", ParseError::kBareLf},
      {"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rX-B: b\r\n\r\n", ParseError::kBareCr},
      {"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\n", ParseError::kBareLf},
      {"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n"sv, ParseError::kBadFieldValue},
      {"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01\r\n\r\n", ParseError::kBadFieldValue},
      {"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7f\r\n\r\n", ParseError::kBadFieldValue},
      {"GET / HTTP/1.1\r\nHost: h\r\nX-A: \x0b"
       "a\r\n\r\n",
       ParseError::kBadFieldValue},
      {"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n folded\r\n\r\n", ParseError::kObsFold},
      {"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tfolded\r\n\r\n", ParseError::kObsFold},
      {"GET / HTTP/1.1\r\n Host: h\r\n\r\n", ParseError::kObsFold},
      {"GET / HTTP/1.1\r\nHost : h\r\n\r\n", ParseError::kWhitespaceBeforeColon},
      {"GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", ParseError::kWhitespaceBeforeColon},
      {"GET / HTTP/1.1\r\n: h\r\n\r\n", ParseError::kBadFieldName},
      {"GET / HTTP/1.1\r\nX(A): h\r\n\r\n", ParseError::kBadFieldName},
      {"GET / HTTP/1.1\r\nX\"A: h\r\n\r\n", ParseError::kBadFieldName},
      {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", ParseError::kBadFieldName},
      {"GET / HTTP/1.1\r\nX A: h\r\n\r\n", ParseError::kWhitespaceBeforeColon},
  };
  for (const ErrorCase& c : cases) {
    EXPECT_EQ(request_error(c.text), c.error) << c.text;
    EXPECT_EQ(status_for(c.error), 400);
  }
}

TEST_F(RequestParserTest, HostRules) {
  EXPECT_EQ(request_error("GET / HTTP/1.1\r\n\r\n"), ParseError::kMissingHost);
  EXPECT_EQ(request_error("GET http://a/ HTTP/1.1\r\n\r\n"), ParseError::kMissingHost);
  EXPECT_EQ(request_error("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), ParseError::kDuplicateHost);
  EXPECT_EQ(request_error("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n"), ParseError::kDuplicateHost);
  EXPECT_EQ(request_error("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), ParseError::kBadHost);
  EXPECT_EQ(request_error("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n"), ParseError::kBadHost);
  EXPECT_EQ(request_error("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), ParseError::kBadHost);
  EXPECT_EQ(request_error("GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n"), ParseError::kBadHost);
  EXPECT_EQ(request_error("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"), ParseError::kBadHost);
  ASSERT_EQ(request("GET / HTTP/1.1\r\nHost:\r\n\r\n").status, ParseStatus::kComplete);  // RFC 9112 §3.2
  EXPECT_EQ(req.host, "");
  ASSERT_EQ(request("GET / HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(req.host, "[2001:db8::1]:8443");
}

TEST_F(RequestParserTest, ContentLengthRules) {
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"),
            ParseError::kBadContentLength);
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\n"),
            ParseError::kBadContentLength);
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n"),
            ParseError::kBadContentLength);
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n"),
            ParseError::kBadContentLength);
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n"),
            ParseError::kBadContentLength);
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775808\r\n\r\n"),
            ParseError::kBadContentLength);
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
            ParseError::kBadContentLength);
  // Repetition is refused even when the values agree (RFC 9110 §8.6 would allow accepting those).
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n"),
            ParseError::kDuplicateContentLength);
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
            ParseError::kDuplicateContentLength);
  limits.max_body_bytes = 100;
  ASSERT_EQ(request("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n"),
            ParseError::kBodyTooLarge);
  EXPECT_EQ(status_for(ParseError::kBodyTooLarge), 413);
}

TEST_F(RequestParserTest, ConnectWithContentRefused) {
  EXPECT_EQ(request_error("CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\nContent-Length: 3\r\n\r\n"),
            ParseError::kBadUpgrade);
  EXPECT_EQ(request_error("CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ParseError::kBadUpgrade);
}

TEST_F(RequestParserTest, TooManyHeaders) {
  limits.max_headers = 3;
  EXPECT_EQ(request("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(request_error("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"),
            ParseError::kTooManyHeaders);
  EXPECT_EQ(status_for(ParseError::kTooManyHeaders), 431);
  // The store's capacity caps a larger limit.
  limits.max_headers = 100000;
  std::string text = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (size_t i = 0; i < HeaderStore::kCapacity; ++i) text += "X: y\r\n";
  limits.max_head_bytes = 1 << 20;
  EXPECT_EQ(request_error(text + "\r\n"), ParseError::kTooManyHeaders);
}

TEST_F(RequestParserTest, HeadTooLarge) {
  limits.max_head_bytes = 64;
  const std::string fits = "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(32, 'a') + "\r\n\r\n";
  ASSERT_EQ(fits.size(), 64u);
  EXPECT_EQ(request(fits).status, ParseStatus::kComplete);
  const std::string over = "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(33, 'a') + "\r\n\r\n";
  EXPECT_EQ(request_error(over), ParseError::kHeadTooLarge);
  // Incomplete but already at the limit: it can never fit.
  EXPECT_EQ(request_error(over.substr(0, 64)), ParseError::kHeadTooLarge);
  EXPECT_EQ(request(over.substr(0, 63)).status, ParseStatus::kIncomplete);
  EXPECT_EQ(status_for(ParseError::kHeadTooLarge), 431);
}

TEST_F(RequestParserTest, ErrorNames) {
  EXPECT_EQ(to_string(ParseError::kNone), "none");
  EXPECT_EQ(to_string(ParseError::kContentLengthWithChunked), "content_length_with_transfer_encoding");
  EXPECT_EQ(to_string(ParseError::kTrailerTooLarge), "trailer_too_large");
  EXPECT_EQ(status_for(ParseError::kNone), 0);
  EXPECT_EQ(status_for(ParseError::kUnsupportedTransferCoding), 501);
  EXPECT_EQ(status_for(ParseError::kBadChunkSize), 400);
}

}  // namespace
}  // namespace tollgate::http
