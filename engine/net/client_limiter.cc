#include "engine/net/client_limiter.h"

#include <algorithm>
#include <bit>

namespace tollgate::net {

namespace {

uint32_t burst_of(const ClientLimits& l, uint32_t rate) {
  return l.burst ? l.burst : rate;
}

}  // namespace

ClientLimiter::ClientLimiter(const ClientLimits& limits, uint64_t hash_key)
    : limits_(limits),
      hash_key_(hash_key | 1),
      entries_(std::bit_ceil(std::max<uint32_t>(limits.tracked_clients, kProbe))) {}

size_t ClientLimiter::slot(uint32_t address, uint32_t i) const {
  // A keyed multiplicative mix: which slots an address lands in depends on a per-table secret.
  uint64_t h = (uint64_t{address} ^ (hash_key_ >> 32)) * hash_key_;
  h ^= h >> 29;
  return static_cast<size_t>((h + i) & (entries_.size() - 1));
}

ClientLimiter::Entry* ClientLimiter::find(uint32_t address) {
  for (uint32_t i = 0; i < kProbe; ++i) {
    Entry& e = entries_[slot(address, i)];
    if (e.address == address) return &e;
  }
  return nullptr;
}

bool ClientLimiter::idle(const Entry& e, uint64_t now_us) const {
  return e.connections == 0 && e.connection_tat_us <= now_us && e.request_tat_us <= now_us;
}

ClientLimiter::Entry* ClientLimiter::entry_for(uint32_t address, uint64_t now_us) {
  Entry* reusable = nullptr;
  for (uint32_t i = 0; i < kProbe; ++i) {
    Entry& e = entries_[slot(address, i)];
    if (e.address == address) return &e;
    if (!reusable && (e.address == 0 || idle(e, now_us))) reusable = &e;
  }
  if (!reusable) return nullptr;
  *reusable = Entry{address, 0, 0, 0};
  return reusable;
}

bool ClientLimiter::conforms(uint64_t& tat, uint32_t rate, uint64_t now_us, uint64_t* retry_us) const {
  const uint64_t interval = 1'000'000 / rate;
  const uint64_t tolerance = interval * (burst_of(limits_, rate) - 1);
  const uint64_t start = std::max(tat, now_us);
  if (start - now_us > tolerance) {
    *retry_us = start - tolerance - now_us;
    return false;
  }
  tat = start + interval;
  return true;
}

// The connection limits for a client with entry `e`, counted when over: kTooMany, kTooFast, or kTracked
// (it may connect). `take` spends the rate's token; a screened SYN does not.
ClientLimiter::Admission ClientLimiter::check_connection(Entry& e, Ipv4Address client, uint64_t now_us,
                                                         bool take) {
  if (limits_.max_connections && e.connections >= limits_.max_connections) {
    counters_.connections_refused.add();
    counters_.last_connections_refused = client;
    return Admission::kTooMany;
  }
  uint64_t tat = e.connection_tat_us;
  uint64_t retry = 0;
  if (limits_.connections_per_second && !conforms(tat, limits_.connections_per_second, now_us, &retry)) {
    counters_.connections_rated.add();
    counters_.last_connections_rated = client;
    return Admission::kTooFast;
  }
  if (take) e.connection_tat_us = tat;
  return Admission::kTracked;
}

ClientLimiter::Admission ClientLimiter::admit_connection(Ipv4Address client, uint64_t now_us) {
  if (!limits_.max_connections && !limits_.connections_per_second) return Admission::kUntracked;
  if (limits_.exempt && limits_.exempt->allows(client)) return Admission::kUntracked;
  Entry* e = entry_for(client.value, now_us);
  if (!e) {
    counters_.untracked.add();
    return Admission::kUntracked;
  }
  const Admission a = check_connection(*e, client, now_us, /*take=*/true);
  if (a == Admission::kTracked) ++e->connections;
  return a;
}

ClientLimiter::Admission ClientLimiter::screen(Ipv4Address client, uint64_t now_us) {
  if (!limits_.max_connections && !limits_.connections_per_second) return Admission::kUntracked;
  Entry* e = find(client.value);
  if (!e || (limits_.exempt && limits_.exempt->allows(client))) return Admission::kUntracked;
  const Admission a = check_connection(*e, client, now_us, /*take=*/false);
  return refused(a) ? a : Admission::kUntracked;
}

void ClientLimiter::connection_closed(Ipv4Address client) {
  if (Entry* e = find(client.value); e && e->connections > 0) --e->connections;
}

uint32_t ClientLimiter::limit_request(Ipv4Address client, uint64_t now_us) {
  if (!limits_.requests_per_second) return 0;
  if (limits_.exempt && limits_.exempt->allows(client)) return 0;
  Entry* e = entry_for(client.value, now_us);
  if (!e) {
    counters_.untracked.add();
    return 0;
  }
  uint64_t retry = 0;
  if (conforms(e->request_tat_us, limits_.requests_per_second, now_us, &retry)) return 0;
  counters_.requests_limited.add();
  counters_.last_requests_limited = client;
  return static_cast<uint32_t>((retry + 999'999) / 1'000'000);
}

size_t ClientLimiter::tracked() const {
  return static_cast<size_t>(
      std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) { return e.address != 0; }));
}

}  // namespace tollgate::net
