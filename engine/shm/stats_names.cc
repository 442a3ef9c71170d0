#include "engine/shm/stats_names.h"

#include <array>
#include <cstddef>

namespace tollgate::shm {
namespace {

template <typename E, size_t N>
std::string_view lookup(const std::array<std::string_view, N>& names, E c) {
  static_assert(N == kCounterCount<E>, "one name per counter");
  const auto i = static_cast<size_t>(c);
  return i < N ? names[i] : std::string_view("unknown");
}

constexpr std::array<std::string_view, kCounterCount<CoreCounter>> kCoreNames = {
    "iterations_busy", "iterations_idle", "cycles_busy", "cycles_idle", "packets",         "rx_packets",
    "rx_bytes",        "tx_packets",      "tx_bytes",    "drops",       "config_adoptions"};

constexpr std::array<std::string_view, static_cast<size_t>(ListenerCounter::kTlsFailureByReason)>
    kListenerNames = {"connections_total",
                      "connections_active",
                      "tls_handshakes_full",
                      "tls_handshakes_resumed",
                      "tls_handshake_failures",
                      "requests",
                      "responses_1xx",
                      "responses_2xx",
                      "responses_3xx",
                      "responses_4xx",
                      "responses_5xx",
                      "bytes_in",
                      "bytes_out",
                      "timeouts",
                      "connections_denied",
                      "client_connections_refused",
                      "client_connections_rate_limited",
                      "client_requests_rate_limited",
                      "clients_untracked",
                      "tls_handshakes_refused"};

constexpr std::array<std::string_view, kCounterCount<RuleCounter>> kRuleNames = {"matches", "fixed_responses",
                                                                                 "redirects", "forwarded"};

constexpr std::array<std::string_view, kCounterCount<PoolCounter>> kPoolNames = {
    "requests", "retries", "timeouts", "no_target", "connect_failures", "fail_open"};

constexpr std::array<std::string_view, kCounterCount<TargetCounter>> kTargetNames = {
    "connections_total", "connections_active", "requests",         "responses_1xx",
    "responses_2xx",     "responses_3xx",      "responses_4xx",    "responses_5xx",
    "bytes_in",          "bytes_out",          "connect_failures", "timeouts"};

constexpr std::array<std::string_view, kCounterCount<DefenceCounter>> kDefenceNames = {
    "tcp_syn_cookies_sent",
    "tcp_syn_cookies_accepted",
    "tcp_syn_cookies_failed",
    "tcp_syn_cookies_at_limit",
    "tcp_listen_overflow",
    "tcp_zero_window_resets",
    "tcp_out_of_order_refused",
    "tcp_tiny_out_of_order_refused",
    "tcp_reassembly_stalled",
    "tcp_rx_coalesced",
    "tcp_small_mss_raised",
    "tcp_no_memory",
    "tcp_syn_refused_pressure",
    "tcp_rx_refused_pressure",
    "tcp_ooo_refused_pressure",
    "tcp_tx_held_pressure",
    "l4_idle_timeouts",
    "http_pipeline_deferred",
    "http_pipeline_backpressure",
    "http_request_timeouts",
    "http_transfer_timeouts",
    "http_linger_timeouts",
    "tls_handshake_timeouts",
    "tls_record_errors",
    "tls_post_handshake_floods",
    "tls_renegotiations_refused",
    "tls_renegotiation_floods",
    "tls_resets_after_alert",
    "tls_discarded_after_close",
};

// As the config keys that set each limit, so a log line points at what to change.
constexpr std::array<std::string_view, kRefusalReasons> kRefusalNames = {
    "allowed_clients", "client_limits.connections", "client_limits.connections_per_second",
    "client_limits.requests_per_second", "max_handshakes"};

}  // namespace

std::string_view counter_name(CoreCounter c) {
  return lookup(kCoreNames, c);
}
std::string_view counter_name(ListenerCounter c) {
  const auto i = static_cast<size_t>(c);
  if (i >= kListenerNames.size() && i < kCounterCount<ListenerCounter>) return "tls_failure_by_reason";
  return i < kListenerNames.size() ? kListenerNames[i] : std::string_view("unknown");
}
std::string_view counter_name(RuleCounter c) {
  return lookup(kRuleNames, c);
}
std::string_view counter_name(PoolCounter c) {
  return lookup(kPoolNames, c);
}
std::string_view counter_name(TargetCounter c) {
  return lookup(kTargetNames, c);
}
std::string_view counter_name(DefenceCounter c) {
  return lookup(kDefenceNames, c);
}
std::string_view refusal_reason_name(RefusalReason r) {
  const auto i = static_cast<size_t>(r);
  return i < kRefusalNames.size() ? kRefusalNames[i] : std::string_view("unknown");
}

}  // namespace tollgate::shm
