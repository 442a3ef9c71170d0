#include "engine/http/forward_writer.h"

#include <string>
#include <vector>

#include "tests/unit/http/http_test_util.h"

namespace tollgate::http {
namespace {

class ForwardWriterTest : public HttpTest {
 protected:
  std::string forward_request(std::string_view text, const ForwardInfo& fi) {
    EXPECT_EQ(request(text).status, ParseStatus::kComplete) << text;
    const size_t n = write_forwarded_request(req, fi, out);
    return std::string(as_text(out, n));
  }
  // The forwarded head up to the fields we add.
  std::string forwarded_client_part(std::string_view text) {
    const std::string got = forward_request(text, info);
    return got.substr(0, got.find("X-Forwarded-For"));
  }
  std::string forward_response(std::string_view text, const ResponseInfo& ri, Method m = Method::kGet) {
    EXPECT_EQ(response(text, m).status, ParseStatus::kComplete) << text;
    const size_t n = write_forwarded_response(resp, ri, out);
    return std::string(as_text(out, n));
  }

  std::vector<uint8_t> out = std::vector<uint8_t>(4096);
  ForwardInfo info{"192.0.2.7", true, 443, "req-42"};
};

TEST_F(ForwardWriterTest, RequestStripsHopByHopAndAddsForwardingFields) {
  const std::string got = forward_request(
      "POST /submit?a=1 HTTP/1.1\r\n"
      "Host: example.com\r\n"
      "Connection: keep-alive, X-Secret\r\n"
      "Keep-Alive: timeout=5\r\n"
      "Proxy-Connection: keep-alive\r\n"
      "TE: trailers\r\n"
      "Trailer: Checksum\r\n"
      "X-Secret: s\r\n"
      "Upgrade: h2c\r\n"
      "X-Forwarded-For: 10.0.0.1\r\n"
      "X-Forwarded-Proto: http\r\n"
      "X-Forwarded-Port: 80\r\n"
      "X-Request-Id: forged\r\n"
      "Transfer-Encoding: chunked\r\n"
      "x-forwarded-for: 10.0.0.2, 10.0.0.3\r\n"
      "Accept: */*\r\n"
      "\r\n",
      info);
  EXPECT_EQ(got,
            "POST /submit?a=1 HTTP/1.1\r\n"
            "Host: example.com\r\n"
            "Trailer: Checksum\r\n"
            "Transfer-Encoding: chunked\r\n"
            "Accept: */*\r\n"
            "X-Forwarded-For: 10.0.0.1, 10.0.0.2, 10.0.0.3, 192.0.2.7\r\n"
            "X-Forwarded-Proto: https\r\n"
            "X-Forwarded-Port: 443\r\n"
            "X-Request-Id: req-42\r\n"
            "\r\n");
}

TEST_F(ForwardWriterTest, RequestMinimalHttp10StaysHttp10WithKeepAlive) {
  info.tls = false;
  info.listener_port = 8080;
  info.request_id = {};
  EXPECT_EQ(forward_request("GET / HTTP/1.0\r\nConnection: close\r\n\r\n", info),
            "GET / HTTP/1.0\r\n"
            "Host: \r\n"
            "Connection: keep-alive\r\n"
            "X-Forwarded-For: 192.0.2.7\r\n"
            "X-Forwarded-Proto: http\r\n"
            "X-Forwarded-Port: 8080\r\n"
            "\r\n");
}

TEST_F(ForwardWriterTest, ExpectForwardedOnlyFromHttp11) {
  info.request_id = {};
  const std::string_view tail =
      "X-Forwarded-For: 192.0.2.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Port: 443\r\n\r\n";
  EXPECT_EQ(
      forward_request("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", info),
      "PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n" + std::string(tail));
  EXPECT_EQ(
      forward_request("PUT / HTTP/1.0\r\nExpect: something\r\nContent-Length: 1\r\n\r\n", info),
      "PUT / HTTP/1.0\r\nHost: \r\nConnection: keep-alive\r\nContent-Length: 1\r\n" + std::string(tail));
}

TEST_F(ForwardWriterTest, AbsoluteFormBecomesOriginForm) {
  EXPECT_EQ(forward_request("GET http://a.example:81/x?y HTTP/1.1\r\nHost: ignored\r\n\r\n", info),
            "GET /x?y HTTP/1.1\r\nHost: a.example:81\r\nX-Forwarded-For: 192.0.2.7\r\n"
            "X-Forwarded-Proto: https\r\nX-Forwarded-Port: 443\r\nX-Request-Id: req-42\r\n\r\n");
  EXPECT_EQ(forward_request("GET http://a.example?q HTTP/1.1\r\nHost: a.example\r\n\r\n", info).substr(0, 20),
            "GET /?q HTTP/1.1\r\nHo");
  EXPECT_EQ(forward_request("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", info).substr(0, 21),
            "OPTIONS * HTTP/1.1\r\nH");
}

TEST_F(ForwardWriterTest, ConnectionCannotNominateFramingOrHost) {
  EXPECT_EQ(forwarded_client_part("POST / HTTP/1.1\r\nHost: h\r\nConnection: Content-Length, Host, "
                                  "Transfer-Encoding\r\nContent-Length: 3\r\n\r\n"),
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n");
}

TEST_F(ForwardWriterTest, WebSocketUpgradeKeepsUpgrade) {
  EXPECT_EQ(
      forwarded_client_part("GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Key: k\r\nSec-WebSocket-Version: 13\r\n\r\n"),
      "GET /chat HTTP/1.1\r\nHost: h\r\nSec-WebSocket-Key: k\r\n"
      "Sec-WebSocket-Version: 13\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
}

// Only a WebSocket upgrade goes on, as "Upgrade: websocket" alone: the target must not be offered a
// protocol switch (h2c, TLS/1.0) the balancer would then tunnel without understanding it.
TEST_F(ForwardWriterTest, OnlyWebSocketIsOfferedUpstream) {
  EXPECT_EQ(
      forwarded_client_part("GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: h2c, websocket, TLS/1.0\r\n"
                            "Connection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQCAAAA\r\n"
                            "Sec-WebSocket-Key: k\r\n\r\n"),
      "GET /chat HTTP/1.1\r\nHost: h\r\nSec-WebSocket-Key: k\r\n"
      "Upgrade: websocket\r\nConnection: Upgrade\r\n");
  EXPECT_EQ(forwarded_client_part("GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nUpgrade: websocket\r\n"
                                  "Connection: Upgrade\r\n\r\n"),
            "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
  // Not a WebSocket upgrade (no websocket token, not GET, HTTP/1.0): no Upgrade, and the fields its
  // Connection nominated stay here too.
  for (const char* text :
       {"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n"
        "HTTP2-Settings: AAMAAABkAAQCAAAA\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: TLS/1.0\r\nConnection: Upgrade\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"}) {
    const std::string got = forwarded_client_part(text);
    EXPECT_EQ(got.find("Upgrade"), std::string::npos) << got;
    EXPECT_EQ(got.find("HTTP2-Settings"), std::string::npos) << got;
  }
}

// A client must not speak for this hop: none of these reaches the target, in either spelling.
TEST_F(ForwardWriterTest, ClientCannotForgeProxyFields) {
  const std::string got = forward_request(
      "GET / HTTP/1.1\r\nHost: h\r\n"
      "Forwarded: for=10.9.9.9;proto=https\r\n"
      "X-Forwarded-Host: admin.internal\r\n"
      "X-Real-IP: 10.9.9.9\r\n"
      "X_Real_IP: 10.9.9.9\r\n"
      "X_Forwarded_For: 10.9.9.9\r\n"
      "x-forwarded_proto: https\r\n"
      "X_FORWARDED_PORT: 443\r\n"
      "X_Forwarded_Host: admin.internal\r\n"
      "X-Forwarded-Ssl: on\r\n"
      "X_Request_Id: forged\r\n"
      "X-Request-ID: forged\r\n"
      "X-Forwarded-For: 203.0.113.1\r\n"
      "X-Realm: kept\r\n"
      "X-Forwarder: kept\r\n"
      "\r\n",
      info);
  EXPECT_EQ(got,
            "GET / HTTP/1.1\r\nHost: h\r\n"
            "X-Realm: kept\r\n"
            "X-Forwarder: kept\r\n"
            "X-Forwarded-For: 203.0.113.1, 192.0.2.7\r\n"
            "X-Forwarded-Proto: https\r\n"
            "X-Forwarded-Port: 443\r\n"
            "X-Request-Id: req-42\r\n"
            "\r\n");
}

TEST_F(ForwardWriterTest, XffModes) {
  const std::string_view with =
      "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.1\r\n"
      "X-Forwarded-For: \r\nX-Forwarded-For: 10.0.0.2, 10.0.0.3\r\n\r\n";
  const std::string_view without = "GET / HTTP/1.1\r\nHost: h\r\nX_Forwarded_For: 10.0.0.9\r\n\r\n";
  const auto xff = [&](std::string_view text, XffMode mode) {
    info.xff = mode;
    const std::string got = forward_request(text, info);
    const size_t at = got.find("X-Forwarded-For: ");
    return at == std::string::npos ? std::string("<none>")
                                   : got.substr(at + 17, got.find("\r\n", at) - at - 17);
  };
  EXPECT_EQ(xff(with, XffMode::kAppend), "10.0.0.1, 10.0.0.2, 10.0.0.3, 192.0.2.7");
  EXPECT_EQ(xff(without, XffMode::kAppend), "192.0.2.7");
  EXPECT_EQ(xff(with, XffMode::kPreserve), "10.0.0.1, 10.0.0.2, 10.0.0.3");
  EXPECT_EQ(xff(without, XffMode::kPreserve), "192.0.2.7");
  EXPECT_EQ(xff(with, XffMode::kRemove), "<none>");
  EXPECT_EQ(xff(without, XffMode::kRemove), "<none>");
  // The other fields of ours are written whatever the mode.
  info.xff = XffMode::kRemove;
  EXPECT_NE(forward_request(with, info)
                .find("X-Forwarded-Proto: https\r\nX-Forwarded-Port: 443\r\n"
                      "X-Request-Id: req-42\r\n"),
            std::string::npos);
}

// The path goes on as the head holds it: normalised, it is what the rules matched; the query as received.
TEST_F(ForwardWriterTest, TargetIsThePathThenTheQuery) {
  ASSERT_EQ(request("GET /%61pi//x/../y?a=/../b&c HTTP/1.1\r\nHost: h\r\n\r\n").status,
            ParseStatus::kComplete);
  req.path = "/api/y";
  const size_t n = write_forwarded_request(req, info, out);
  EXPECT_EQ(as_text(out, n).substr(0, 33), "GET /api/y?a=/../b&c HTTP/1.1\r\nHo");
  ASSERT_EQ(request("GET http://a.example/p/../q? HTTP/1.1\r\nHost: a.example\r\n\r\n").status,
            ParseStatus::kComplete);
  req.path = "/q";
  EXPECT_EQ(as_text(out, write_forwarded_request(req, info, out)).substr(0, 20), "GET /q? HTTP/1.1\r\nHo");
}

TEST_F(ForwardWriterTest, RequestDoesNotFitOrUnsafeInfo) {
  ASSERT_EQ(request("GET / HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::kComplete);
  const size_t full = write_forwarded_request(req, info, out);
  ASSERT_EQ(full, 126u);
  EXPECT_EQ(write_forwarded_request(req, info, std::span<uint8_t>(out).first(full)), full);
  EXPECT_EQ(write_forwarded_request(req, info, std::span<uint8_t>(out).first(full - 1)), 0u);
  info.request_id = "a\r\nX-Evil: 1";
  EXPECT_EQ(write_forwarded_request(req, info, out), 0u);
}

TEST_F(ForwardWriterTest, ResponseStripsHopByHopAndAddsHsts) {
  const ResponseInfo ri{false, false, "max-age=31536000; includeSubDomains"};
  EXPECT_EQ(forward_response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive, X-Hop\r\n"
                             "X-Hop: 1\r\nKeep-Alive: timeout=5\r\nServer: s\r\n\r\n",
                             ri),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: s\r\n"
            "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n\r\n");
  // Present already: kept as the backend sent it, not doubled.
  EXPECT_EQ(forward_response("HTTP/1.1 204 No Content\r\nstrict-transport-security: max-age=1\r\n\r\n", ri),
            "HTTP/1.1 204 No Content\r\nstrict-transport-security: max-age=1\r\n\r\n");
}

TEST_F(ForwardWriterTest, ResponseConnectionHandling) {
  EXPECT_EQ(forward_response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", {true, false, {}}),
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(forward_response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", {false, true, {}}),
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n");
  // Read until close: the client can only see the end by the close.
  EXPECT_EQ(forward_response("HTTP/1.0 200 OK\r\nServer: s\r\n\r\n", {false, false, {}}),
            "HTTP/1.1 200 OK\r\nServer: s\r\nConnection: close\r\n\r\n");
  // Interim: nothing added.
  EXPECT_EQ(forward_response("HTTP/1.1 100 Continue\r\n\r\n", {true, false, "max-age=1"}),
            "HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_EQ(
      forward_response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
                       "Sec-WebSocket-Accept: a\r\n\r\n",
                       {false, false, "max-age=1"}),
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: a\r\n"
      "Connection: Upgrade\r\n\r\n");
}

TEST_F(ForwardWriterTest, ResponseDoesNotFit) {
  ASSERT_EQ(response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").status, ParseStatus::kComplete);
  const ResponseInfo ri{};
  EXPECT_EQ(write_forwarded_response(resp, ri, out), 38u);
  EXPECT_EQ(write_forwarded_response(resp, ri, std::span<uint8_t>(out).first(37)), 0u);
  EXPECT_EQ(write_forwarded_response(resp, {false, false, "a\nb"}, out), 0u);
}

}  // namespace
}  // namespace tollgate::http
