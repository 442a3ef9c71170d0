// Counter names are what tools key on (JSON, Prometheus, the log): one per counter, none "unknown", none
// twice in a family. The refusal reasons each name their config key and count on their listener counter.
#include "engine/shm/stats_names.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "engine/shm/controller.h"
#include "engine/shm/worker_port.h"
#include "tests/unit/shm/test_segment.h"

namespace tollgate::shm {
namespace {

template <typename E>
std::set<std::string> names_of(size_t count = kCounterCount<E>) {
  std::set<std::string> out;
  for (size_t i = 0; i < count; ++i) {
    const std::string_view n = counter_name(static_cast<E>(i));
    EXPECT_NE(n, "unknown") << i;
    EXPECT_FALSE(n.empty()) << i;
    out.insert(std::string(n));
  }
  EXPECT_EQ(out.size(), count) << "a name used twice";
  return out;
}

TEST(StatsNames, EveryCounterHasItsOwnName) {
  names_of<CoreCounter>();
  names_of<RuleCounter>();
  names_of<PoolCounter>();
  names_of<TargetCounter>();
  const std::set<std::string> listener =
      names_of<ListenerCounter>(static_cast<size_t>(ListenerCounter::kTlsFailureByReason));
  for (const char* n : {"connections_denied", "client_connections_refused", "client_connections_rate_limited",
                        "client_requests_rate_limited", "clients_untracked", "tls_handshakes_refused"})
    EXPECT_TRUE(listener.count(n)) << n;
  const std::set<std::string> defences = names_of<DefenceCounter>();
  for (const char* n : {"tcp_syn_cookies_sent", "tcp_syn_cookies_accepted", "tcp_zero_window_resets",
                        "tcp_rx_coalesced", "tcp_out_of_order_refused", "l4_idle_timeouts",
                        "http_pipeline_deferred", "http_pipeline_backpressure", "http_request_timeouts",
                        "http_transfer_timeouts", "http_linger_timeouts", "tls_post_handshake_floods",
                        "tls_renegotiations_refused", "tls_resets_after_alert", "tls_record_errors"})
    EXPECT_TRUE(defences.count(n)) << n;
  EXPECT_EQ(counter_name(DefenceCounter::kCount), "unknown");
}

TEST(StatsNames, RefusalReasonsNameTheirConfigKeyAndCounter) {
  std::set<std::string> seen;
  for (size_t r = 0; r < kRefusalReasons; ++r) {
    const auto reason = static_cast<RefusalReason>(r);
    seen.insert(std::string(refusal_reason_name(reason)));
    EXPECT_NE(refusal_reason_name(reason), "unknown");
  }
  EXPECT_EQ(seen.size(), kRefusalReasons);
  EXPECT_EQ(refusal_reason_name(RefusalReason::kAllowedClients), "allowed_clients");
  EXPECT_EQ(refusal_reason_name(RefusalReason::kClientRequestRate), "client_limits.requests_per_second");
  EXPECT_EQ(refusal_reason_name(RefusalReason::kMaxHandshakes), "max_handshakes");
  EXPECT_EQ(refusal_counter(RefusalReason::kAllowedClients), ListenerCounter::kConnectionsDenied);
  EXPECT_EQ(refusal_counter(RefusalReason::kClientConnections), ListenerCounter::kClientConnectionsRefused);
  EXPECT_EQ(refusal_counter(RefusalReason::kClientConnectionRate),
            ListenerCounter::kClientConnectionsRateLimited);
  EXPECT_EQ(refusal_counter(RefusalReason::kClientRequestRate), ListenerCounter::kClientRequestsRateLimited);
  EXPECT_EQ(refusal_counter(RefusalReason::kMaxHandshakes), ListenerCounter::kTlsHandshakesRefused);
}

// A worker's defence block and refusal samples are where an attacher (the control plane) reads them: the
// defences summed per core like the core counters, the samples per core and listener.
TEST(StatsNames, DefencesAndRefusalSamplesCrossTheSegment) {
  ScopedName name;
  Result<Segment> made = Segment::create(name.str(), small_capacities());
  ASSERT_TRUE(made) << made.error();
  Result<Segment> attached = Segment::attach(name.str());
  ASSERT_TRUE(attached) << attached.error();
  WorkerPort worker(made.value(), 1);
  (*worker.view().defences)[DefenceCounter::kTlsRecordErrors].add(5);
  worker.view().refusals[3].latest[static_cast<size_t>(RefusalReason::kMaxHandshakes)].store(0xc6120002);
  worker.listener(3)[ListenerCounter::kTlsHandshakesRefused].add(2);
  Controller controller(attached.value(), 1);
  EXPECT_EQ(controller.totals<DefenceCounter>(1)[DefenceCounter::kTlsRecordErrors], 5u);
  EXPECT_EQ(controller.totals<DefenceCounter>(0)[DefenceCounter::kTlsRecordErrors], 0u);
  EXPECT_EQ(
      controller.refusal_samples(1, 3).latest[static_cast<size_t>(RefusalReason::kMaxHandshakes)].load(),
      0xc6120002u);
  EXPECT_EQ(
      controller.refusal_samples(0, 3).latest[static_cast<size_t>(RefusalReason::kMaxHandshakes)].load(), 0u);
  EXPECT_EQ(controller.block<ListenerCounter>(1, 3)[ListenerCounter::kTlsHandshakesRefused].get(), 2u);
  EXPECT_EQ(controller.block<ListenerCounter>(0, 3)[ListenerCounter::kTlsHandshakesRefused].get(), 0u);
}

}  // namespace
}  // namespace tollgate::shm
