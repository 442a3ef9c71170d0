// Drives a small neighbour table with an arbitrary sequence of resolve / learn / expire operations and
// checks its accounting: every packet handed in comes out exactly once (sent, dropped or still held),
// and the table never exceeds its capacity.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "engine/net/neighbour_table.h"

using namespace tollgate::net;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  NeighbourConfig c;
  c.capacity = 16;
  c.reachable_time = 50;
  c.probe_interval = 10;
  c.max_probes = 3;
  NeighbourTable<int, 4> table(c);
  std::vector<int> state;  // 0 = never given, 1 = held, 2 = came back
  uint64_t now = 0;
  const MacAddress mac = *MacAddress::parse("02:00:00:00:00:02");
  auto come_back = [&](int p) {
    if (p < 0 || static_cast<size_t>(p) >= state.size() || state[static_cast<size_t>(p)] != 1) std::abort();
    state[static_cast<size_t>(p)] = 2;
  };
  for (size_t i = 0; i + 1 < size; i += 2) {
    const uint8_t op = data[i] % 4;
    const Ipv4Address ip = Ipv4Address::from_octets(10, 0, 0, data[i + 1] % 32);
    now += data[i] >> 2;
    switch (op) {
      case 0: {
        const int p = static_cast<int>(state.size());
        state.push_back(1);
        const auto r = table.resolve(ip, p, now);
        using O = NeighbourTable<int, 4>::Outcome;
        // Sent at once (resolved or stale) or refused: either way the caller has it back.
        if (r.outcome == O::kResolved || r.outcome == O::kStale || r.outcome == O::kQueueFull ||
            r.outcome == O::kTableFull) {
          come_back(p);
        }
        break;
      }
      case 1:
        table.learn(ip, mac, now, data[i + 1] & 0x80, [&](int p, const MacAddress&) { come_back(p); });
        break;
      case 2:
      case 3:
        table.expire(
            now, [](Ipv4Address) {}, come_back);
        break;
    }
    if (table.size() > table.capacity()) std::abort();
  }
  table.clear(come_back);
  for (int s : state) {
    if (s != 2) std::abort();  // a packet neither sent nor dropped: a leaked mbuf in the dataplane
  }
  return 0;
}
