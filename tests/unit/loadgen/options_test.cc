#include "bench/loadgen/options.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "bench/loadgen/eal_plan.h"

namespace tollgate::loadgen {
namespace {

Options client_run() {
  Options o;
  std::string why;
  o.ports.push_back(*parse_port("/tmp/f.sock,198.18.0.10/24", why));
  o.ports.push_back(*parse_port("/tmp/b.sock,198.19.0.11/24,peer=198.19.0.1", why));
  o.client.enabled = true;
  o.client.target = *net::Ipv4Address::parse("198.18.0.1");
  o.client.port = 443;
  o.client.duration_s = 5;
  o.backend.enabled = true;
  return o;
}

bool mentions(const std::vector<std::string>& errors, const std::string& fragment) {
  return std::any_of(errors.begin(), errors.end(),
                     [&](const std::string& e) { return e.find(fragment) != std::string::npos; });
}

TEST(LoadgenOptions, AValidRunHasNoErrors) {
  EXPECT_TRUE(validate(client_run()).empty());
}

TEST(LoadgenOptions, EveryRunIsBounded) {
  Options o = client_run();
  o.client.duration_s = 0;
  o.client.requests = 0;
  EXPECT_TRUE(mentions(validate(o), "--duration SECONDS and/or --requests N"));
  o.client.requests = 1000;
  EXPECT_TRUE(validate(o).empty());
  o.client.duration_s = 700;  // beyond --max-duration 600
  EXPECT_TRUE(mentions(validate(o), "exceed --max-duration"));

  Options f = client_run();
  f.client.enabled = false;
  f.flood.enabled = true;
  f.flood.port = 443;
  EXPECT_TRUE(mentions(validate(f), "--flood-count"));
  f.flood.count = 100;
  f.flood.rate = 0;
  EXPECT_TRUE(mentions(validate(f), "rate-bounded"));
  f.flood.rate = 1000;
  EXPECT_TRUE(validate(f).empty());
}

TEST(LoadgenOptions, ErrorsNameTheFlag) {
  Options o = client_run();
  o.client.connections = 0;
  o.client.path = "index.html";
  o.client.port = 0;
  const auto e = validate(o);
  EXPECT_TRUE(mentions(e, "--connections"));
  EXPECT_TRUE(mentions(e, "--path"));
  EXPECT_TRUE(mentions(e, "--target"));
  Options none;
  EXPECT_TRUE(mentions(validate(none), "nothing to do"));
  EXPECT_TRUE(mentions(validate(none), "no --port"));
  Options one = client_run();
  one.ports.pop_back();
  EXPECT_TRUE(mentions(validate(one), "--backend uses port 1"));
}

TEST(LoadgenOptions, PortSpecs) {
  std::string why;
  const auto p =
      parse_port("/run/x.sock,198.18.0.10/24,mac=02:00:00:00:02:09,gw=198.18.0.1,peer=198.18.0.1", why);
  ASSERT_TRUE(p) << why;
  EXPECT_EQ(p->socket, "/run/x.sock");
  EXPECT_EQ(p->ipv4.to_string(), "198.18.0.10/24");
  EXPECT_EQ(p->mac->to_string(), "02:00:00:00:02:09");
  EXPECT_EQ(p->gateway->to_string(), "198.18.0.1");
  EXPECT_EQ(p->peer->to_string(), "198.18.0.1");
  EXPECT_EQ(parse_port("pci:0000:3b:00.0,198.18.0.10/24", why)->pci, "0000:3b:00.0");
  EXPECT_FALSE(parse_port("relative.sock,198.18.0.10/24", why));
  EXPECT_NE(why.find("absolute"), std::string::npos);
  EXPECT_FALSE(parse_port("/x.sock,198.18.0.10", why));
  EXPECT_NE(why.find("prefix length"), std::string::npos);
  EXPECT_FALSE(parse_port("/x.sock,198.18.0.10/24,mac=01:00:5e:00:00:01", why));
  EXPECT_FALSE(parse_port("/x.sock,198.18.0.10/24,gw=10.0.0.1", why));
  EXPECT_FALSE(parse_port("/x.sock,198.18.0.10/24,speed=fast", why));
  EXPECT_NE(why.find("unknown field"), std::string::npos);
}

TEST(LoadgenOptions, Endpoints) {
  net::Ipv4Address a;
  uint16_t port = 0;
  EXPECT_TRUE(parse_endpoint("198.18.0.1:443", a, port));
  EXPECT_EQ(a.to_string(), "198.18.0.1");
  EXPECT_EQ(port, 443);
  EXPECT_FALSE(parse_endpoint("198.18.0.1", a, port));
  EXPECT_FALSE(parse_endpoint("198.18.0.1:0", a, port));
  EXPECT_FALSE(parse_endpoint("198.18.0.1:70000", a, port));
  EXPECT_FALSE(parse_endpoint("host:80", a, port));
}

TEST(LoadgenEal, MemifClientsNeverTouchTheMachinesNics) {
  Options o = client_run();
  o.file_prefix = "lgtest";
  const EalPlan plan = build_eal_plan(o, 1);
  const auto has = [&](const std::string& s) {
    return std::find(plan.args.begin(), plan.args.end(), s) != plan.args.end();
  };
  EXPECT_TRUE(has("--no-pci"));
  EXPECT_TRUE(has("--no-huge"));
  EXPECT_TRUE(has("0@1"));
  EXPECT_TRUE(has("lgtest"));
  EXPECT_TRUE(has("net_memif0,role=client,id=0,socket=/tmp/f.sock,socket-abstract=no,mac=02:00:00:00:02:01"));
  EXPECT_TRUE(has("net_memif1,role=client,id=0,socket=/tmp/b.sock,socket-abstract=no,mac=02:00:00:00:02:02"));
  EXPECT_EQ(plan.devices, (std::vector<std::string>{"net_memif0", "net_memif1"}));
  std::string why;
  o.ports[1] = *parse_port("pci:0000:3b:00.0,198.19.0.11/24", why);
  const EalPlan nic = build_eal_plan(o, 1);
  EXPECT_TRUE(std::find(nic.args.begin(), nic.args.end(), "--no-pci") == nic.args.end());
  EXPECT_TRUE(std::find(nic.args.begin(), nic.args.end(), "0000:3b:00.0") != nic.args.end());
  EXPECT_TRUE(std::find(nic.args.begin(), nic.args.end(), "--in-memory") != nic.args.end());
}

}  // namespace
}  // namespace tollgate::loadgen
