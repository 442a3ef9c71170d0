#include "engine/http/path_normalize.h"

#include <string>
#include <vector>

#include "tests/unit/http/http_test_util.h"

namespace tollgate::http {
namespace {

std::string normal(std::string_view path) {
  std::vector<char> out(path.size());
  const size_t n = normalize_path(path, out);
  return n == 0 ? "<invalid>" : std::string(out.data(), n);
}

TEST(PathNormalize, SpellingsThatEscapeAPrefixRuleAllBecomeIt) {
  for (const char* p : {"/api/x", "/%61pi/x", "/%61%70%69/x", "/./api/x", "//api/x", "/foo/../api/x",
                        "///api//x", "/api/./x", "/api/y/../x", "/%2e/api/x", "/%2E%2e/api/x", "/../api/x",
                        "/a/b/../../api/x", "/api/x/.", "/api/x/y/.."}) {
    std::string got = normal(p);
    if (got.back() == '/' && got.size() > 1) got.pop_back();  // "/api/x/." and ".." leave a directory
    EXPECT_EQ(got, "/api/x") << p;
  }
}

TEST(PathNormalize, UnreservedDecodedReservedKeptInUpperCase) {
  EXPECT_EQ(normal("/%41%7a%30%2D%2e%5F%7E"), "/Az0-._~");
  // '/' encoded is not a separator (RFC 3986 §2.2): it stays encoded and no segment is split on it.
  EXPECT_EQ(normal("/a%2fb/%2F../c"), "/a%2Fb/%2F../c");
  EXPECT_EQ(normal("/a%2fb/../c"), "/c");
  EXPECT_EQ(normal("/%20%3f%23%25%c3%a9%00"), "/%20%3F%23%25%C3%A9%00");
  EXPECT_EQ(normal("/%2541"), "/%2541");  // decoded once only: "%41" is not decoded again
}

TEST(PathNormalize, DotSegmentsNeverClimbAboveTheRoot) {
  EXPECT_EQ(normal("/.."), "/");
  EXPECT_EQ(normal("/../../.."), "/");
  EXPECT_EQ(normal("/../../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(normal("/a/.."), "/");
  EXPECT_EQ(normal("/a/b/.."), "/a/");
  EXPECT_EQ(normal("/a/."), "/a/");
  EXPECT_EQ(normal("/."), "/");
  // Only whole segments are dots.
  EXPECT_EQ(normal("/a/.b/..c/.../b."), "/a/.b/..c/.../b.");
  EXPECT_EQ(normal("/a/..;/b"), "/a/..;/b");
}

TEST(PathNormalize, SlashesMergedTrailingSlashKept) {
  EXPECT_EQ(normal("/"), "/");
  EXPECT_EQ(normal("//"), "/");
  EXPECT_EQ(normal("/a/"), "/a/");
  EXPECT_EQ(normal("/a//"), "/a/");
  EXPECT_EQ(normal("/a//b///c"), "/a/b/c");
  EXPECT_EQ(normal("/a/..//"), "/");
  EXPECT_EQ(normal("/a/.//b"), "/a/b");
}

TEST(PathNormalize, AlreadyNormalIsUnchanged) {
  for (const char* p : {"/", "/index.html", "/a/b/c/", "/a%2Fb", "/~user/x-y_z", "/a;b=c/d,e"})
    EXPECT_EQ(normal(p), p);
}

TEST(PathNormalize, InvalidPercentEncodingAndSmallBufferFail) {
  for (const char* p : {"/%", "/%0", "/%zz", "/a%g1", "/a%1g/b", "/%%41"})
    EXPECT_EQ(normal(p), "<invalid>") << p;
  char small[3];
  EXPECT_EQ(normalize_path("/abc", small), 0u);
  EXPECT_EQ(normalize_path("abc", std::span<char>(small)), 0u);  // not a path
}

// Bounded work: a long path of ".." and "//" is handled in one pass (a quadratic scan would take minutes
// under the sanitizers at this size).
TEST(PathNormalize, LongHostilePathsAreLinear) {
  std::string p;
  for (int i = 0; i < 8000; ++i) p += "/a";
  for (int i = 0; i < 8000; ++i) p += "/..";
  for (int i = 0; i < 8000; ++i) p += "//";
  p += "x";
  EXPECT_EQ(normal(p), "/x");
}

class NormalizeRequestPathTest : public HttpTest {
 protected:
  std::vector<char> buffer = std::vector<char>(4096);
};

TEST_F(NormalizeRequestPathTest, PathViewsTheBufferAndSaysWhetherItChanged) {
  ASSERT_EQ(request("GET /%61pi//x?q=/../ HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(normalize_request_path(req, buffer), ParseError::kNone);
  EXPECT_EQ(req.path, "/api/x");
  EXPECT_EQ(req.query, "q=/../");  // the query is not a path
  EXPECT_TRUE(req.path_normalized);
  EXPECT_EQ(req.path.data(), buffer.data());

  ASSERT_EQ(request("GET /api/x HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(normalize_request_path(req, buffer), ParseError::kNone);
  EXPECT_EQ(req.path, "/api/x");
  EXPECT_FALSE(req.path_normalized);

  ASSERT_EQ(request("GET http://h.example/a/../b HTTP/1.1\r\nHost: h\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(normalize_request_path(req, buffer), ParseError::kNone);
  EXPECT_EQ(req.path, "/b");
}

TEST_F(NormalizeRequestPathTest, AsteriskConnectAndEmptyPathsAreLeftAlone) {
  ASSERT_EQ(request("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(normalize_request_path(req, buffer), ParseError::kNone);
  EXPECT_EQ(req.path, "*");
  ASSERT_EQ(request("CONNECT h.example:443 HTTP/1.1\r\nHost: h.example:443\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(normalize_request_path(req, buffer), ParseError::kNone);
  EXPECT_TRUE(req.path.empty());
  ASSERT_EQ(request("GET http://h.example?q HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(normalize_request_path(req, buffer), ParseError::kNone);
  EXPECT_TRUE(req.path.empty());
  EXPECT_FALSE(req.path_normalized);
}

TEST_F(NormalizeRequestPathTest, BufferSmallerThanThePathIsRefused) {
  ASSERT_EQ(request("GET /abcdef HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(normalize_request_path(req, std::span<char>(buffer).first(3)), ParseError::kHeadTooLarge);
}

}  // namespace
}  // namespace tollgate::http
