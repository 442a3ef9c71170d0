// The config generations one worker runs: the current one, which new connections reach (its handlers are
// the TCP stack's listener handlers), and older ones draining — each connection keeps the handler it was
// accepted by, so it finishes on the generation it started on. Used only by its worker (no DPDK, no
// locks); the main lcore builds generations and frees retired ones (generation.h).
//
// Drain of a replaced generation (Envoy's drain time, HAProxy's hard-stop-after, for one reload):
//  - its HTTP side answers every request with `Connection: close` and closes the connection after the
//    response; a connection idle between requests is left to its next request, its idle timeout or the
//    deadline (closing it now could meet a request already on its way, which would fail);
//  - its pools keep no idle connection to a target;
//  - tcp/tls connections (no protocol to say "go away") run on;
//  - config_drain_timeout_ms (of the newer config) after the new generation was adopted, idle HTTP
//    connections are closed and everything else is reset; whatever is still open kHardCloseUs later is
//    reset too;
//  - once it has no connection left it retires: its final counters are added to the core's carried totals
//    and main frees it. More than kMaxGenerations at once (reloads faster than drains) close the oldest.
// Parts a generation shares with a newer one (unchanged listeners) belong to the newest holding them and
// are not drained.
//
// Stats: the segment's blocks are in the current config's numbering (its EntityIndex); each live
// generation's objects add to the entities they stand for (entity_map.h: each draining generation's map to
// the current numbering is made once, when a newer generation is adopted), and the carried totals of
// retired parts are remapped when the numbering changes, so counters never go backwards across a reload.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/entity_index.h"
#include "config/entity_map.h"
#include "dataplane/generation.h"
#include "dataplane/stats_export.h"
#include "engine/shm/segment_views.h"
#include "engine/shm/stats_types.h"

namespace tollgate::dataplane {

class GenerationSet {
 public:
  static constexpr size_t kMaxGenerations = 8;
  static constexpr uint64_t kHardCloseUs = 2'000'000;

  GenerationSet(tcp::TcpStack& stack, proxy::TlsTerminator* upstream_tls);
  ~GenerationSet();
  GenerationSet(const GenerationSet&) = delete;
  GenerationSet& operator=(const GenerationSet&) = delete;

  // The first generation: its listeners start listening. False (`error` set) when an address:port is
  // taken.
  bool start(std::unique_ptr<Generation> first, std::string& error);
  // `next` takes every listener's new connections from now on; the current generation drains. Returns
  // where the replaced generation's entities sit in the new numbering (-1: dropped).
  const EntityMap& adopt(std::unique_ptr<Generation> next, uint64_t now_us);

  // The TLS layers of every live generation, then the core's client-role layer (see Worker::flush_tls).
  void flush_tls();
  // Once per poll iteration: the HTTP proxies go on with pipelines left over from the last one.
  void run_deferred();
  // The proxies' timers, then drain deadlines and retirement.
  void expire(uint64_t now_us);
  // A retired generation for the main lcore to free (null: none).
  std::unique_ptr<Generation> take_retired();

  bool started() const { return !live_.empty(); }
  Generation& current() { return *live_.back().generation; }
  const Generation& current() const { return *live_.back().generation; }
  // The oldest generation this core still has connections on (the current one when nothing drains).
  uint64_t oldest() const { return live_.front().generation->number; }
  size_t draining() const { return live_.size() - 1; }
  // Client connections and connections to targets of the draining generations.
  size_t draining_sessions() const;

  // Connections open to a target in the draining generations' HTTP sides, and the requests in flight and
  // tcp/tls sessions to it counted by their TargetPools that the current generation does not share (those
  // it shares count in its own). `target`: its segment index in the current numbering. A target's drain is
  // done when this is 0 as well.
  uint32_t older_busy(uint32_t target) const;

  // Every listener's, rule's, pool's and target's counters into this core's blocks of the segment.
  void export_stats(const shm::CoreView& view);

  // Certificate reload: listener `index` (config numbering) of the current generation runs new handshakes
  // in `fresh` from now on. Handshakes already running keep the context they started in: it comes back
  // with how long such a handshake may still take, for the caller to keep it that long. Nothing comes
  // back (and `fresh` is dropped) when the listener is not a tls/https one.
  struct ReplacedContext {
    std::unique_ptr<tls::ServerContext> context;
    uint64_t handshake_timeout_us = 0;
  };
  ReplacedContext replace_context(uint32_t index, std::unique_ptr<tls::ServerContext> fresh);

 private:
  struct Live {
    std::unique_ptr<Generation> generation;
    uint64_t deadline_us = 0;  // drain time over (while not current)
    uint64_t hard_us = 0;      // reset whatever is left
    uint8_t phase = 0;         // 0 running or draining, 1 closed softly, 2 reset
    EntityMap renumbered{};    // its entities in the current numbering (while not current)
  };
  // Per-entity blocks held by the worker itself (not in the segment), in the current numbering.
  struct Totals {
    std::vector<shm::ListenerStats> listeners;
    std::vector<shm::RuleStats> rules;
    std::vector<shm::PoolStats> pools;
    std::vector<shm::TargetStats> targets;
  };
  static Totals sized_for(const EntityIndex& index);

  bool owns(size_t i, const L4Listener* part) const;
  bool owns(size_t i, const HttpSide* side) const;
  bool owns(size_t i, const balancing::TargetPool* pool) const;
  size_t owned_sessions(size_t i) const;
  void drain(size_t i, uint64_t now_us);
  void close(size_t i, bool hard);
  void retire(size_t i);
  // What generation i's own parts counted, added into `into` (current numbering) and `defences`; with
  // `samples` (by listener), their latest refused clients too.
  void add_counts(size_t i, Totals& into, shm::DefenceStats& defences,
                  std::vector<RefusalAddresses>* samples = nullptr);
  // Where generation i's entities count in the current numbering.
  const EntityMap& to_current(size_t i) const;
  void install(const Generation& g);

  tcp::TcpStack& stack_;
  proxy::TlsTerminator* upstream_tls_;
  std::vector<Live> live_;  // oldest first; back() is current
  std::vector<std::unique_ptr<Generation>> retired_;
  Totals carried_;                      // retired parts' final counts
  Totals stage_;                        // export scratch
  shm::DefenceStats carried_defences_;  // retired parts' final defence counts
  shm::DefenceStats stage_defences_;
  std::vector<RefusalAddresses> samples_;  // export scratch, by listener
  shm::ListenerStats scratch_listener_;
  shm::RuleStats scratch_rule_;
  shm::PoolStats scratch_pool_;
  shm::TargetStats scratch_target_;
};

}  // namespace tollgate::dataplane
