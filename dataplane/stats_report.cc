#include "dataplane/stats_report.h"

#include <fmt/format.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace tollgate::dataplane {
namespace {

// Per HTTP listener: requests and responses by class, what was answered here and why; per core: the
// upstream connections all listeners share.
// The TLS layer of a tls or https listener.
nlohmann::json tls_json(const proxy::TlsCounters& c, size_t sessions_active) {
  nlohmann::json failures = nlohmann::json::object();
  for (size_t r = 1; r < proxy::kHandshakeFailureKinds; ++r) {
    failures[tls::failure_name(static_cast<tls::HandshakeFailure>(r))] = c.failures_by_reason[r].get();
  }
  return {{"sessions", c.sessions.get()},
          {"sessions_active", sessions_active},
          {"handshakes", c.handshakes.get()},
          {"handshakes_resumed", c.handshakes_resumed.get()},
          {"handshake_failures", c.handshake_failures.get()},
          {"handshake_timeouts", c.handshake_timeouts.get()},
          {"hello_retries", c.hello_retries.get()},
          {"handshake_failures_by_reason", failures},
          {"records_opened", c.records_opened.get()},
          {"records_sealed", c.records_sealed.get()},
          {"bulk_records", c.bulk_records.get()},
          {"aead_batches", c.aead_batches.get()},
          {"record_errors", c.record_errors.get()},
          {"key_updates", c.key_updates.get()},
          {"post_handshake_floods", c.post_handshake_floods.get()},
          {"renegotiations_refused", c.renegotiations_refused.get()},
          {"renegotiation_floods", c.renegotiation_floods.get()},
          {"discarded_after_close", c.discarded_after_close.get()},
          {"resets_after_alert", c.resets_after_alert.get()},
          {"tickets_skipped", c.tickets_skipped.get()},
          {"alerts_received", c.alerts_received.get()},
          {"no_memory", c.no_memory.get()},
          {"app_refused", c.app_refused.get()},
          {"plaintext_in", c.plaintext_in.get()},
          {"plaintext_packed", c.plaintext_packed.get()},
          {"handshakes_refused", c.handshakes_refused.get()},
          {"plaintext_out", c.plaintext_out.get()}};
}

nlohmann::json limits_json(const net::ClientLimiter& limiter) {
  const net::ClientLimitCounters& k = limiter.counters();
  return {{"connections_refused", k.connections_refused.get()},
          {"connections_rated", k.connections_rated.get()},
          {"requests_limited", k.requests_limited.get()},
          {"untracked", k.untracked.get()}};
}

// The generation new connections use: after a config reload its counters start at zero (the segment,
// which the control plane reads, carries totals across generations).
nlohmann::json http_json(const Generation* g) {
  static constexpr const char* kLocal[] = {"400", "408", "413", "431",   "501", "502",
                                           "503", "504", "505", "other", "405", "429"};
  static_assert(std::size(kLocal) == static_cast<size_t>(proxy::LocalStatus::kCount));
  nlohmann::json out = nlohmann::json::array();
  if (!g || !g->http) return out;
  for (const HttpListener& l : g->http->listeners) {
    const proxy::HttpProxy* p = l.proxy.get();
    const proxy::HttpProxyCounters& c = p->counters();
    nlohmann::json by_class = nlohmann::json::object();
    for (size_t k = 1; k <= 5; ++k) by_class[fmt::format("{}xx", k)] = c.responses_by_class[k].get();
    nlohmann::json local = nlohmann::json::object();
    for (size_t k = 0; k < c.local_errors.size(); ++k) local[kLocal[k]] = c.local_errors[k].get();
    out.push_back({{"name", p->settings().name},
                   {"connections", c.connections.get()},
                   {"sessions_active", p->sessions_active()},
                   {"requests", c.requests.get()},
                   {"responses", by_class},
                   {"local_errors", local},
                   {"fixed_responses", c.fixed_responses.get()},
                   {"redirects", c.redirects.get()},
                   {"forwarded", c.forwarded.get()},
                   {"retries", c.retries.get()},
                   {"tunnels", c.tunnels.get()},
                   {"no_session", c.no_session.get()},
                   {"pipeline_deferred", c.pipeline_deferred.get()},
                   {"pipeline_backpressure", c.pipeline_backpressure.get()},
                   {"transfer_timeouts", c.transfer_timeouts.get()},
                   {"linger_timeouts", c.linger_timeouts.get()},
                   {"paths_normalized", c.paths_normalized.get()},
                   {"body_bytes_from_clients", c.bytes_from_clients.get()},
                   {"body_bytes_to_clients", c.bytes_to_clients.get()}});
    if (const net::ClientLimiter* limiter = p->client_limiter())
      out.back()["client_limits"] = limits_json(*limiter);
    if (l.tls) out.back()["tls"] = tls_json(l.tls->counters(), l.tls->sessions_active());
  }
  return out;
}

nlohmann::json upstream_json(const Generation* g) {
  if (!g || !g->http) return nullptr;
  const proxy::UpstreamPools* u = g->http->upstreams.get();
  const proxy::UpstreamCounters& c = u->counters();
  return {{"open", u->open_connections()}, {"idle", u->idle_connections()},
          {"connects", c.connects.get()},  {"connect_failures", c.connect_failures.get()},
          {"reuses", c.reuses.get()},      {"idle_closed", c.idle_closed.get()}};
}

nlohmann::json worker_json(const Worker& w, double tsc_hz) {
  const WorkerStats& s = w.stats();
  nlohmann::json j;
  j["core"] = w.index();
  j["lcore"] = w.index() + 1;
  const uint64_t busy = s.cycles_busy.get(), idle = s.cycles_idle.get(), packets = s.packets.get();
  const uint64_t busy_iters = s.iterations_busy.get();
  j["cycles_busy"] = busy;
  j["cycles_idle"] = idle;
  j["iterations_busy"] = busy_iters;
  j["iterations_idle"] = s.iterations_idle.get();
  j["packets"] = packets;
  j["busy_ratio"] = busy + idle ? static_cast<double>(busy) / static_cast<double>(busy + idle) : 0.0;
  j["packets_per_busy_iteration"] =
      busy_iters ? static_cast<double>(packets) / static_cast<double>(busy_iters) : 0.0;
  j["busy_cycles_per_packet"] = packets ? static_cast<double>(busy) / static_cast<double>(packets) : 0.0;
  j["busy_ns_per_packet"] =
      packets ? 1e9 * static_cast<double>(busy) / tsc_hz / static_cast<double>(packets) : 0.0;
  j["rx_packets"] = s.rx_packets.get();
  j["rx_bytes"] = s.rx_bytes.get();
  j["tx_packets"] = s.tx_packets.get();
  j["tx_bytes"] = s.tx_bytes.get();
  j["steered_out"] = s.steered_out.get();
  j["steered_in"] = s.steered_in.get();
  j["neighbour_updates_lost"] = s.neighbour_updates_lost.get();
  j["buffer_pressure_episodes"] = s.buffer_pressure_episodes.get();
  // A gauge (0 none, 1 low, 2 critical), not a counter: kept out of the totals by its type.
  j["buffer_pressure"] = static_cast<int>(w.tcp().buffer_pressure());
  const net::L2L3Counters& l = s.l2l3;
  j["frames_in"] = l.frames_in.get();
  j["arp_requests_answered"] = l.arp_requests_answered.get();
  j["arp_replies_received"] = l.arp_replies_received.get();
  j["arp_requests_sent"] = l.arp_requests_sent.get();
  j["neighbours_learned"] = l.neighbours_learned.get();
  j["icmp_echo_answered"] = l.icmp_echo_answered.get();
  j["ipv4_delivered"] = l.ipv4_delivered.get();
  nlohmann::json drops = nlohmann::json::object();
  uint64_t total = 0;
  for (size_t r = 0; r < net::kDropReasonCount; ++r) {
    const uint64_t n = l.drops[r].get();
    drops[std::string(net::kDropReasonNames[r])] = n;
    total += n;
  }
  j["drops"] = drops;
  j["drops_total"] = total;
  const tcp::TcpCounters& t = w.tcp().counters();
  j["tcp"] = {
      {"active", t.active.get()},
      {"opened_passive", t.opened_passive.get()},
      {"opened_active", t.opened_active.get()},
      {"closed", t.closed.get()},
      {"segments_in", t.segments_in.get()},
      {"segments_out", t.segments_out.get()},
      {"retransmits", t.retransmits.get()},
      {"rto_expired", t.rto_expired.get()},
      {"fast_retransmits", t.fast_retransmits.get()},
      {"dup_acks", t.dup_acks.get()},
      {"out_of_order_bytes", t.out_of_order_bytes.get()},
      {"out_of_order_refused", t.out_of_order_refused.get()},
      {"paws_rejected", t.paws_rejected.get()},
      {"out_of_window", t.out_of_window.get()},
      {"beyond_window_bytes", t.beyond_window_bytes.get()},
      {"syn_cookies_sent", t.syn_cookies_sent.get()},
      {"syn_cookies_validated", t.syn_cookies_validated.get()},
      {"syn_cookies_failed", t.syn_cookies_failed.get()},
      {"resets_sent", t.resets_sent.get()},
      {"resets_received", t.resets_received.get()},
      {"challenge_acks", t.challenge_acks.get()},
      {"bad_checksum", t.bad_checksum.get()},
      {"malformed", t.malformed.get()},
      {"no_connection", t.no_connection.get()},
      {"listen_overflow", t.listen_overflow.get()},
      {"no_memory", t.no_memory.get()},
      {"time_wait_reused", t.time_wait_reused.get()},
      {"syn_cookies_at_limit", t.syn_cookies_at_limit.get()},
      {"reassembly_stalled", t.reassembly_stalled.get()},
      {"zero_window_timeouts", t.zero_window_timeouts.get()},
      {"small_mss_raised", t.small_mss_raised.get()},
      {"rx_coalesced", t.rx_coalesced.get()},
      {"tiny_out_of_order_refused", t.tiny_out_of_order_refused.get()},
      {"syn_refused_pressure", t.syn_refused_pressure.get()},
      {"rx_refused_pressure", t.rx_refused_pressure.get()},
      {"ooo_refused_pressure", t.ooo_refused_pressure.get()},
      {"tx_held_pressure", t.tx_held_pressure.get()},
      {"chunks_in_use", w.tcp().chunks_in_use()},
  };
  const Generation* g = w.current_generation();
  nlohmann::json proxies = nlohmann::json::array();
  nlohmann::json tls = nlohmann::json::array();
  for (const auto& part : g ? g->l4 : std::vector<std::shared_ptr<L4Listener>>{}) {
    if (part->tls) {
      const proxy::TlsProxy* p = part->tls.get();
      const proxy::ProxyCounters& f = p->forwarding();
      nlohmann::json entry = tls_json(p->counters(), p->sessions_active());
      entry["backend_connects"] = f.backend_connects.get();
      entry["backend_failures"] = f.backend_failures.get();
      entry["bytes_to_backend"] = f.bytes_to_backend.get();
      entry["bytes_to_client"] = f.bytes_to_client.get();
      entry["idle_timeouts"] = f.idle_timeouts.get();
      if (const net::ClientLimiter* limiter = p->client_limiter())
        entry["client_limits"] = limits_json(*limiter);
      tls.push_back(std::move(entry));
      continue;
    }
    const proxy::TcpProxy* p = part->tcp.get();
    const proxy::ProxyCounters& pc = p->counters();
    proxies.push_back({{"sessions", pc.sessions.get()},
                       {"sessions_active", p->sessions_active()},
                       {"backend_connects", pc.backend_connects.get()},
                       {"backend_failures", pc.backend_failures.get()},
                       {"bytes_to_backend", pc.bytes_to_backend.get()},
                       {"bytes_to_client", pc.bytes_to_client.get()},
                       {"idle_timeouts", pc.idle_timeouts.get()}});
    if (const net::ClientLimiter* limiter = p->client_limiter())
      proxies.back()["client_limits"] = limits_json(*limiter);
  }
  j["listeners"] = proxies;
  j["tls_listeners"] = tls;
  j["http_listeners"] = http_json(g);
  j["upstreams"] = upstream_json(g);
  j["config_generation"] = w.adopted_generation();
  // HTTPS to targets: the client-role TLS layer all pools with `tls` share on this core.
  if (const proxy::TlsTerminator* up = w.upstream_tls()) {
    j["upstream_tls"] = tls_json(up->counters(), up->sessions_active());
  }
  return j;
}

nlohmann::json port_json(const Port& p) {
  nlohmann::json j;
  j["name"] = p.name;
  j["devices"] = p.devices;
  j["driver"] = std::string(port_driver_name(p.driver));
  j["mac"] = p.iface.mac.to_string();
  j["ipv4"] = p.iface.ipv4.to_string();
  j["rx_ipv4_checksum_offload"] = p.rx_ipv4_checksum;
  j["hardware_rss"] = p.hardware_rss;
  rte_eth_stats sum{};
  for (uint16_t id : p.device_ids) {
    rte_eth_stats st{};
    if (rte_eth_stats_get(id, &st) != 0) continue;
    sum.ipackets += st.ipackets;
    sum.opackets += st.opackets;
    sum.ibytes += st.ibytes;
    sum.obytes += st.obytes;
    sum.imissed += st.imissed;
    sum.ierrors += st.ierrors;
    sum.oerrors += st.oerrors;
    sum.rx_nombuf += st.rx_nombuf;
  }
  j["ipackets"] = sum.ipackets;
  j["opackets"] = sum.opackets;
  j["ibytes"] = sum.ibytes;
  j["obytes"] = sum.obytes;
  j["imissed"] = sum.imissed;
  j["ierrors"] = sum.ierrors;
  j["oerrors"] = sum.oerrors;
  j["rx_nombuf"] = sum.rx_nombuf;
  rte_eth_link link{};
  if (rte_eth_link_get_nowait(p.device_ids[0], &link) == 0) {
    j["link_up"] = link.link_status == RTE_ETH_LINK_UP;
    j["link_speed_mbps"] = link.link_speed;
  }
  return j;
}

}  // namespace

