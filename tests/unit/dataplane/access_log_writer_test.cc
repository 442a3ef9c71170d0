#include "dataplane/access_log_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tollgate::dataplane {
namespace {

class AccessLogWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "tollgate-access-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/access.log";
  }
  void TearDown() override {
    for (const char* name : {"/access.log", "/access.log.1"}) std::remove((dir_ + name).c_str());
    ::rmdir(dir_.c_str());
  }

  static proxy::AccessLogNames names() { return {{"web"}, {"api"}}; }

  static proxy::AccessRecord record(uint64_t n) {
    proxy::AccessRecord r;
    r.time_unix_us = 1714566896'000000 + n;
    r.client_ip = 0xC612000A;
    r.client_port = 40000;
    r.pool = 0;
    r.status = 200;
    r.bytes_in = n;
    r.request_line.assign("GET /" + std::to_string(n) + " HTTP/1.1");
    return r;
  }

  static std::vector<nlohmann::json> read_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<nlohmann::json> out;
    for (std::string l; std::getline(in, l);) out.push_back(nlohmann::json::parse(l));
    return out;
  }

  std::unique_ptr<AccessLogWriter> open_writer(std::vector<proxy::AccessLogRing*> rings) {
    auto w = AccessLogWriter::open(path_, std::move(rings), names());
    EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error());
    return w.ok() ? std::move(w.value()) : nullptr;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(AccessLogWriterTest, DrainWritesEveryRingInOrder) {
  proxy::AccessLogRing a(16), b(16);
  auto writer = open_writer({&a, nullptr, &b});  // a core without a ring is skipped
  ASSERT_TRUE(writer);
  for (uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(a.push(record(i)));
  for (uint64_t i = 10; i < 12; ++i) ASSERT_TRUE(b.push(record(i)));
  EXPECT_EQ(writer->drain(), 5u);
  EXPECT_EQ(writer->written(), 5u);
  const auto lines = read_lines(path_);
  ASSERT_EQ(lines.size(), 5u);
  const uint64_t expected[] = {0, 1, 2, 10, 11};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(lines[i]["bytes_in"], expected[i]);
    EXPECT_EQ(lines[i]["listener"], "web");
    EXPECT_EQ(lines[i]["pool"], "api");
  }
  EXPECT_EQ(writer->drain(), 0u);
}

TEST_F(AccessLogWriterTest, AppendsToWhatIsThere) {
  { std::ofstream(path_) << "{\"earlier\":true}\n"; }
  proxy::AccessLogRing ring(4);
  auto writer = open_writer({&ring});
  ASSERT_TRUE(writer);
  ASSERT_TRUE(ring.push(record(1)));
  writer->drain();
  const auto lines = read_lines(path_);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0]["earlier"]);
}

TEST_F(AccessLogWriterTest, ThreadDrainsWhileRunningAndWhatIsLeftAtStop) {
  proxy::AccessLogRing ring(64);
  auto writer = open_writer({&ring});
  ASSERT_TRUE(writer);
  writer->start();
  uint64_t pushed = 0;
  // A producer faster than 64 records per 20 ms would drop; pacing keeps this about the thread working.
  for (; pushed < 500; ++pushed) {
    while (!ring.push(record(pushed))) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (writer->written() < 400 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GE(writer->written(), 400u) << "the thread drains without being asked";
  for (; pushed < 520; ++pushed) (void)ring.push(record(pushed));  // likely still in the ring at stop()
  writer->stop();
  EXPECT_EQ(writer->written(), ring.pushed());
  EXPECT_EQ(writer->dropped(), ring.dropped());
  const auto lines = read_lines(path_);
  ASSERT_EQ(lines.size(), ring.pushed());
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_LT(lines[i - 1]["bytes_in"], lines[i]["bytes_in"]);
  writer->stop();  // idempotent
}

TEST_F(AccessLogWriterTest, StopWithoutThreadDrains) {
  proxy::AccessLogRing ring(8);
  auto writer = open_writer({&ring});
  ASSERT_TRUE(writer);
  ASSERT_TRUE(ring.push(record(7)));
  writer->stop();
  EXPECT_EQ(read_lines(path_).size(), 1u);
}

TEST_F(AccessLogWriterTest, DroppedCountsFullRings) {
  proxy::AccessLogRing ring(2);
  auto writer = open_writer({&ring});
  ASSERT_TRUE(writer);
  for (uint64_t i = 0; i < 5; ++i) (void)ring.push(record(i));
  writer->drain();
  EXPECT_EQ(writer->written(), 2u);
  EXPECT_EQ(writer->dropped(), 3u);
}

// Log rotation: the file is renamed away, reopen() makes the writer continue in a new file by the name.
TEST_F(AccessLogWriterTest, ReopenFollowsRotation) {
  proxy::AccessLogRing ring(8);
  auto writer = open_writer({&ring});
  ASSERT_TRUE(writer);
  ASSERT_TRUE(ring.push(record(1)));
  writer->drain();
  ASSERT_EQ(std::rename(path_.c_str(), (path_ + ".1").c_str()), 0);
  ASSERT_TRUE(ring.push(record(2)));
  writer->reopen();
  writer->drain();
  const auto old_lines = read_lines(path_ + ".1");
  const auto new_lines = read_lines(path_);
  ASSERT_EQ(old_lines.size(), 1u);
  ASSERT_EQ(new_lines.size(), 1u);
  EXPECT_EQ(old_lines[0]["bytes_in"], 1);
  EXPECT_EQ(new_lines[0]["bytes_in"], 2);
}

TEST_F(AccessLogWriterTest, OpenFailureNamesThePath) {
  const std::string missing = dir_ + "/no-such-dir/access.log";
  auto w = AccessLogWriter::open(missing, {}, names());
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().find(missing), std::string::npos) << w.error();
  EXPECT_NE(w.error().find("No such file"), std::string::npos) << w.error();
}

}  // namespace
}  // namespace tollgate::dataplane
