#include "engine/http/body_framer.h"

#include <string>

#include "tests/unit/http/http_test_util.h"

namespace tollgate::http {
namespace {

using namespace std::literals;

struct Outcome {
  size_t consumed = 0;  // total over all calls
  bool done = false;
  ParseError error = ParseError::kNone;
  uint64_t data = 0;
};

// Feeds `text` to a fresh framer in pieces of `piece` bytes (0: all at once), stopping at done or error.
Outcome frame(std::string_view text, size_t piece, BodyKind kind = BodyKind::kChunked, uint64_t length = 0,
              const ParseLimits& limits = {}) {
  BodyFramer f(kind, length, limits);
  Outcome o;
  if (piece == 0) piece = text.size() + 1;
  for (size_t at = 0; at < text.size() && !o.done && o.error == ParseError::kNone;) {
    const size_t n = std::min(piece, text.size() - at);
    const FrameResult r = f.advance(as_bytes(text.substr(at, n)));
    EXPECT_LE(r.consumed, n);
    o.consumed += r.consumed;
    o.done = r.done;
    o.error = r.error;
    if (r.consumed < n && !r.done && r.error == ParseError::kNone) ADD_FAILURE() << "stalled at " << at;
    at += n;
  }
  o.data = f.data_bytes();
  EXPECT_EQ(f.wire_bytes(), o.consumed);
  EXPECT_EQ(f.done(), o.done);
  EXPECT_EQ(f.error(), o.error);
  return o;
}

TEST(BodyFramerTest, NoBodyIsDoneAtOnce) {
  BodyFramer f;
  const FrameResult r = f.advance(as_bytes("GET"));
  EXPECT_EQ(r.consumed, 0u);
  EXPECT_TRUE(r.done);
  EXPECT_EQ(r.error, ParseError::kNone);
  BodyFramer zero(BodyKind::kContentLength, 0, {});
  EXPECT_TRUE(zero.done());
}

TEST(BodyFramerTest, ContentLengthStopsAtTheEnd) {
  BodyFramer f(BodyKind::kContentLength, 7, {});
  FrameResult r = f.advance(as_bytes("abc"));
  EXPECT_EQ(r.consumed, 3u);
  EXPECT_FALSE(r.done);
  r = f.advance(as_bytes("defgGET / HTTP/1.1"));
  EXPECT_EQ(r.consumed, 4u);
  EXPECT_TRUE(r.done);
  EXPECT_EQ(f.data_bytes(), 7u);
  r = f.advance(as_bytes("more"));
  EXPECT_EQ(r.consumed, 0u);
  EXPECT_TRUE(r.done);
}

TEST(BodyFramerTest, ContentLengthOverLimit) {
  ParseLimits limits;
  limits.max_body_bytes = 5;
  BodyFramer f(BodyKind::kContentLength, 6, limits);
  const FrameResult r = f.advance(as_bytes("abcdef"));
  EXPECT_EQ(r.consumed, 0u);
  EXPECT_EQ(r.error, ParseError::kBodyTooLarge);
}

TEST(BodyFramerTest, UntilCloseAndTunnelTakeEverything) {
  ParseLimits limits;
  limits.max_body_bytes = 4;
  BodyFramer until(BodyKind::kUntilClose, 0, limits);
  FrameResult r = until.advance(as_bytes("abc"));
  EXPECT_EQ(r.consumed, 3u);
  EXPECT_FALSE(r.done);
  r = until.advance(as_bytes("def"));  // up to the limit, then the error at the byte beyond it
  EXPECT_EQ(r.consumed, 1u);
  EXPECT_EQ(r.error, ParseError::kBodyTooLarge);
  EXPECT_EQ(until.data_bytes(), 4u);
  BodyFramer tunnel(BodyKind::kTunnel, 0, limits);
  r = tunnel.advance(as_bytes("0123456789"));
  EXPECT_EQ(r.consumed, 10u);
  EXPECT_FALSE(r.done);
  EXPECT_EQ(r.error, ParseError::kNone);
}

const std::string kChunked =
    "5;name=val;flag; q = \"a \\\" b\"\r\nhello\r\n"
    "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n"
    "000\r\n"
    "Checksum: abc\r\nX-T:\r\n"
    "\r\n";

TEST(BodyFramerTest, ChunkedSurvivesEverySplit) {
  const std::string text = kChunked + "NEXT";
  for (size_t piece = 0; piece <= 7; ++piece) {
    const Outcome o = frame(text, piece);
    EXPECT_TRUE(o.done) << piece;
    EXPECT_EQ(o.error, ParseError::kNone) << piece;
    EXPECT_EQ(o.consumed, kChunked.size()) << piece;
    EXPECT_EQ(o.data, 5u + 26u) << piece;
  }
  // Two pieces, cut at every position.
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    BodyFramer f(BodyKind::kChunked, 0, {});
    const FrameResult a = f.advance(as_bytes(std::string_view(text).substr(0, cut)));
    const FrameResult b = f.advance(as_bytes(std::string_view(text).substr(a.consumed)));
    EXPECT_EQ(a.error, ParseError::kNone) << cut;
    EXPECT_EQ(a.consumed + b.consumed, kChunked.size()) << cut;
    EXPECT_TRUE(b.done) << cut;
  }
}

TEST(BodyFramerTest, MinimalChunkedBody) {
  const Outcome o = frame("0\r\n\r\n", 0);
  EXPECT_TRUE(o.done);
  EXPECT_EQ(o.consumed, 5u);
  EXPECT_EQ(o.data, 0u);
}

TEST(BodyFramerTest, BadChunkSizes) {
  struct Case {
    std::string_view text;
    ParseError error;
    size_t consumed;  // where the error is
  };
  const Case cases[] = {
      {"\r\n", ParseError::kBadChunkSize, 0},
      {"g\r\n", ParseError::kBadChunkSize, 0},
      {"-5\r\n", ParseError::kBadChunkSize, 0},
      {"+5\r\n", ParseError::kBadChunkSize, 0},
      {" 5\r\n", ParseError::kBadChunkSize, 0},
      {"0x5\r\n", ParseError::kBadChunkSize, 1},
      {"5 \r\n", ParseError::kBadChunkExtension, 2},
      {"5\n", ParseError::kBareLf, 1},
      {"5\rX", ParseError::kBareCr, 2},
      {"8000000000000000\r\n", ParseError::kBadChunkSize, 15},   // 2^63
      {"10000000000000000\r\n", ParseError::kBadChunkSize, 16},  // 2^64 would wrap
  };
  for (const Case& c : cases) {
    for (size_t piece : {size_t{0}, size_t{1}}) {
      const Outcome o = frame(c.text, piece);
      EXPECT_EQ(o.error, c.error) << c.text;
      EXPECT_EQ(o.consumed, c.consumed) << c.text;
      EXPECT_FALSE(o.done);
    }
  }
  ParseLimits big;
  big.max_body_bytes = ~uint64_t{0};
  const Outcome max = frame("7fffffffffffffff\r\nab", 0, BodyKind::kChunked, 0, big);
  EXPECT_EQ(max.error, ParseError::kNone);
  EXPECT_EQ(max.data, 2u);
}

TEST(BodyFramerTest, ChunkExtensions) {
  const std::string_view good[] = {
      "1;a\r\nx\r\n0\r\n\r\n",          "1 ;a\r\nx\r\n0\r\n\r\n",     "1;a=b\r\nx\r\n0\r\n\r\n",
      "1 ; a = b ;c\r\nx\r\n0\r\n\r\n", "1;a=\"\"\r\nx\r\n0\r\n\r\n", "1;a=\"x;y\"\r\nx\r\n0;z\r\n\r\n",
      "1;a=\"\\\"\"\r\nx\r\n0\r\n\r\n",
  };
  for (const std::string_view text : good) {
    const Outcome o = frame(text, 1);
    EXPECT_TRUE(o.done) << text;
    EXPECT_EQ(o.consumed, text.size()) << text;
  }
  const std::string_view bad[] = {
      "1;\r\n",      "1;=b\r\n",         "1;a=\r\n",   "1;a b\r\n", "1;a=b c\r\n",    "1;a=\"x\"y\r\n",
      "1;a=\"x\r\n", "1;a=\"\x01\"\r\n", "1;a==b\r\n", "1;a ,\r\n", "1;a=\"x\" \r\n",
  };
  for (const std::string_view text : bad)
    EXPECT_EQ(frame(text, 1).error, ParseError::kBadChunkExtension) << text;
}

TEST(BodyFramerTest, ChunkLineLengthBounded) {
  ParseLimits limits;
  limits.max_chunk_line_bytes = 16;
  // 1 + ";" + 13 + CR = 16 bytes of line: fits.
  const std::string fits = "1;" + std::string(13, 'a') + "\r\nx\r\n0\r\n\r\n";
  EXPECT_TRUE(frame(fits, 0, BodyKind::kChunked, 0, limits).done);
  const std::string over = "1;" + std::string(14, 'a') + "\r\nx\r\n0\r\n\r\n";
  const Outcome o = frame(over, 0, BodyKind::kChunked, 0, limits);
  EXPECT_EQ(o.error, ParseError::kChunkLineTooLong);
  EXPECT_EQ(o.consumed, 16u);  // at the CR that makes it 17 bytes
  // Leading zeros count too: they cannot go on forever.
  EXPECT_EQ(frame(std::string(17, '0') + "1\r\n", 0, BodyKind::kChunked, 0, limits).error,
            ParseError::kChunkLineTooLong);
}

TEST(BodyFramerTest, ChunkDataMustEndWithCrlf) {
  EXPECT_EQ(frame("3\r\nabcd\r\n", 0).error, ParseError::kBadChunkEnd);
  EXPECT_EQ(frame("3\r\nabc\n0\r\n\r\n", 0).error, ParseError::kBadChunkEnd);
  EXPECT_EQ(frame("3\r\nabc\rX", 0).error, ParseError::kBadChunkEnd);
  EXPECT_EQ(frame("3\r\nabc\r\n\r\n", 0).error, ParseError::kBadChunkSize);
}

TEST(BodyFramerTest, TrailerRules) {
  const ErrorCase cases[] = {
      {"0\r\nX: a\r\n folded\r\n\r\n", ParseError::kObsFold},
      {"0\r\nX : a\r\n\r\n", ParseError::kWhitespaceBeforeColon},
      {"0\r\nX: a\0b\r\n\r\n"sv, ParseError::kBadFieldValue},
      {"0\r\nX: a\nY: b\r\n\r\n", ParseError::kBareLf},
      {"0\r\nX: a\rY\r\n\r\n", ParseError::kBareCr},
      {"0\r\n: a\r\n\r\n", ParseError::kBadFieldName},
      {"0\r\nX(: a\r\n\r\n", ParseError::kBadFieldName},
      {"0\r\n\rX", ParseError::kBareCr},
      {"0\r\n\n", ParseError::kBareLf},
  };
  for (const ErrorCase& c : cases) EXPECT_EQ(frame(c.text, 1).error, c.error) << c.text;
}

TEST(BodyFramerTest, TrailerSizeBounded) {
  ParseLimits limits;
  limits.max_trailer_bytes = 12;
  EXPECT_TRUE(frame("0\r\nX: 12345\r\n\r\n", 1, BodyKind::kChunked, 0, limits).done);  // 12 bytes
  const Outcome o = frame("0\r\nX: 123456\r\n\r\n", 1, BodyKind::kChunked, 0, limits);
  EXPECT_EQ(o.error, ParseError::kTrailerTooLarge);
  EXPECT_EQ(o.consumed, 3u + 12u);
  EXPECT_EQ(status_for(ParseError::kTrailerTooLarge), 431);
}

TEST(BodyFramerTest, ChunkDataCountsAgainstBodyLimit) {
  ParseLimits limits;
  limits.max_body_bytes = 10;
  const Outcome ok = frame("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", 1, BodyKind::kChunked, 0, limits);
  EXPECT_TRUE(ok.done);
  EXPECT_EQ(ok.data, 10u);
  const Outcome over = frame("5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n", 1, BodyKind::kChunked, 0, limits);
  EXPECT_EQ(over.error, ParseError::kBodyTooLarge);
  EXPECT_EQ(over.consumed, 12u);  // refused at the LF of the size line that goes over
  EXPECT_EQ(over.data, 5u);
}

TEST(BodyFramerTest, ErrorIsSticky) {
  BodyFramer f(BodyKind::kChunked, 0, {});
  EXPECT_EQ(f.advance(as_bytes("z")).error, ParseError::kBadChunkSize);
  const FrameResult r = f.advance(as_bytes("0\r\n\r\n"));
  EXPECT_EQ(r.consumed, 0u);
  EXPECT_EQ(r.error, ParseError::kBadChunkSize);
}

// A request head then its chunked body, the whole exchange split at every byte: the head is gathered
// until complete, then the framer takes over from head_bytes.
TEST(BodyFramerTest, RequestThenBodySplitAtEveryByte) {
  const std::string head = "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string text = head + kChunked + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
  for (size_t cut = 0; cut < text.size(); ++cut) {
    HeaderStore store;
    RequestHead req;
    const ParseLimits limits;
    std::string gathered = text.substr(0, cut);
    ParseResult r = parse_request(as_bytes(gathered), limits, store, req);
    if (r.status == ParseStatus::kIncomplete) {
      gathered = text;  // the rest arrives
      r = parse_request(as_bytes(gathered), limits, store, req);
    }
    ASSERT_EQ(r.status, ParseStatus::kComplete) << cut;
    ASSERT_EQ(req.head_bytes, head.size());
    BodyFramer f = BodyFramer::for_request(req, limits);
    const size_t first_end = std::max(cut, head.size());
    const FrameResult a =
        f.advance(as_bytes(std::string_view(text).substr(head.size(), first_end - head.size())));
    const FrameResult b = f.advance(as_bytes(std::string_view(text).substr(head.size() + a.consumed)));
    EXPECT_TRUE(b.done) << cut;
    EXPECT_EQ(head.size() + a.consumed + b.consumed, head.size() + kChunked.size()) << cut;
    const std::string_view next = std::string_view(text).substr(head.size() + kChunked.size());
    ASSERT_EQ(parse_request(as_bytes(next), limits, store, req).status, ParseStatus::kComplete);
    EXPECT_EQ(req.path, "/next");
  }
}

}  // namespace
}  // namespace tollgate::http
