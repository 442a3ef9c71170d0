// The classic request-smuggling vectors (CL.TE, TE.CL, TE.TE and their obfuscations): each must be refused
// at the head, so that no two parsers can disagree about where a body ends.
#include "tests/unit/http/http_test_util.h"

namespace tollgate::http {
namespace {

using namespace std::literals;
using SmugglingTest = HttpTest;

constexpr std::string_view kHead = "POST / HTTP/1.1\r\nHost: h\r\n";

std::string with(std::string_view fields) {
  return std::string(kHead) + std::string(fields) + "\r\n";
}

// CL.TE: the front end trusts Content-Length, the back end Transfer-Encoding (or the reverse, TE.CL):
// both fields together are refused whatever their order.
TEST_F(SmugglingTest, ClTe) {
  EXPECT_EQ(request_error(with("Content-Length: 13\r\nTransfer-Encoding: chunked\r\n") + "0\r\n\r\nSMUGGLED"),
            ParseError::kContentLengthWithChunked);
}

TEST_F(SmugglingTest, TeCl) {
  EXPECT_EQ(request_error(with("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n") +
                          "8\r\nSMUGGLED\r\n0\r\n\r\n"),
            ParseError::kContentLengthWithChunked);
}

// TE.TE: one side is made to ignore Transfer-Encoding by obfuscating it.
TEST_F(SmugglingTest, TeTeObfuscations) {
  const ErrorCase cases[] = {
      {"Transfer-Encoding: xchunked\r\n", ParseError::kBadTransferEncoding},
      {"Transfer-Encoding: chunkedx\r\n", ParseError::kBadTransferEncoding},
      {"Transfer-Encoding: chunked, identity\r\n", ParseError::kBadTransferEncoding},
      {"Transfer-Encoding: chunked, chunked\r\n", ParseError::kBadTransferEncoding},
      {"Transfer-Encoding: identity\r\n", ParseError::kBadTransferEncoding},
      {"Transfer-Encoding: \"chunked\"\r\n", ParseError::kBadTransferEncoding},
      {"Transfer-Encoding: chunked;q=1\r\n", ParseError::kBadTransferEncoding},
      {"Transfer-Encoding:\r\n", ParseError::kBadTransferEncoding},
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", ParseError::kBadTransferEncoding},
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", ParseError::kBadTransferEncoding},
      {"Transfer-Encoding: gzip, chunked\r\n", ParseError::kUnsupportedTransferCoding},
      {"Transfer-Encoding : chunked\r\n", ParseError::kWhitespaceBeforeColon},
      {"Transfer-Encoding\t: chunked\r\n", ParseError::kWhitespaceBeforeColon},
      {"Transfer-Encoding: \x0b"
       "chunked\r\n",
       ParseError::kBadFieldValue},
      {"Transfer-Encoding: chunked\x0c\r\n", ParseError::kBadFieldValue},
      {"X: y\r\n Transfer-Encoding: chunked\r\n", ParseError::kObsFold},
      {"Transfer-Encoding:\r\n chunked\r\n", ParseError::kObsFold},
      {"Transfer-Encoding: chunked\nX: y\r\n", ParseError::kBareLf},
      {"Transfer_Encoding: chunked\r\nContent-Length: 5\r\n", ParseError::kNone},  // not TE: CL frames it
      {"Transfer-Encoding: identity\r\nContent-Length: 5\r\n", ParseError::kContentLengthWithChunked},
  };
  for (const ErrorCase& c : cases) EXPECT_EQ(request_error(with(c.text)), c.error) << c.text;
  EXPECT_EQ(status_for(ParseError::kUnsupportedTransferCoding), 501);
  EXPECT_EQ(status_for(ParseError::kBadTransferEncoding), 400);
}

// Surrounding OWS is not part of the value (RFC 9110 §5.5): " chunked " is chunked, consistently.
TEST_F(SmugglingTest, SurroundingWhitespaceIsTrimmedNotObfuscation) {
  ASSERT_EQ(request(with("Transfer-Encoding:  \tchunked \t\r\n")).status, ParseStatus::kComplete);
  EXPECT_EQ(req.body, BodyKind::kChunked);
  ASSERT_EQ(request(with("transfer-encoding: CHUNKED\r\n")).status, ParseStatus::kComplete);
  EXPECT_EQ(req.body, BodyKind::kChunked);
}

TEST_F(SmugglingTest, TransferEncodingOnHttp10) {
  EXPECT_EQ(request_error("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ParseError::kBadTransferEncoding);
}

TEST_F(SmugglingTest, ContentLengthDisagreements) {
  EXPECT_EQ(request_error(with("Content-Length: 5\r\nContent-Length: 6\r\n")),
            ParseError::kDuplicateContentLength);
  EXPECT_EQ(request_error(with("Content-Length: 5, 6\r\n")), ParseError::kDuplicateContentLength);
  EXPECT_EQ(request_error(with("Content-Length: 5\r\ncontent-length: 5\r\n")),
            ParseError::kDuplicateContentLength);
  EXPECT_EQ(request_error(with("Content-Length : 5\r\n")), ParseError::kWhitespaceBeforeColon);
  EXPECT_EQ(request_error(with("Content-Length: 5\x00\r\n"sv)), ParseError::kBadFieldValue);
}

// A NUL, bare CR or bare LF anywhere in the head could end a line for one parser and not another.
TEST_F(SmugglingTest, LineEndingConfusion) {
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nHost: h\r\nX: a\rContent-Length: 5\r\n\r\n"),
            ParseError::kBareCr);
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nHost: h\r\nX: a\nContent-Length: 5\r\n\r\n"),
            ParseError::kBareLf);
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nHost: h\r\n\nContent-Length: 5\r\n\r\n"), ParseError::kBareLf);
}

// Responses get the same rules (response splitting / desync towards the client).
TEST_F(SmugglingTest, ResponsesToo) {
  EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ParseError::kContentLengthWithChunked);
  EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n\r\n"),
            ParseError::kBadTransferEncoding);
  EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"),
            ParseError::kDuplicateContentLength);
  EXPECT_EQ(response_error("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ParseError::kBadTransferEncoding);
}

}  // namespace
}  // namespace tollgate::http
