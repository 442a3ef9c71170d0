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
                      "connections_denied"};

constexpr std::array<std::string_view, kCounterCount<RuleCounter>> kRuleNames = {"matches", "fixed_responses",
                                                                                 "redirects", "forwarded"};

constexpr std::array<std::string_view, kCounterCount<PoolCounter>> kPoolNames = {
    "requests", "retries", "timeouts", "no_target", "connect_failures", "fail_open"};

constexpr std::array<std::string_view, kCounterCount<TargetCounter>> kTargetNames = {
    "connections_total", "connections_active", "requests",         "responses_1xx",
    "responses_2xx",     "responses_3xx",      "responses_4xx",    "responses_5xx",
    "bytes_in",          "bytes_out",          "connect_failures", "timeouts"};

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

}  // namespace tollgate::shm
