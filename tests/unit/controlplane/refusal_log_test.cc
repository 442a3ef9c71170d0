// The sampled refusal log on hand-made readings: the first look is a baseline, then at most one line per
// listener and reason per second, with the count since the previous line and the latest address from a
// core whose count moved.
#include "controlplane/refusal_log.h"

#include <gtest/gtest.h>

namespace tollgate::controlplane {
namespace {

using shm::RefusalReason;

constexpr uint32_t kClientA = 0xc6120002;  // 198.18.0.2
constexpr uint32_t kClientB = 0xc6120063;  // 198.18.0.99

class RefusalLogTest : public ::testing::Test {
 protected:
  // Two cores, two listeners.
  RefusalLogTest() : readings_(2, std::vector<RefusalReading>(2)) {}
  void refuse(size_t core, size_t listener, RefusalReason r, uint64_t n, uint32_t address) {
    readings_[core][listener].counts[static_cast<size_t>(r)] += n;
    readings_[core][listener].latest[static_cast<size_t>(r)] = address;
  }
  std::vector<std::string> observe(uint64_t now_ms) { return log_.observe(names_, readings_, now_ms); }

  RefusalLog log_;
  std::vector<std::string> names_ = {"tcp-echo", "http-app"};
  std::vector<std::vector<RefusalReading>> readings_;
};

TEST_F(RefusalLogTest, OneLinePerListenerAndReasonPerSecondWithTheCountSinceTheLast) {
  refuse(0, 1, RefusalReason::kClientConnections, 5, kClientB);  // before this control plane looked
  EXPECT_TRUE(observe(1000).empty());
  refuse(0, 1, RefusalReason::kClientConnections, 2, kClientA);
  EXPECT_EQ(observe(1100),
            std::vector<std::string>{"listener 'http-app': 2 refused by client_limits.connections "
                                     "since the last such line, latest client 198.18.0.2"});
  // More within the second: counted, not logged yet; the line after the second has them all.
  refuse(1, 1, RefusalReason::kClientConnections, 3, kClientB);
  EXPECT_TRUE(observe(1500).empty());
  refuse(1, 1, RefusalReason::kClientConnections, 1, kClientB);
  EXPECT_TRUE(observe(2000).empty());
  EXPECT_EQ(observe(2100),
            std::vector<std::string>{"listener 'http-app': 4 refused by client_limits.connections "
                                     "since the last such line, latest client 198.18.0.99"});
  // Nothing new: nothing logged, however long.
  EXPECT_TRUE(observe(9000).empty());
}

TEST_F(RefusalLogTest, ReasonsAndListenersHaveTheirOwnLinesAndTheLatestComesFromACoreThatMoved) {
  EXPECT_TRUE(observe(1000).empty());
  refuse(0, 0, RefusalReason::kAllowedClients, 1, kClientA);
  refuse(1, 1, RefusalReason::kMaxHandshakes, 2, kClientB);
  refuse(1, 1, RefusalReason::kClientRequestRate, 3, kClientA);
  const std::vector<std::string> lines = observe(1100);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "listener 'tcp-echo': 1 refused by allowed_clients since the last such line, latest client "
            "198.18.0.2");
  EXPECT_EQ(lines[1],
            "listener 'http-app': 3 refused by client_limits.requests_per_second since the last such "
            "line, latest client 198.18.0.2");
  EXPECT_EQ(lines[2],
            "listener 'http-app': 2 refused by max_handshakes since the last such line, latest client "
            "198.18.0.99");
  // Core 0 refuses A again while core 1's older sample (B) stays: the line names A.
  readings_[1][0].latest[static_cast<size_t>(RefusalReason::kAllowedClients)] = kClientB;
  refuse(0, 0, RefusalReason::kAllowedClients, 1, kClientA);
  const std::vector<std::string> next = observe(2200);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_NE(next[0].find("latest client 198.18.0.2"), std::string::npos) << next[0];
}

TEST_F(RefusalLogTest, ANewNumberingOrANewDataplaneStartsFromABaseline) {
  EXPECT_TRUE(observe(1000).empty());
  refuse(0, 0, RefusalReason::kClientConnectionRate, 4, kClientA);
  names_ = {"renamed", "http-app"};  // a reload renumbered the listeners: counts are not comparable
  EXPECT_TRUE(observe(1100).empty());
  // A new dataplane: counts start again from zero, which is the new baseline.
  readings_.assign(2, std::vector<RefusalReading>(2));
  EXPECT_TRUE(observe(1200).empty());
  refuse(0, 0, RefusalReason::kClientConnectionRate, 1, kClientB);
  const std::vector<std::string> lines = observe(1300);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "listener 'renamed': 1 refused by client_limits.connections_per_second since the last such "
            "line, latest client 198.18.0.99");
}

}  // namespace
}  // namespace tollgate::controlplane
