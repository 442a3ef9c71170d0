// One polled worker: owns RX/TX queue `index` of every port, its neighbour tables, its counters. Nothing
// in it is touched by another core; other cores reach it only through the steering rings.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "config/config.h"
#include "dataplane/generation.h"
#include "dataplane/generation_set.h"
#include "dataplane/mbuf_buffers.h"
#include "dataplane/port.h"
#include "dataplane/segment_link.h"
#include "dataplane/stack_probe_runner.h"
#include "dataplane/steering_fabric.h"
#include "dataplane/worker_stats.h"
#include "engine/common/mailbox.h"
#include "engine/net/flow_steering.h"
#include "engine/net/frame_input.h"
#include "engine/net/neighbour_table.h"
#include "engine/proxy/access_log_ring.h"
#include "engine/proxy/http_proxy.h"
#include "engine/proxy/tcp_proxy.h"
#include "engine/proxy/tls_proxy.h"
#include "engine/proxy/tls_terminator.h"
#include "engine/proxy/upstream_pools.h"
#include "engine/tcp/stack.h"
#include "engine/tls/aead_engine.h"
#include "engine/tls/server_context.h"
#include "engine/tls/server_handshake.h"
#include "engine/tls/ticket_keys.h"

struct rte_mbuf;
struct rte_mempool;

namespace tollgate::dataplane {

inline constexpr uint16_t kMaxBurst = 256;

class Worker {
 public:
  Worker(uint16_t index, const DataplaneConfig& config, const std::vector<Port>& ports,
         const net::FlowSteering& steering, const SteeringFabric& fabric, rte_mempool* pool,
         rte_mempool* record_pool, const std::atomic<bool>& stop);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // The lcore entry point: polls until `stop` is set.
  int run();

  const WorkerStats& stats() const { return stats_; }
  const tcp::TcpStack& tcp() const { return *tcp_; }
  const proxy::TlsTerminator* upstream_tls() const { return upstream_tls_.get(); }

  // Config generations (generation.h). What main builds this core's generations with, and the core's
  // clock now (the TSC, readable from any thread).
  CoreResources resources();
  uint64_t clock_us() const;
  // The first generation (the start-up config): its listeners start listening. Called once before run();
  // false with `error` set when an address cannot be listened on.
  bool start(std::unique_ptr<Generation> first, std::string& error);
  // A newer generation from main (any thread), installed at the worker's next timer tick: new connections
  // use it from then on, the replaced one drains (generation_set.h). One at a time: main waits for
  // adopted_generation() before offering the next.
  void offer_generation(std::unique_ptr<Generation> next);
  uint64_t adopted_generation() const { return adopted_.load(std::memory_order_acquire); }
  // The generation new connections use (main: what the next one keeps parts of; stats). Stays valid
  // until main frees it, which it only does after collect_retired handed it back.
  const Generation* current_generation() const { return current_.load(std::memory_order_acquire); }
  // A drained generation for main to free (off the worker), or null.
  std::unique_ptr<Generation> collect_retired();
  // Certificate reload (any thread, the main lcore in practice): listener `listener`'s new context for
  // this core, adopted at the worker's next timer tick. A context offered before the last was adopted is
  // replaced (and freed here).
  void offer_context(uint32_t listener, std::unique_ptr<tls::ServerContext> context);
  uint16_t index() const { return index_; }
  // This core's side of the shared segment, given by main after the listeners started and before run():
  // from then on the worker publishes its stats, beats its heartbeat and applies health on its timer tick.
  // Without it (never called) the worker runs as before. Pools and targets are numbered by the running
  // generation's config (as main's segment plan, from the same config).
  void attach_segment(shm::WorkerPort port);
  // This core's access-log ring, which its HTTP proxies push a record into per request and the writer
  // thread drains; null when no [dataplane] access_log is configured.
  proxy::AccessLogRing* access_log() { return access_log_.get(); }

 private:
  struct TxBuffer {
    std::array<rte_mbuf*, kMaxBurst> packets{};
    uint16_t count = 0;
  };
  struct PortState {
    const Port* port;
    QueueBinding queue;  // this worker's RX/TX queue on the port
    TxBuffer tx;
    net::NeighbourTable<rte_mbuf*> neighbours;
  };