nlohmann::json stats_snapshot(const std::vector<Port>& ports, const std::vector<Worker*>& workers,
                              const std::string& state, const rte_mempool* pool,
                              const AccessLogWriter* access_log) {
  const double tsc_hz = static_cast<double>(rte_get_tsc_hz());
  nlohmann::json j;
  j["state"] = state;
  j["pid"] = ::getpid();
  j["time"] = static_cast<int64_t>(std::time(nullptr));
  j["tsc_hz"] = rte_get_tsc_hz();
  j["workers"] = workers.size();
  // Free mbufs: TCP keeps payload in receive buffers, so exhaustion shows here before RX stalls.
  j["mbufs_available"] = rte_mempool_avail_count(pool);
  j["mbufs_in_use"] = rte_mempool_in_use_count(pool);
  nlohmann::json cores = nlohmann::json::array();
  for (const Worker* w : workers) cores.push_back(worker_json(*w, tsc_hz));
  j["cores"] = cores;
  nlohmann::json port_list = nlohmann::json::array();
  for (const Port& p : ports) port_list.push_back(port_json(p));
  j["ports"] = port_list;
  // Totals over cores, so scripts need not sum.
  nlohmann::json totals = nlohmann::json::object();
  totals["drops"] = nlohmann::json::object();
  totals["tcp"] = nlohmann::json::object();
  for (const auto& c : cores) {
    for (const auto& [k, v] : c.items()) {
      if (v.is_number_unsigned() && k != "core" && k != "lcore")
        totals[k] = totals.value(k, uint64_t{0}) + v.get<uint64_t>();
    }
    for (const char* group : {"drops", "tcp"}) {
      for (const auto& [k, v] : c[group].items()) {
        totals[group][k] = totals[group].value(k, uint64_t{0}) + v.get<uint64_t>();
      }
    }
  }
  j["totals"] = totals;
  j["access_log"] =
      access_log ? nlohmann::json{{"written", access_log->written()}, {"dropped", access_log->dropped()}}
                 : nlohmann::json(nullptr);
  return j;
}

