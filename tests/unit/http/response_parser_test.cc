#include "engine/http/response_parser.h"

#include <string>

#include "tests/unit/http/http_test_util.h"

namespace tollgate::http {
namespace {

using ResponseParserTest = HttpTest;

TEST_F(ResponseParserTest, ContentLength) {
  const std::string_view text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello";
  ASSERT_EQ(response(text).status, ParseStatus::kComplete);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.reason, "OK");
  EXPECT_EQ(resp.version_minor, 1);
  EXPECT_EQ(resp.body, BodyKind::kContentLength);
  EXPECT_EQ(resp.content_length, 5u);
  EXPECT_TRUE(resp.keep_alive);
  EXPECT_FALSE(resp.interim());
  ASSERT_EQ(resp.headers.size(), 2u);
  EXPECT_EQ(resp.header("server"), "x");
  EXPECT_EQ(resp.head_bytes, text.size() - 5);
}

TEST_F(ResponseParserTest, ChunkedAndUntilClose) {
  ASSERT_EQ(response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(resp.body, BodyKind::kChunked);
  EXPECT_TRUE(resp.keep_alive);
  ASSERT_EQ(response("HTTP/1.1 200 OK\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(resp.body, BodyKind::kUntilClose);
  EXPECT_FALSE(resp.keep_alive);
  ASSERT_EQ(response("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(resp.body, BodyKind::kUntilClose);
  EXPECT_FALSE(resp.keep_alive);
}

TEST_F(ResponseParserTest, KeepAlive) {
  ASSERT_EQ(response("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_FALSE(resp.keep_alive);
  ASSERT_EQ(response("HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_TRUE(resp.keep_alive);
  ASSERT_EQ(response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_FALSE(resp.keep_alive);
}

TEST_F(ResponseParserTest, NoBodyCases) {
  ASSERT_EQ(response("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", Method::kHead).status,
            ParseStatus::kComplete);
  EXPECT_EQ(resp.body, BodyKind::kNone);
  EXPECT_EQ(resp.content_length, 0u);
  EXPECT_TRUE(resp.keep_alive);
  ASSERT_EQ(response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Method::kHead).status,
            ParseStatus::kComplete);
  EXPECT_EQ(resp.body, BodyKind::kNone);
  for (const std::string_view text : {"HTTP/1.1 204 No Content\r\n\r\n", "HTTP/1.1 304 Not Modified\r\n\r\n",
                                      "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"}) {
    ASSERT_EQ(response(text).status, ParseStatus::kComplete) << text;
    EXPECT_EQ(resp.body, BodyKind::kNone) << text;
    EXPECT_TRUE(resp.keep_alive) << text;
  }
}

TEST_F(ResponseParserTest, InterimContinueThenFinal) {
  const std::string_view text =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
  ASSERT_EQ(response(text, Method::kPut).status, ParseStatus::kComplete);
  EXPECT_EQ(resp.status, 100);
  EXPECT_TRUE(resp.interim());
  EXPECT_EQ(resp.body, BodyKind::kNone);
  EXPECT_EQ(resp.head_bytes, 25u);
  ASSERT_EQ(response(text.substr(25), Method::kPut).status, ParseStatus::kComplete);
  EXPECT_EQ(resp.status, 201);
  EXPECT_FALSE(resp.interim());
  ASSERT_EQ(response("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_TRUE(resp.interim());
}

TEST_F(ResponseParserTest, SwitchingProtocolsIsTunnel) {
  ASSERT_EQ(response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
                .status,
            ParseStatus::kComplete);
  EXPECT_EQ(resp.body, BodyKind::kTunnel);
  EXPECT_FALSE(resp.interim());
  EXPECT_FALSE(resp.keep_alive);
  EXPECT_EQ(response_error("HTTP/1.1 101 Switching Protocols\r\n\r\n"), ParseError::kBadUpgrade);
}

TEST_F(ResponseParserTest, ConnectSuccessIsTunnel) {
  ASSERT_EQ(response("HTTP/1.1 200 Connection Established\r\n\r\n", Method::kConnect).status,
            ParseStatus::kComplete);
  EXPECT_EQ(resp.body, BodyKind::kTunnel);
  ASSERT_EQ(response("HTTP/1.1 407 No\r\nContent-Length: 2\r\n\r\n", Method::kConnect).status,
            ParseStatus::kComplete);
  EXPECT_EQ(resp.body, BodyKind::kContentLength);
}

TEST_F(ResponseParserTest, StatusLineForms) {
  ASSERT_EQ(response("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(resp.reason, "");
  ASSERT_EQ(response("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(resp.status, 404);
  EXPECT_EQ(resp.reason, "");
  ASSERT_EQ(response("HTTP/1.1 500 Internal\tServer Error\r\nContent-Length: 0\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(resp.reason, "Internal\tServer Error");
}

TEST_F(ResponseParserTest, BadStatusLines) {
  EXPECT_EQ(response_error("HTTP/1.1 20 OK\r\n\r\n"), ParseError::kBadStatusLine);
  EXPECT_EQ(response_error("HTTP/1.1 2000 OK\r\n\r\n"), ParseError::kBadStatusLine);
  EXPECT_EQ(response_error("HTTP/1.1 099 OK\r\n\r\n"), ParseError::kBadStatusLine);
  EXPECT_EQ(response_error("HTTP/1.1 600 OK\r\n\r\n"), ParseError::kBadStatusLine);
  EXPECT_EQ(response_error("HTTP/1.1 200 O\x01K\r\n\r\n"), ParseError::kBadStatusLine);
  EXPECT_EQ(response_error("HTTP/1.1  200 OK\r\n\r\n"), ParseError::kBadStatusLine);
  EXPECT_EQ(response_error("HTTP/1.1\t200 OK\r\n\r\n"), ParseError::kBadVersion);
  EXPECT_EQ(response_error("HTTX/1.1 200 OK\r\n\r\n"), ParseError::kBadVersion);
  EXPECT_EQ(response_error("HTTP/2.0 200 OK\r\n\r\n"), ParseError::kUnsupportedVersion);
  EXPECT_EQ(response_error("HTTP/1.1 200 OK\n\r\n"), ParseError::kBareLf);
}

TEST_F(ResponseParserTest, EveryPrefixIsIncomplete) {
  const std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
  for (size_t n = 0; n < text.size(); ++n)
    EXPECT_EQ(response(std::string_view(text).substr(0, n)).status, ParseStatus::kIncomplete) << n;
  EXPECT_EQ(response(text).status, ParseStatus::kComplete);
}

TEST_F(ResponseParserTest, BodyLimitAndHeadLimit) {
  limits.max_body_bytes = 10;
  EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"), ParseError::kBodyTooLarge);
  limits.max_head_bytes = 20;
  EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\nServer: a\r\n\r\n"), ParseError::kHeadTooLarge);
}

}  // namespace
}  // namespace tollgate::http
