#include "controlplane/ctl_protocol.h"

#include <gtest/gtest.h>

namespace tollgate::controlplane {
namespace {

TEST(CtlProtocol, RequestRoundTrip) {
  const std::string line =
      encode_request({"target.weight", {{"pool", "web"}, {"target", "198.19.0.11:8080"}, {"weight", 5}}});
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line";
  Result<CtlRequest> r = decode_request(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->command, "target.weight");
  EXPECT_EQ(r->args["pool"], "web");
  EXPECT_EQ(r->args["weight"], 5);
}

TEST(CtlProtocol, RequestWithoutArgsGetsAnEmptyObject) {
  Result<CtlRequest> r = decode_request(R"({"command":"show.stats"})");
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(r->args.is_object());
  EXPECT_TRUE(r->args.empty());
}

TEST(CtlProtocol, BadRequestsSayWhy) {
  struct Case {
    const char* line;
    const char* error;
  };
  for (const Case& c :
       {Case{"show stats", "not valid JSON"}, Case{"[1,2]", "not a JSON object"},
        Case{"{}", "\"command\" must be a non-empty string"},
        Case{R"({"command":""})", "\"command\" must be a non-empty string"},
        Case{R"({"command":7})", "\"command\" must be a non-empty string"},
        Case{R"({"command":"x","args":[]})", "\"args\" must be an object"},
        Case{R"({"v":2,"command":"x"})", "protocol version 2 is not spoken here (this is version 1)"}}) {
    Result<CtlRequest> r = decode_request(c.line);
    ASSERT_FALSE(r) << c.line;
    EXPECT_EQ(r.error(), c.error) << c.line;
  }
}

TEST(CtlProtocol, ResponseRoundTrip) {
  const std::string ok = encode_response(CtlResponse::success({{"generation", 3}}));
  EXPECT_EQ(ok, "{\"ok\":true,\"result\":{\"generation\":3}}\n");
  Result<CtlResponse> r = decode_response(std::string_view(ok).substr(0, ok.size() - 1));
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->result["generation"], 3);

  const std::string bad = encode_response(CtlResponse::failure("no pool named 'x'", {{"errors", {1, 2}}}));
  r = decode_response(std::string_view(bad).substr(0, bad.size() - 1));
  ASSERT_TRUE(r) << r.error();
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "no pool named 'x'");
  EXPECT_EQ(r->result["errors"].size(), 2u);
}

TEST(CtlProtocol, AnEmptyResultIsLeftOut) {
  EXPECT_EQ(encode_response(CtlResponse::success(nlohmann::json::object())), "{\"ok\":true}\n");
  EXPECT_EQ(encode_response(CtlResponse::failure("no")), "{\"error\":\"no\",\"ok\":false}\n");
}

TEST(CtlProtocol, InvalidUtf8IsReplacedNotThrown) {
  const std::string line = encode_response(CtlResponse::failure(std::string("bad \xff byte")));
  EXPECT_NE(line.find("bad "), std::string::npos);
  EXPECT_TRUE(decode_response(std::string_view(line).substr(0, line.size() - 1)));
}

TEST(CtlProtocol, BadResponsesSayWhy) {
  EXPECT_EQ(decode_response("{}").error(), "\"ok\" must be true or false");
  EXPECT_EQ(decode_response(R"({"ok":false})").error(), "a failed response must say why (\"error\")");
  EXPECT_EQ(decode_response(R"({"ok":true,"error":1})").error(), "\"error\" must be a string");
  EXPECT_EQ(decode_response("nope").error(), "not valid JSON");
}

}  // namespace
}  // namespace tollgate::controlplane
