#include "engine/health/success_codes.h"

#include <gtest/gtest.h>

#include <string>

#include "engine/health/settings_check.h"

namespace tollgate::health {
namespace {

SuccessCodes parsed(std::string_view text) {
  auto codes = SuccessCodes::parse(text);
  EXPECT_TRUE(codes.ok()) << text << ": " << (codes.ok() ? "" : codes.error());
  return codes.ok() ? codes.value() : SuccessCodes();
}

std::string parse_error(std::string_view text) {
  auto codes = SuccessCodes::parse(text);
  EXPECT_FALSE(codes.ok()) << text;
  return codes.ok() ? "" : codes.error();
}

TEST(SuccessCodes, DefaultIsTwoHundredOnly) {
  const SuccessCodes codes;
  EXPECT_TRUE(codes.matches(200));
  EXPECT_FALSE(codes.matches(201));
  EXPECT_FALSE(codes.matches(302));
  EXPECT_EQ(codes.to_string(), "200");
}

TEST(SuccessCodes, SingleCode) {
  const SuccessCodes codes = parsed("204");
  EXPECT_TRUE(codes.matches(204));
  EXPECT_FALSE(codes.matches(200));
}

TEST(SuccessCodes, List) {
  const SuccessCodes codes = parsed("200,302");
  EXPECT_TRUE(codes.matches(200));
  EXPECT_TRUE(codes.matches(302));
  EXPECT_FALSE(codes.matches(301));
  EXPECT_FALSE(codes.matches(201));
}

TEST(SuccessCodes, RangeIncludesBothEnds) {
  const SuccessCodes codes = parsed("200-399");
  EXPECT_FALSE(codes.matches(199));
  EXPECT_TRUE(codes.matches(200));
  EXPECT_TRUE(codes.matches(301));
  EXPECT_TRUE(codes.matches(399));
  EXPECT_FALSE(codes.matches(400));
  EXPECT_FALSE(codes.matches(503));
}

TEST(SuccessCodes, MixedListWithSpacesAndCanonicalForm) {
  const SuccessCodes codes = parsed(" 302 , 200-299,204, 404 ");
  EXPECT_TRUE(codes.matches(250));
  EXPECT_TRUE(codes.matches(302));
  EXPECT_TRUE(codes.matches(404));
  EXPECT_FALSE(codes.matches(300));
  EXPECT_EQ(codes.to_string(), "200-299,302,404");
  EXPECT_EQ(parsed(codes.to_string()), codes);
}

TEST(SuccessCodes, WholeRangeAndBounds) {
  const SuccessCodes codes = parsed("100-599");
  EXPECT_TRUE(codes.matches(100));
  EXPECT_TRUE(codes.matches(599));
  EXPECT_FALSE(codes.matches(99));
  EXPECT_FALSE(codes.matches(600));
  EXPECT_FALSE(codes.matches(0));
  EXPECT_FALSE(codes.matches(65535));
  EXPECT_EQ(codes.to_string(), "100-599");
  EXPECT_EQ(parsed("200-200").to_string(), "200");
}

TEST(SuccessCodes, ErrorsQuoteTheEntryAtFault) {
  EXPECT_EQ(parse_error(""), "success codes are empty (e.g. \"200\" or \"200-399\")");
  EXPECT_EQ(parse_error("   "), "success codes are empty (e.g. \"200\" or \"200-399\")");
  EXPECT_EQ(parse_error("abc"), "success code 'abc': 'abc' is not a number");
  EXPECT_EQ(parse_error("200,2x0"), "success code '2x0': '2x0' is not a number");
  EXPECT_EQ(parse_error("99"), "success code '99': 99 is outside 100-599");
  EXPECT_EQ(parse_error("200-600"), "success code '200-600': 600 is outside 100-599");
  EXPECT_EQ(parse_error("99999999999"), "success code '99999999999': 99999999999 is outside 100-599");
  EXPECT_EQ(parse_error("399-200"), "success code range '399-200' runs backwards (write it as 200-399)");
  EXPECT_EQ(parse_error("200,,302"), "success codes '200,,302': empty entry at offset 4");
  EXPECT_EQ(parse_error("200,"), "success codes '200,': empty entry at offset 4");
  EXPECT_EQ(parse_error("200-"), "success code '200-': '' is not a number");
  EXPECT_EQ(parse_error("-200"), "success code '-200': '' is not a number");
  EXPECT_EQ(parse_error("200-300-400"), "success code '200-300-400': '300-400' is not a number");
  EXPECT_EQ(parse_error("+200"), "success code '+200': '+200' is not a number");
}

TEST(SettingsCheck, DefaultsAreValid) {
  EXPECT_TRUE(validate_settings(HealthCheckSettings{}).empty());
}

TEST(SettingsCheck, EveryBoundIsReportedWithItsKey) {
  HealthCheckSettings s;
  s.interval_ms = 500;
  s.timeout_ms = 50;
  s.healthy_threshold = 1;
  s.unhealthy_threshold = 11;
  s.path = "health";
  const auto errors = validate_settings(s);
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_STREQ(errors[0].key, "interval_ms");
  EXPECT_EQ(errors[0].message, "500 ms is outside 1000-300000 ms");
  EXPECT_STREQ(errors[1].key, "timeout_ms");
  EXPECT_EQ(errors[1].message, "50 ms is outside 100-120000 ms");
  EXPECT_STREQ(errors[2].key, "healthy_threshold");
  EXPECT_EQ(errors[2].message, "1 is outside 2-10");
  EXPECT_STREQ(errors[3].key, "unhealthy_threshold");
  EXPECT_STREQ(errors[4].key, "path");
  EXPECT_EQ(errors[4].message, "'health' does not start with '/'");
}

TEST(SettingsCheck, TimeoutMustBeBelowInterval) {
  HealthCheckSettings s;
  s.interval_ms = 5000;
  s.timeout_ms = 5000;
  const auto errors = validate_settings(s);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_STREQ(errors[0].key, "timeout_ms");
  EXPECT_EQ(errors[0].message, "5000 ms is not below interval_ms (5000 ms)");
}

TEST(SettingsCheck, PathMustBeOneVisibleToken) {
  HealthCheckSettings s;
  for (const char* bad : {"/a b", "/a\r\nX-Injected: 1", "/\x7f", "/caf\xc3\xa9"}) {
    s.path = bad;
    const auto errors = validate_settings(s);
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_STREQ(errors[0].key, "path");
  }
  s.path = "/" + std::string(kMaxPathLength, 'a');
  EXPECT_EQ(validate_settings(s).size(), 1u);
  s.path = "/health?probe=1&x=%20";
  EXPECT_TRUE(validate_settings(s).empty());
}

TEST(SettingsCheck, TcpIgnoresThePath) {
  HealthCheckSettings s;
  s.protocol = HealthProtocol::kTcp;
  s.path = "";
  EXPECT_TRUE(validate_settings(s).empty());
}

TEST(SettingsCheck, ProtocolNames) {
  EXPECT_EQ(parse_health_protocol("http"), HealthProtocol::kHttp);
  EXPECT_EQ(parse_health_protocol("HTTPS"), HealthProtocol::kHttps);
  EXPECT_EQ(parse_health_protocol("Tcp"), HealthProtocol::kTcp);
  EXPECT_EQ(parse_health_protocol("udp"), std::nullopt);
  EXPECT_STREQ(protocol_name(HealthProtocol::kHttps), "HTTPS");
}

}  // namespace
}  // namespace tollgate::health
