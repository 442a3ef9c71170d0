// One core's enforcement of a listener's ClientLimits: a fixed table of client addresses (sized once, no
// allocation afterwards), each with its open connections and two rate limiters (GCRA: one timestamp per
// rate, the "theoretical arrival time" of the next allowed event). Lookups probe a few slots of an open-
// addressed table under a keyed hash, so a client cannot choose which entries it collides with; an entry
// that holds no connection and whose rates have recovered is free to be reused.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/net/addresses.h"
#include "engine/net/client_limits.h"

namespace tollgate::net {

class ClientLimiter {
 public:
  ClientLimiter(const ClientLimits& limits, uint64_t hash_key);

  enum class Admission : uint8_t { kTracked, kUntracked, kTooMany, kTooFast };
  // A new connection from `client`. kTracked: counted until connection_closed; kUntracked: let through
  // without being counted (exempt, no connection limit, or no room); otherwise refused.
  Admission admit_connection(Ipv4Address client, uint64_t now_us);
  static bool refused(Admission a) { return a == Admission::kTooMany || a == Admission::kTooFast; }
  // A SYN from `client`: kTooMany or kTooFast (counted as such) when admit_connection would refuse it
  // now, else kUntracked. It takes no place and no token (the connection is admitted at accept) and makes
  // no entry, so spoofed SYNs cannot fill the table.
  Admission screen(Ipv4Address client, uint64_t now_us);
  // Only for connections admit_connection answered kTracked.
  void connection_closed(Ipv4Address client);
  // A request from `client`: 0 when it may go on, else the seconds after which it may try again.
  uint32_t limit_request(Ipv4Address client, uint64_t now_us);

  const ClientLimitCounters& counters() const { return counters_; }
  const ClientLimits& limits() const { return limits_; }
  size_t tracked() const;

 private:
  struct Entry {
    uint32_t address = 0;  // 0: free (0.0.0.0 is never a client)
    uint32_t connections = 0;
    uint64_t connection_tat_us = 0;  // when the connection bucket is full again
    uint64_t request_tat_us = 0;
  };
  static constexpr uint32_t kProbe = 8;

  // The client's entry, made if there is room; nullptr when there is none.
  Entry* entry_for(uint32_t address, uint64_t now_us);
  Entry* find(uint32_t address);
  size_t slot(uint32_t address, uint32_t i) const;
  // GCRA step: true (and `tat` advanced) when an event at `now_us` conforms; else `retry_us` is when it
  // would.
  bool conforms(uint64_t& tat, uint32_t rate, uint64_t now_us, uint64_t* retry_us) const;
  bool idle(const Entry& e, uint64_t now_us) const;
  Admission check_connection(Entry& e, Ipv4Address client, uint64_t now_us, bool take);

  ClientLimits limits_;
  uint64_t hash_key_;
  std::vector<Entry> entries_;
  ClientLimitCounters counters_;
};

}  // namespace tollgate::net
