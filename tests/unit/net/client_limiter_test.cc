#include "engine/net/client_limiter.h"

#include <gtest/gtest.h>

namespace tollgate::net {
namespace {

using Admission = ClientLimiter::Admission;

Ipv4Address client(uint8_t last) {
  return Ipv4Address::from_octets(198, 18, 0, last);
}

TEST(ClientLimiterTest, ConcurrentConnectionsPerClientAreCapped) {
  ClientLimits l;
  l.max_connections = 2;
  ClientLimiter limiter(l, 42);
  EXPECT_EQ(limiter.admit_connection(client(2), 0), Admission::kTracked);
  EXPECT_EQ(limiter.admit_connection(client(2), 0), Admission::kTracked);
  EXPECT_EQ(limiter.admit_connection(client(2), 0), Admission::kTooMany);
  EXPECT_EQ(limiter.admit_connection(client(3), 0), Admission::kTracked) << "another client is not affected";
  limiter.connection_closed(client(2));
  EXPECT_EQ(limiter.admit_connection(client(2), 0), Admission::kTracked);
  EXPECT_EQ(limiter.counters().connections_refused.get(), 1u);
}

TEST(ClientLimiterTest, NewConnectionsPerSecondWithBurst) {
  ClientLimits l;
  l.connections_per_second = 10;
  ClientLimiter limiter(l, 42);
  uint64_t now = 5'000'000;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(limiter.admit_connection(client(2), now), Admission::kTracked) << i;
  EXPECT_EQ(limiter.admit_connection(client(2), now), Admission::kTooFast);
  now += 100'000;  // one interval later: one more
  EXPECT_EQ(limiter.admit_connection(client(2), now), Admission::kTracked);
  EXPECT_EQ(limiter.admit_connection(client(2), now), Admission::kTooFast);
  EXPECT_EQ(limiter.counters().connections_rated.get(), 2u);
}

// SYNs are screened without taking a place or a token, and a client never seen makes no entry (spoofed
// sources cannot fill the table); a client already over a limit is refused at its SYN.
TEST(ClientLimiterTest, ScreeningSynsTakesNothing) {
  ClientLimits l;
  l.max_connections = 2;
  l.connections_per_second = 3;
  ClientLimiter limiter(l, 42);
  const uint64_t now = 5'000'000;
  for (int i = 0; i < 100; ++i) EXPECT_EQ(limiter.screen(client(2), now), Admission::kUntracked);
  EXPECT_EQ(limiter.tracked(), 0u) << "a screened SYN made an entry";
  EXPECT_EQ(limiter.admit_connection(client(2), now), Admission::kTracked);
  EXPECT_EQ(limiter.screen(client(2), now), Admission::kUntracked);
  EXPECT_EQ(limiter.admit_connection(client(2), now), Admission::kTracked) << "the screen took a place or token";
  EXPECT_EQ(limiter.screen(client(2), now), Admission::kTooMany);
  limiter.connection_closed(client(2));
  EXPECT_EQ(limiter.admit_connection(client(2), now), Admission::kTracked);  // the third token of the burst
  limiter.connection_closed(client(2));
  EXPECT_EQ(limiter.screen(client(2), now), Admission::kTooFast);
  EXPECT_EQ(limiter.counters().connections_refused.get(), 1u);
  EXPECT_EQ(limiter.counters().connections_rated.get(), 1u);
}

TEST(ClientLimiterTest, RequestsPerSecondAnswerWhenToComeBack) {
  ClientLimits l;
  l.requests_per_second = 2;
  l.burst = 4;
  ClientLimiter limiter(l, 7);
  uint64_t now = 1'000'000;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(limiter.limit_request(client(9), now), 0u) << i;
  EXPECT_EQ(limiter.limit_request(client(9), now), 1u);
  EXPECT_EQ(limiter.limit_request(client(8), now), 0u);
  now += 500'000;
  EXPECT_EQ(limiter.limit_request(client(9), now), 0u);
  EXPECT_EQ(limiter.counters().requests_limited.get(), 1u);
}

TEST(ClientLimiterTest, ExemptClientsAreNeverLimited) {
  ClientLimits l;
  l.max_connections = 1;
  l.requests_per_second = 1;
  const Ipv4Prefix exempt{client(0), 30};
  l.exempt = AddressAllowList(std::span<const Ipv4Prefix>(&exempt, 1));
  ClientLimiter limiter(l, 1);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(limiter.admit_connection(client(2), 0), Admission::kUntracked);
    EXPECT_EQ(limiter.limit_request(client(2), 0), 0u);
  }
  EXPECT_EQ(limiter.admit_connection(client(5), 0), Admission::kTracked);
  EXPECT_EQ(limiter.admit_connection(client(5), 0), Admission::kTooMany);
}

// When every slot a client could use is held by clients with open connections, it goes through untracked
// (counted) rather than being refused; once those clients are gone their slots serve others.
TEST(ClientLimiterTest, AFullTableLetsNewClientsThroughAndReusesIdleEntries) {
  ClientLimits l;
  l.max_connections = 1;
  l.tracked_clients = 8;
  ClientLimiter limiter(l, 3);
  for (uint8_t c = 1; c <= 8; ++c) EXPECT_EQ(limiter.admit_connection(client(c), 0), Admission::kTracked);
  EXPECT_EQ(limiter.tracked(), 8u);
  EXPECT_EQ(limiter.admit_connection(client(100), 0), Admission::kUntracked);
  EXPECT_EQ(limiter.counters().untracked.get(), 1u);
  for (uint8_t c = 1; c <= 8; ++c) limiter.connection_closed(client(c));
  EXPECT_EQ(limiter.admit_connection(client(100), 1), Admission::kTracked);
  EXPECT_EQ(limiter.admit_connection(client(100), 1), Admission::kTooMany);
}

}  // namespace
}  // namespace tollgate::net
