// tollgate-shm-tool: a small stand-in for the control plane, for integration tests. It attaches to a
// dataplane's segment by the name given to `tollgate-dataplane --segment`, and
//   dump NAME                          prints the stats summed over cores as JSON (entities with any count)
//   health NAME POOL TARGET STATE [W]  publishes one target's health (healthy|unhealthy|draining|disabled|
//                                      unknown, weight W, default 1) and waits until every running core
//                                      has applied it
//   drain-wait NAME POOL TARGET        waits for kDrainDone of the target from every running core
//   probe NAME POOL TARGET             sends a probe request to every core and prints the results
// POOL and TARGET are segment indices (targets across pools). Exit 1 on a timeout (5 s) or error.
#include <arpa/inet.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "engine/shm/controller.h"
#include "engine/shm/segment.h"
#include "engine/shm/stats_names.h"

namespace {

using namespace tollgate::shm;
using Clock = std::chrono::steady_clock;
constexpr auto kTimeout = std::chrono::seconds(5);

int usage() {
  std::fprintf(stderr,
               "usage: tollgate-shm-tool dump NAME | health NAME POOL TARGET STATE [WEIGHT] | "
               "drain-wait NAME POOL TARGET | probe NAME POOL TARGET [tcp|http|https IP PORT [PATH]]\n");
  return 2;
}

template <typename E>
nlohmann::json entity_json(const EntityTotals<E>& t) {
  nlohmann::json j = nlohmann::json::object();
  for (size_t i = 0; i < t.counters.size(); ++i) {
    const E c = static_cast<E>(i);
    std::string name(counter_name(c));
    if constexpr (std::is_same_v<E, ListenerCounter>) {
      if (i >= static_cast<size_t>(ListenerCounter::kTlsFailureByReason))
        name += "_" + std::to_string(i - static_cast<size_t>(ListenerCounter::kTlsFailureByReason));
    }
    j[name] = t.counters[i];
  }
  const Percentiles p = latency_percentiles(t.latency);
  j["latency"] = {{"count", t.latency.count()},
                  {"sum_us", t.latency.sum_us},
                  {"p50_us", p.p50},
                  {"p90_us", p.p90},
                  {"p99_us", p.p99}};
  return j;
}

// Entities of kind E with any non-zero counter or latency sample, by index, summed over cores.
template <typename E>
nlohmann::json entities_json(const Segment& s) {
  nlohmann::json out = nlohmann::json::object();
  const uint32_t n = s.core(0).template capacity<E>();
  for (uint32_t i = 0; i < n; ++i) {
    EntityTotals<E> t;
    for (uint32_t k = 0; k < s.capacities().cores; ++k) t.add(s.core(k).template entity<E>(i));
    bool any = t.latency.count() > 0;
    for (uint64_t v : t.counters) any = any || v != 0;
    if (any) out[std::to_string(i)] = entity_json(t);
  }
  return out;
}

int dump(const Segment& s) {
  nlohmann::json j;
  j["segment"] = s.name();
  j["dataplane_heartbeat"] = s.control().dataplane.beats.load();
  j["dataplane_pid"] = s.control().dataplane_pid.load();
  nlohmann::json cores = nlohmann::json::array();
  for (uint32_t k = 0; k < s.capacities().cores; ++k) {
    const CoreView v = s.core(k);
    EntityTotals<CoreCounter> t;
    t.add(*v.core);
    nlohmann::json c = entity_json(t);
    c["core"] = k;
    c["running"] = v.header->running.load();
    c["heartbeat"] = v.header->heartbeat.beats.load();
    c["adopted_generation"] = v.header->adopted_generation.load();
    c["health_generation"] = v.header->health_generation.load();
    cores.push_back(c);
  }
  j["cores"] = cores;
  j["listeners"] = entities_json<ListenerCounter>(s);
  j["rules"] = entities_json<RuleCounter>(s);
  j["pools"] = entities_json<PoolCounter>(s);
  j["targets"] = entities_json<TargetCounter>(s);
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

bool parse_state(const std::string& s, HealthState& out) {
  static const std::map<std::string, HealthState> kStates = {{"unknown", HealthState::kUnknown},
                                                             {"healthy", HealthState::kHealthy},
                                                             {"unhealthy", HealthState::kUnhealthy},
                                                             {"draining", HealthState::kDraining},
                                                             {"disabled", HealthState::kDisabled}};
  const auto it = kStates.find(s);
  if (it == kStates.end()) return false;
  out = it->second;
  return true;
}

bool running(const Controller& c, uint32_t core) {
  return c.core_header(core).running.load() != 0;
}

int health(const Segment& s, uint32_t pool, uint32_t target, HealthState state, uint32_t weight) {
  Controller c(s, static_cast<uint64_t>(::getpid()));
  c.set_target_health(pool, target, state, weight);
  c.publish_health();
  const uint64_t g = s.health().header->generation.load();
  for (const auto deadline = Clock::now() + kTimeout; Clock::now() < deadline;) {
    bool all = true;
    for (uint32_t k = 0; k < c.cores(); ++k)
      all = all && (!running(c, k) || c.core_header(k).health_generation.load() >= g);
    if (all) {
      std::printf("{\"health_generation\": %lu}\n", static_cast<unsigned long>(g));
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::fprintf(stderr, "health generation %lu not applied by every core within 5 s\n",
               static_cast<unsigned long>(g));
  return 1;
}

// Reads events until `done` says every core has answered; prints each event of interest as a JSON line.
template <typename Match>
int wait_events(Controller& c, Match match) {
  std::set<uint32_t> waiting;
  for (uint32_t k = 0; k < c.cores(); ++k) {
    if (running(c, k)) waiting.insert(k);
  }
  Message m[16];
  for (const auto deadline = Clock::now() + kTimeout; Clock::now() < deadline && !waiting.empty();) {
    for (uint32_t k = 0; k < c.cores(); ++k) {
      const size_t n = c.receive(k, m, 16);
      for (size_t i = 0; i < n; ++i) {
        if (match(m[i])) waiting.erase(k);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!waiting.empty()) std::fprintf(stderr, "%zu core(s) did not answer within 5 s\n", waiting.size());
  return waiting.empty() ? 0 : 1;
}

int drain_wait(const Segment& s, uint32_t pool, uint32_t target) {
  Controller c(s, static_cast<uint64_t>(::getpid()));
  return wait_events(c, [&](const Message& m) {
    TargetRef ref;
    if (m.type != MessageType::kDrainDone || !read_payload(m, ref) || ref.pool != pool ||
        ref.target != target)
      return false;
    std::printf("{\"drain_done\": {\"core\": %u, \"pool\": %u, \"target\": %u}}\n", m.core, pool, target);
    return true;
  });
}

int probe(const Segment& s, ProbeRequest request) {
  Controller c(s, static_cast<uint64_t>(::getpid()));
  const uint64_t id = static_cast<uint64_t>(::getpid());
  for (uint32_t k = 0; k < c.cores(); ++k) {
    if (running(c, k)) c.send(k, make_message(MessageType::kProbeRequest, k, id, request));
  }
  return wait_events(c, [&](const Message& m) {
    ProbeResult r;
    if (m.type != MessageType::kProbeResult || m.id != id || !read_payload(m, r)) return false;
    std::printf(
        "{\"probe_result\": {\"core\": %u, \"pool\": %u, \"target\": %u, \"success\": %u, \"failure\": "
        "%u, \"status\": %u, \"latency_us\": %u}}\n",
        m.core, r.pool, r.target, r.success, r.failure, r.status, r.latency_us);
    return true;
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string cmd = argv[1];
  const auto name = tollgate::shm::Segment::name_for(argv[2]);
  if (!name) {
    std::fprintf(stderr, "%s\n", name.error().c_str());
    return 2;
  }
  auto segment = Segment::attach(name.value());
  if (!segment) {
    std::fprintf(stderr, "%s\n", segment.error().c_str());
    return 1;
  }
  const Segment& s = segment.value();
  const auto arg = [&](int i) { return static_cast<uint32_t>(std::strtoul(argv[i], nullptr, 10)); };
  if (cmd == "dump" && argc == 3) return dump(s);
  if (cmd == "health" && (argc == 6 || argc == 7)) {
    HealthState state;
    if (!parse_state(argv[5], state)) return usage();
    return health(s, arg(3), arg(4), state, argc == 7 ? arg(6) : 1);
  }
  if (cmd == "drain-wait" && argc == 5) return drain_wait(s, arg(3), arg(4));
  if (cmd == "probe" && (argc == 5 || argc == 8 || argc == 9)) {
    ProbeRequest request;
    request.pool = arg(3);
    request.target = arg(4);
    if (argc >= 8) {
      const std::string proto = argv[5];
      request.protocol = proto == "https"  ? ProbeProtocol::kHttps
                         : proto == "http" ? ProbeProtocol::kHttp
                                           : ProbeProtocol::kTcp;
      in_addr ip{};
      if (::inet_pton(AF_INET, argv[6], &ip) != 1) return usage();
      request.ipv4 = ntohl(ip.s_addr);
      request.port = static_cast<uint16_t>(arg(7));
      const std::string path = argc == 9 ? argv[8] : "/";
      request.path_length = static_cast<uint8_t>(std::min(path.size(), request.path.size()));
      std::memcpy(request.path.data(), path.data(), request.path_length);
      request.timeout_ms = 2000;
    }
    return probe(s, request);
  }
  return usage();
}
