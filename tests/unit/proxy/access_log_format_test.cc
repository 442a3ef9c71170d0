#include "engine/proxy/access_log_format.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace tollgate::proxy {
namespace {

const AccessLogNames kNames{{"web", "admin"}, {"api", "static"}};

// A request forwarded over TLS 1.3 with every field known.
AccessRecord forwarded() {
  AccessRecord r;
  r.time_unix_us = 1714566896'000123;  // 2024-05-01T12:34:56.000123Z
  r.client_ip = 0xC612000A;            // 198.18.0.10
  r.client_port = 51234;
  r.listener = 1;
  r.rule_priority = 10;
  r.pool = 0;
  r.target_ip = 0xC6130014;  // 198.19.0.20
  r.target_port = 8080;
  r.request_processing_us = 12;
  r.target_processing_us = 3456;
  r.response_processing_us = 1'234'567;
  r.status = 200;
  r.target_status = 200;
  r.bytes_in = 512;
  r.bytes_out = 20480;
  r.tls_version = kTlsVersion13;
  r.cipher = 0x1301;
  r.sni.assign("example.com");
  r.request_line.assign("GET /index.html?a=1 HTTP/1.1");
  r.user_agent.assign("curl/8.0.1");
  r.request_id.assign("3f2a9c1e5b7d4a60");
  return r;
}

std::string line(const AccessRecord& r) {
  std::string out;
  format_access_line(r, kNames, out);
  return out;
}

TEST(AccessLogFormat, FullRecord) {
  EXPECT_EQ(
      line(forwarded()),
      R"({"time":"2024-05-01T12:34:56.000123Z","client":"198.18.0.10:51234","listener":"admin",)"
      R"("rule_priority":10,"pool":"api","target":"198.19.0.20:8080","request_processing_ms":0.012,)"
      R"("target_processing_ms":3.456,"response_processing_ms":1234.567,"status":200,"target_status":200,)"
      R"("bytes_in":512,"bytes_out":20480,"request":"GET /index.html?a=1 HTTP/1.1","user_agent":"curl/8.0.1",)"
      R"("tls_protocol":"TLSv1.3","tls_cipher":"TLS_AES_128_GCM_SHA256","sni":"example.com",)"
      R"("request_id":"3f2a9c1e5b7d4a60"})"
      "\n");
}

// A redirect answered here over plaintext: no pool, no target, no target timings, no TLS.
TEST(AccessLogFormat, LocalAnswerHasNulls) {
  AccessRecord r;
  r.time_unix_us = 0;
  r.client_ip = 0x0A000001;
  r.client_port = 1;
  r.status = 301;
  r.response_processing_us = 0;
  r.bytes_in = 78;
  r.bytes_out = 190;
  r.request_line.assign("GET / HTTP/1.1");
  EXPECT_EQ(
      line(r),
      R"({"time":"1970-01-01T00:00:00.000000Z","client":"10.0.0.1:1","listener":"web","rule_priority":0,)"
      R"("pool":null,"target":null,"request_processing_ms":-1,"target_processing_ms":-1,)"
      R"("response_processing_ms":0.000,"status":301,"target_status":null,"bytes_in":78,"bytes_out":190,)"
      R"("request":"GET / HTTP/1.1","user_agent":null,"tls_protocol":null,"tls_cipher":null,"sni":null,)"
      R"("request_id":null})"
      "\n");
}

TEST(AccessLogFormat, TlsNames) {
  AccessRecord r = forwarded();
  r.tls_version = kTlsVersion12;
  r.cipher = 0xC02B;
  nlohmann::json j = nlohmann::json::parse(line(r));
  EXPECT_EQ(j["tls_protocol"], "TLSv1.2");
  EXPECT_EQ(j["tls_cipher"], "ECDHE-ECDSA-AES128-GCM-SHA256");
  r.cipher = 0xC0FF;  // no name here: the number, not a guess
  r.tls_version = 0x7f1c;
  j = nlohmann::json::parse(line(r));
  EXPECT_EQ(j["tls_cipher"], "0xC0FF");
  EXPECT_EQ(j["tls_protocol"], "0x7F1C");
}

TEST(AccessLogFormat, UnknownIndicesAreNull) {
  AccessRecord r = forwarded();
  r.listener = 7;
  r.pool = 9;
  const nlohmann::json j = nlohmann::json::parse(line(r));
  EXPECT_TRUE(j["listener"].is_null());
  EXPECT_TRUE(j["pool"].is_null());
}

TEST(AccessLogFormat, HostileUserAgentStaysOneValidJsonLine) {
  AccessRecord r = forwarded();
  const std::string hostile = std::string("a\"b\\c\r\nd") + '\0' + "e\xff" + "f\x7f\x01 \xc3\xa9 \xe2\x82";
  r.user_agent.assign(hostile);
  r.sni.assign("x\"}\n{\"evil\":1");
  const std::string text = line(r);
  ASSERT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1) << "one line whatever the client sent";
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find('\0'), std::string::npos);
  EXPECT_NE(text.find(R"("a\"b\\c\u000d\u000ad\u0000e\u00fff\u007f\u0001 )"), std::string::npos) << text;

  const nlohmann::json j = nlohmann::json::parse(text);  // throws on invalid JSON or invalid UTF-8
  // Printable ASCII and valid UTF-8 come back as sent; each stray byte comes back as the code point of
  // its value (0xFF → U+00FF, the truncated 3-byte sequence as two such characters).
  EXPECT_EQ(j["user_agent"].get<std::string>(),
            std::string("a\"b\\c\r\nd") + '\0' + "e\xc3\xbf" + "f\x7f\x01 \xc3\xa9 \xc3\xa2\xc2\x82");
  EXPECT_EQ(j["sni"].get<std::string>(), "x\"}\n{\"evil\":1");
  EXPECT_EQ(j.size(), 19u);
}

TEST(AccessLogFormat, InvalidUtf8FormsAreEscaped) {
  // Overlong '/', a UTF-16 surrogate, a code point above U+10FFFF, a lone continuation byte.
  for (const std::string bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80"}) {
    std::string out;
    append_json_string(bad, out);
    EXPECT_EQ(out.find_first_of("\x80\x90\xa0\xaf\xc0\xed\xf4"), std::string::npos) << out;
    EXPECT_TRUE(nlohmann::json::accept(out)) << out;
  }
  std::string out;
  append_json_string("\xf0\x9f\x98\x80 ok", out);  // a valid 4-byte sequence is kept as is
  EXPECT_EQ(out, "\"\xf0\x9f\x98\x80 ok\"");
}

TEST(AccessLogFormat, LongRequestLineIsCut) {
  AccessRecord r = forwarded();
  const std::string target(1000, 'a');
  EXPECT_FALSE(r.request_line.assign("GET /" + target + " HTTP/1.1"));
  EXPECT_EQ(r.request_line.length, 256u);
  const nlohmann::json j = nlohmann::json::parse(line(r));
  EXPECT_EQ(j["request"].get<std::string>(), "GET /" + std::string(251, 'a'));
  EXPECT_TRUE(r.sni.assign(std::string(64, 's')));
  EXPECT_FALSE(r.sni.assign(std::string(65, 's')));
  EXPECT_EQ(r.sni.view(), std::string(64, 's'));
}

}  // namespace
}  // namespace tollgate::proxy
