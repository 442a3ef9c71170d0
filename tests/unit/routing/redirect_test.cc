#include "engine/routing/redirect.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "tests/unit/routing/routing_fixture.h"

namespace tollgate::routing {
namespace {

using testing::Request;

std::string render(const RedirectAction& redirect, const Request& r) {
  std::array<char, 512> out{};
  const size_t n = render_redirect(redirect, r.view(), out);
  return std::string(out.data(), n);
}

Request request(std::string protocol, uint16_t port) {
  Request r;
  r.protocol = std::move(protocol);
  r.port = port;
  r.host = "Example.com:8080";
  r.path = "/a/b";
  r.query = "x=1&y=2";
  return r;
}

TEST(Redirect, DefaultTemplatesKeepTheRequest) {
  EXPECT_EQ(render({}, request("https", 443)), "https://Example.com/a/b?x=1&y=2");
  EXPECT_EQ(render({}, request("http", 80)), "http://Example.com/a/b?x=1&y=2");
  EXPECT_EQ(render({}, request("http", 8080)), "http://Example.com:8080/a/b?x=1&y=2");
}

TEST(Redirect, HttpToHttps) {
  const RedirectAction to_https{.status = 301, .protocol = "HTTPS", .port = "443"};
  EXPECT_EQ(render(to_https, request("http", 80)), "https://Example.com/a/b?x=1&y=2");
  const RedirectAction other_port{.protocol = "https", .port = "8443"};
  EXPECT_EQ(render(other_port, request("http", 80)), "https://Example.com:8443/a/b?x=1&y=2");
}

TEST(Redirect, TemplatesInEveryField) {
  const RedirectAction r{.host = "new.#{host}", .path = "/v2/#{path}/", .query = "from=#{protocol}&#{query}"};
  EXPECT_EQ(render(r, request("https", 443)), "https://new.Example.com/v2/a/b/?from=https&x=1&y=2");
}

TEST(Redirect, QueryHandling) {
  Request r = request("https", 443);
  r.query = "";
  EXPECT_EQ(render({}, r), "https://Example.com/a/b");  // no bare '?'
  EXPECT_EQ(render({.query = ""}, request("https", 443)), "https://Example.com/a/b");
  EXPECT_EQ(render({.query = "fixed=1"}, r), "https://Example.com/a/b?fixed=1");
  r.path = "/";
  EXPECT_EQ(render({}, r), "https://Example.com/");
}

TEST(Redirect, FixedHostAndPathAndUnknownKeyword) {
  const RedirectAction r{.host = "maintenance.example.org", .path = "/#{nope}", .query = ""};
  EXPECT_EQ(render(r, request("https", 443)), "https://maintenance.example.org/#{nope}");
}

TEST(Redirect, TooSmallBufferGivesZero) {
  const Request r = request("https", 443);
  const std::string full = "https://Example.com/a/b?x=1&y=2";
  std::array<char, 64> out{};
  EXPECT_EQ(render_redirect({}, r.view(), std::span(out).first(full.size())), full.size());
  EXPECT_EQ(render_redirect({}, r.view(), std::span(out).first(full.size() - 1)), 0u);
  EXPECT_EQ(render_redirect({}, r.view(), std::span<char>()), 0u);
}

}  // namespace
}  // namespace tollgate::routing