  void handle_burst(rte_mbuf** packets, uint16_t count, bool from_wire);
  void handle_packet(rte_mbuf* m);
  void route(PortState& ps, rte_mbuf* m, net::Ipv4Address destination);
  void learn(uint8_t port_index, const net::NeighbourHint& hint, bool share);
  void send_arp_request(PortState& ps, net::Ipv4Address target);
  void announce();
  void poll_neighbour_updates();
  void run_timers(uint64_t now_ms);
  void measure_buffers();
  void segment_tick();   // worker_segment.cc
  void publish_stats();  // worker_segment.cc: every counter into this core's block (stats_export.h)
  void transmit(PortState& ps, rte_mbuf* m);
  void flush_tls();
  void adopt_contexts();
  void adopt_generation();
  void flush(PortState& ps);
  void flush_steering();
  void drop(rte_mbuf* m, net::DropReason reason);
  void deliver_tcp(rte_mbuf* m, const net::FrameVerdict& v, bool checksum_verified);
  bool tcp_transmit(const tcp::OutgoingSegment& segment);
  bool owns(const tcp::Tuple& tuple) const;
  PortState* port_for_address(uint32_t local_ip);

  const uint16_t index_;
  const uint16_t burst_;
  const net::FlowSteering& steering_;
  const SteeringFabric& fabric_;
  rte_mempool* pool_;
  BufferPools pools_;  // what the TCP engine's buffers are allocated from (TLS records, proxied bytes)
  const uint32_t mbuf_reserve_percent_;
  uint64_t next_measure_tsc_ = 0;  // when measure_buffers() looks at the pools again
  const std::atomic<bool>& stop_;
  std::vector<PortState> ports_;
  std::vector<uint8_t> port_index_by_id_;  // DPDK port id → index into ports_
  // Packets for other cores, gathered per destination during a burst and enqueued once per burst.
  std::vector<std::array<rte_mbuf*, kMaxBurst>> steer_out_;
  std::vector<uint16_t> steer_out_count_;
  uint64_t tsc_per_ms_ = 1;
  uint64_t now_us_ = 0;  // refreshed every poll iteration; the TCP stack's clock
  uint16_t ip_id_ = 0;
  WorkerStats stats_;
  std::unique_ptr<tcp::TcpStack> tcp_;
  std::vector<net::Ipv4Prefix> port_prefixes_;  // each port's address: backend sources
  uint32_t max_sessions_ = 0;                   // per listener and per core's pools
  // TLS: one AEAD engine per core (batches records of all connections) and the client-role layer that
  // carries connections to targets speaking TLS (pools with tls, HTTPS health probes).
  std::unique_ptr<tls::AeadEngine> aead_;
  std::unique_ptr<proxy::TlsTerminator> upstream_tls_;
  // The listeners and pools of the config generations this core runs (current and draining), and the
  // hand-overs with main: a generation offered, one drained for main to free.
  std::unique_ptr<GenerationSet> generations_;
  Mailbox<Generation> offered_;
  Mailbox<Generation> retired_out_;  // filled only when empty, so main frees every generation
  std::atomic<const Generation*> current_{nullptr};
  std::atomic<uint64_t> adopted_{0};
  // Certificate reload: contexts offered per listener (config index), and replaced ones kept until no
  // handshake can still be running in them.
  std::vector<Mailbox<tls::ServerContext>> offered_contexts_;
  struct RetiredContext {
    std::unique_ptr<tls::ServerContext> context;
    uint64_t free_after_us = 0;
  };
  std::vector<RetiredContext> retired_contexts_;
  std::unique_ptr<proxy::AccessLogRing> access_log_;
  // Health probes over this core's stack (made with the segment link, which hands them requests).
  std::unique_ptr<tls::ClientContext> probe_tls_;
  std::unique_ptr<StackProbeRunner> probe_runner_;
  std::unique_ptr<SegmentLink> segment_;
};

}  // namespace tollgate::dataplane
