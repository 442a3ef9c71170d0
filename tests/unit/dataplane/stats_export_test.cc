// The worker's counters as the control plane reads them from the segment: each core's copy summed over
// cores (Controller::totals), so these tests also show two cores' blocks adding up.
#include "dataplane/stats_export.h"

#include <gtest/gtest.h>

#include "tests/unit/dataplane/shm_fixture.h"

namespace tollgate::dataplane {
namespace {

using shm::CoreCounter;
using shm::ListenerCounter;
using shm::PoolCounter;
using shm::RuleCounter;
using shm::TargetCounter;

using StatsExport = ShmFixture;

TEST_F(StatsExport, CoreCountersAndDropsTotalLeavingConfigAdoptionsToThePort) {
  WorkerStats w;
  w.iterations_busy.add(3);
  w.cycles_busy.add(3000);
  w.packets.add(7);
  w.rx_bytes.add(900);
  w.l2l3.drop(net::DropReason::kIpv4Fragment);
  w.l2l3.drop(net::DropReason::kTxFull);
  w.l2l3.drop(net::DropReason::kTxFull);
  port().view().core->counters[static_cast<size_t>(CoreCounter::kConfigAdoptions)].add(2);
  export_core(w, port().core_stats());
  export_core(w, port().core_stats());  // a copy, not a sum: twice is the same

  const auto t = controller().totals<CoreCounter>(0);
  EXPECT_EQ(t[CoreCounter::kIterationsBusy], 3u);
  EXPECT_EQ(t[CoreCounter::kCyclesBusy], 3000u);
  EXPECT_EQ(t[CoreCounter::kPackets], 7u);
  EXPECT_EQ(t[CoreCounter::kRxBytes], 900u);
  EXPECT_EQ(t[CoreCounter::kDrops], 3u);
  EXPECT_EQ(t[CoreCounter::kConfigAdoptions], 2u);
}

TEST_F(StatsExport, HttpsListenerTakesConnectionsFromTlsAndRequestsFromHttp) {
  proxy::TlsCounters tls;
  tls.sessions.add(10);
  tls.handshakes.add(9);
  tls.handshakes_resumed.add(4);
  tls.handshake_failures.add(1);
  tls.failures_by_reason[2].add(1);
  tls.handshake_timeouts.add(1);
  proxy::HttpProxyCounters http;
  http.connections.add(9);
  http.requests.add(20);
  http.responses_by_class[2].add(18);
  http.responses_by_class[5].add(2);
  http.local_errors[static_cast<size_t>(proxy::LocalStatus::k504)].add(1);
  http.bytes_from_clients.add(100);
  http.bytes_to_clients.add(5000);
  http.request_time.record(3);
  http.request_time.record(900);
  shm::WorkerPort core1(segment(), 1);
  export_listener({nullptr, &tls, &http, 6}, port().listener(2));
  export_listener({nullptr, &tls, &http, 1}, core1.listener(2));

  const auto t = controller().totals<ListenerCounter>(2);
  EXPECT_EQ(t[ListenerCounter::kConnectionsTotal], 20u);  // TLS sessions accepted, both cores
  EXPECT_EQ(t[ListenerCounter::kConnectionsActive], 7u);
  EXPECT_EQ(t[ListenerCounter::kTlsHandshakesFull], 10u);
  EXPECT_EQ(t[ListenerCounter::kTlsHandshakesResumed], 8u);
  EXPECT_EQ(t[ListenerCounter::kTlsHandshakeFailures], 2u);
  EXPECT_EQ(t[shm::tls_failure_counter(2)], 2u);
  EXPECT_EQ(t[ListenerCounter::kRequests], 40u);
  EXPECT_EQ(t[ListenerCounter::kResponses2xx], 36u);
  EXPECT_EQ(t[ListenerCounter::kResponses5xx], 4u);
  EXPECT_EQ(t[ListenerCounter::kResponses1xx], 0u);
  EXPECT_EQ(t[ListenerCounter::kBytesIn], 200u);
  EXPECT_EQ(t[ListenerCounter::kBytesOut], 10000u);
  EXPECT_EQ(t[ListenerCounter::kTimeouts], 4u);  // a 504 and a handshake timeout per core
  EXPECT_EQ(t.latency.count(), 4u);
  EXPECT_EQ(t.latency.sum_us, 2 * 903u);
  EXPECT_EQ(t.latency.buckets[shm::latency_bucket(900)], 2u);
}

TEST_F(StatsExport, TcpListener) {
  proxy::ProxyCounters l4;
  l4.sessions.add(5);
  l4.bytes_to_backend.add(11);
  l4.bytes_to_client.add(22);
  l4.idle_timeouts.add(3);
  export_listener({&l4, nullptr, nullptr, 2}, port().listener(0));
  const auto t = controller().totals<ListenerCounter>(0);
  EXPECT_EQ(t[ListenerCounter::kConnectionsTotal], 5u);
  EXPECT_EQ(t[ListenerCounter::kConnectionsActive], 2u);
  EXPECT_EQ(t[ListenerCounter::kBytesIn], 11u);
  EXPECT_EQ(t[ListenerCounter::kBytesOut], 22u);
  EXPECT_EQ(t[ListenerCounter::kRequests], 0u);
  EXPECT_EQ(t[ListenerCounter::kTimeouts], 3u);  // idle sessions reset
}

// Per-client limits belong to the listener whose layer owns the limiter (passed as `limits`); the TLS
// layer's max_handshakes refusals come with its counters. Each refusal's latest client is sampled.
TEST_F(StatsExport, ClientLimitAndHandshakeRefusalsWithTheirLatestClients) {
  proxy::ProxyCounters l4;
  proxy::TlsCounters tls;
  tls.handshakes_refused.add(4);
  tls.last_handshake_refused = net::Ipv4Address::from_octets(198, 18, 0, 9);
  net::ClientLimitCounters limits;
  limits.connections_refused.add(3);
  limits.connections_rated.add(2);
  limits.requests_limited.add(7);
  limits.untracked.add(1);
  limits.last_connections_rated = net::Ipv4Address::from_octets(198, 18, 0, 5);
  export_listener({&l4, &tls, nullptr, 0, &limits}, port().listener(1));
  const auto t = controller().totals<ListenerCounter>(1);
  EXPECT_EQ(t[ListenerCounter::kClientConnectionsRefused], 3u);
  EXPECT_EQ(t[ListenerCounter::kClientConnectionsRateLimited], 2u);
  EXPECT_EQ(t[ListenerCounter::kClientRequestsRateLimited], 7u);
  EXPECT_EQ(t[ListenerCounter::kClientsUntracked], 1u);
  EXPECT_EQ(t[ListenerCounter::kTlsHandshakesRefused], 4u);
  EXPECT_EQ(t[ListenerCounter::kConnectionsDenied], 0u);  // the stack's, set by GenerationSet

  RefusalAddresses a{};
  a[static_cast<size_t>(shm::RefusalReason::kClientConnections)] = 77;  // kept: no newer one here
  sample_refusals({&l4, &tls, nullptr, 0, &limits}, a);
  EXPECT_EQ(a[static_cast<size_t>(shm::RefusalReason::kClientConnections)], 77u);
  EXPECT_EQ(a[static_cast<size_t>(shm::RefusalReason::kClientConnectionRate)],
            net::Ipv4Address::from_octets(198, 18, 0, 5).value);
  EXPECT_EQ(a[static_cast<size_t>(shm::RefusalReason::kClientRequestRate)], 0u);
  EXPECT_EQ(a[static_cast<size_t>(shm::RefusalReason::kMaxHandshakes)],
            net::Ipv4Address::from_octets(198, 18, 0, 9).value);
}

// The stack's defences are set (a copy); the proxies' and TLS layers' add up over the core's listeners.
TEST_F(StatsExport, DefencesOfTheStackAndEveryListenersLayers) {
  using D = shm::DefenceCounter;
  tcp::TcpCounters tcp;
  tcp.syn_cookies_sent.add(10);
  tcp.syn_cookies_validated.add(6);
  tcp.zero_window_timeouts.add(2);
  tcp.rx_coalesced.add(30);
  tcp.out_of_order_refused.add(4);
  proxy::HttpProxyCounters a, b;
  a.pipeline_deferred.add(5);
  b.pipeline_deferred.add(1);
  b.pipeline_backpressure.add(2);
  a.local_errors[static_cast<size_t>(proxy::LocalStatus::k408)].add(3);
  a.transfer_timeouts.add(1);
  b.linger_timeouts.add(9);
  proxy::TlsCounters tls;
  tls.post_handshake_floods.add(1);
  tls.renegotiations_refused.add(2);
  tls.resets_after_alert.add(3);
  tls.record_errors.add(4);
  proxy::ProxyCounters l4;
  l4.idle_timeouts.add(8);

  shm::DefenceStats& out = *port().view().defences;
  export_tcp_defences(tcp, out);
  export_tcp_defences(tcp, out);  // a copy: twice is the same
  add_http_defences(a, out);
  add_http_defences(b, out);
  add_tls_defences(tls, out);
  add_l4_defences(l4, out);
  const auto t = controller().totals<D>(0);
  EXPECT_EQ(t[D::kTcpSynCookiesSent], 10u);
  EXPECT_EQ(t[D::kTcpSynCookiesAccepted], 6u);
  EXPECT_EQ(t[D::kTcpZeroWindowResets], 2u);
  EXPECT_EQ(t[D::kTcpRxCoalesced], 30u);
  EXPECT_EQ(t[D::kTcpOutOfOrderRefused], 4u);
  EXPECT_EQ(t[D::kHttpPipelineDeferred], 6u);
  EXPECT_EQ(t[D::kHttpPipelineBackpressure], 2u);
  EXPECT_EQ(t[D::kHttpRequestTimeouts], 3u);
  EXPECT_EQ(t[D::kHttpTransferTimeouts], 1u);
  EXPECT_EQ(t[D::kHttpLingerTimeouts], 9u);
  EXPECT_EQ(t[D::kTlsPostHandshakeFloods], 1u);
  EXPECT_EQ(t[D::kTlsRenegotiationsRefused], 2u);
  EXPECT_EQ(t[D::kTlsResetsAfterAlert], 3u);
  EXPECT_EQ(t[D::kTlsRecordErrors], 4u);
  EXPECT_EQ(t[D::kL4IdleTimeouts], 8u);
  EXPECT_EQ(controller().totals<D>(1)[D::kTcpSynCookiesSent], 0u);  // another core's block
}

TEST_F(StatsExport, Rule) {
  proxy::RuleCounters r;
  r.matches.add(4);
  r.fixed_responses.add(1);
  r.redirects.add(1);
  r.forwarded.add(2);
  export_rule(r, port().rule(5));
  const auto t = controller().totals<RuleCounter>(5);
  EXPECT_EQ(t[RuleCounter::kMatches], 4u);
  EXPECT_EQ(t[RuleCounter::kFixedResponses], 1u);
  EXPECT_EQ(t[RuleCounter::kRedirects], 1u);
  EXPECT_EQ(t[RuleCounter::kForwarded], 2u);
}

TEST_F(StatsExport, TargetsAndThePoolAsTheirSum) {
  proxy::TargetCounters a, b;
  a.connects.add(2);
  a.requests.add(10);
  a.responses_by_class[2].add(9);
  a.responses_by_class[4].add(1);
  a.bytes_sent.add(1000);
  a.bytes_received.add(4000);
  a.timeouts.add(1);
  a.response_time.record(50);
  b.requests.add(5);
  b.connect_failures.add(3);
  b.response_time.record(70);
  b.response_time.record(5000);
  proxy::PoolCounters pool;
  pool.retries.add(3);
  pool.no_target.add(1);
  export_target(a, 1, port().target(3));
  export_target(b, 0, port().target(4));
  export_pool(pool, {&port().target(3), 2}, port().pool(1));

  const auto ta = controller().totals<TargetCounter>(3);
  EXPECT_EQ(ta[TargetCounter::kConnectionsTotal], 2u);
  EXPECT_EQ(ta[TargetCounter::kConnectionsActive], 1u);
  EXPECT_EQ(ta[TargetCounter::kRequests], 10u);
  EXPECT_EQ(ta[TargetCounter::kResponses2xx], 9u);
  EXPECT_EQ(ta[TargetCounter::kResponses4xx], 1u);
  EXPECT_EQ(ta[TargetCounter::kBytesOut], 1000u);  // to the target
  EXPECT_EQ(ta[TargetCounter::kBytesIn], 4000u);   // from it
  EXPECT_EQ(ta[TargetCounter::kTimeouts], 1u);
  EXPECT_EQ(ta.latency.count(), 1u);
  const auto tp = controller().totals<PoolCounter>(1);
  EXPECT_EQ(tp[PoolCounter::kRequests], 15u);
  EXPECT_EQ(tp[PoolCounter::kRetries], 3u);
  EXPECT_EQ(tp[PoolCounter::kNoTarget], 1u);
  EXPECT_EQ(tp[PoolCounter::kTimeouts], 1u);
  EXPECT_EQ(tp[PoolCounter::kConnectFailures], 3u);
  EXPECT_EQ(tp.latency.count(), 3u);
  EXPECT_EQ(tp.latency.sum_us, 5120u);
}

}  // namespace
}  // namespace tollgate::dataplane