bool write_stats_file(const std::string& path, const nlohmann::json& snapshot) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return false;
  const std::string text = snapshot.dump(2) + "\n";
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  std::fclose(f);
  return ok && std::rename(tmp.c_str(), path.c_str()) == 0;
}

std::string stats_summary(const nlohmann::json& s) {
  std::string out;
  for (const auto& c : s["cores"]) {
    out += fmt::format(
        "core {}: packets {} rx {} tx {} steered in/out {}/{} busy {:.1f}% busy cycles/packet {:.0f} "
        "packets/busy iteration {:.2f} drops {}\n",
        c["core"].get<int>(), c["packets"].get<uint64_t>(), c["rx_packets"].get<uint64_t>(),
        c["tx_packets"].get<uint64_t>(), c["steered_in"].get<uint64_t>(), c["steered_out"].get<uint64_t>(),
        100.0 * c["busy_ratio"].get<double>(), c["busy_cycles_per_packet"].get<double>(),
        c["packets_per_busy_iteration"].get<double>(), c["drops_total"].get<uint64_t>());
    for (const auto& [reason, n] : c["drops"].items()) {
      if (n.get<uint64_t>() > 0) out += fmt::format("  drop {}: {}\n", reason, n.get<uint64_t>());
    }
  }
  for (const auto& p : s["ports"]) {
    out += fmt::format("port {}: ipackets {} opackets {} imissed {} ierrors {} oerrors {}\n",
                       p["name"].get<std::string>(), p.value("ipackets", uint64_t{0}),
                       p.value("opackets", uint64_t{0}), p.value("imissed", uint64_t{0}),
                       p.value("ierrors", uint64_t{0}), p.value("oerrors", uint64_t{0}));
  }
  return out;
}

}  // namespace tollgate::dataplane
