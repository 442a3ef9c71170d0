#include "engine/health/http_probe.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>

#include "engine/health/settings_check.h"

namespace tollgate::health {
namespace {

const net::Ipv4Address kTarget = net::Ipv4Address::from_octets(198, 19, 0, 12);

StatusLine read(std::string_view text) {
  return read_status_line({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

TEST(HttpProbe, RequestBytes) {
  std::array<char, kMaxProbeRequestSize> out;
  const size_t n = write_probe_request("/health?x=1", kTarget, 8080, out);
  EXPECT_EQ(std::string_view(out.data(), n),
            "GET /health?x=1 HTTP/1.1\r\n"
            "Host: 198.19.0.12:8080\r\n"
            "User-Agent: tollgate-health\r\n"
            "Connection: close\r\n"
            "\r\n");
}

TEST(HttpProbe, LongestValidPathFitsAndTooSmallBufferIsRefused) {
  std::array<char, kMaxProbeRequestSize> out;
  const std::string path = "/" + std::string(kMaxPathLength - 1, 'p');
  const net::Ipv4Address widest = net::Ipv4Address::from_octets(255, 255, 255, 255);
  const size_t n = write_probe_request(path, widest, 65535, out);
  ASSERT_GT(n, path.size());
  EXPECT_EQ(std::string_view(out.data(), n).substr(n - 4), "\r\n\r\n");

  std::array<char, 40> small;
  EXPECT_EQ(write_probe_request("/", kTarget, 80, small), 0u);
  // Exactly the request's size fits; one byte less does not.
  std::array<char, kMaxProbeRequestSize> exact;
  const size_t need = write_probe_request("/", kTarget, 80, exact);
  EXPECT_EQ(write_probe_request("/", kTarget, 80, std::span<char>(exact.data(), need)), need);
  EXPECT_EQ(write_probe_request("/", kTarget, 80, std::span<char>(exact.data(), need - 1)), 0u);
}

TEST(HttpProbe, StatusLine) {
  EXPECT_EQ(read("HTTP/1.1 200 OK\r\n").status_code, 200);
  EXPECT_EQ(read("HTTP/1.1 200 OK\r\n").state, StatusLineState::kComplete);
  EXPECT_EQ(read("HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n").status_code, 503);
  EXPECT_EQ(read("HTTP/1.1 204\r\n").status_code, 204);  // no reason phrase, no SP: taken leniently
  EXPECT_EQ(read("HTTP/1.1 100 Continue\r\n").status_code, 100);
  EXPECT_EQ(read("HTTP/1.1 599 x").state, StatusLineState::kComplete);
}

TEST(HttpProbe, EveryPrefixOfAStatusLineIsIncomplete) {
  const std::string_view line = "HTTP/1.1 301 Moved";
  for (size_t n = 0; n < std::string_view("HTTP/1.1 301 ").size(); ++n)
    EXPECT_EQ(read(line.substr(0, n)).state, StatusLineState::kIncomplete) << n;
  EXPECT_EQ(read(line.substr(0, 13)).status_code, 301);
}

TEST(HttpProbe, MalformedStatusLines) {
  for (const std::string_view bad :
       {"HTTP/2 200 OK\r\n", "HTTP/2.0 200 OK\r\n", "HTTP/1.1  200 OK\r\n", "HTTP/1.1 20 OK\r\n",
        "HTTP/1.1 2000 OK\r\n", "HTTP/1.1 099 x\r\n", "HTTP/1.1 600 x\r\n", "HTTP/1.1 2x0 OK\r\n",
        "SSH-2.0-OpenSSH\r\n", "http/1.1 200 OK\r\n", "\x16\x03\x01"}) {
    EXPECT_EQ(read(bad).state, StatusLineState::kMalformed) << bad;
  }
}

TEST(HttpProbe, ClassifyStatus) {
  const SuccessCodes codes = SuccessCodes::parse("200-299,302").value();
  EXPECT_EQ(classify_status(200, codes), ProbeOutcome::kSuccess);
  EXPECT_EQ(classify_status(302, codes), ProbeOutcome::kSuccess);
  EXPECT_EQ(classify_status(301, codes), ProbeOutcome::kStatusMismatch);
  EXPECT_EQ(classify_status(503, codes), ProbeOutcome::kStatusMismatch);
}

}  // namespace
}  // namespace tollgate::health
