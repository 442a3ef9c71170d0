// What `tollgatectl show …` and `top` print: tables made from the control plane's show.* JSON
// (snapshot_json.h). Pure functions of the JSON, so tests feed them recorded answers.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace tollgate::controlplane {

// One line: config file and generation, segment, dataplane liveness.
std::string render_summary(const nlohmann::json& stats);
std::string render_listeners(const nlohmann::json& stats);
// Clients each listener refused, by reason (allow-list, client_limits, max_handshakes).
std::string render_refusals(const nlohmann::json& stats);
// The cores' defence counters, one row each with the total and every core's share; `all`: also those
// still at zero (show stats lists only the ones an attack moved).
std::string render_defences(const nlohmann::json& stats, bool all);
std::string render_rules(const nlohmann::json& stats);
std::string render_pools(const nlohmann::json& stats);
std::string render_targets(const nlohmann::json& stats);
std::string render_cores(const nlohmann::json& stats);
std::string render_certs(const nlohmann::json& stats);
// show stats: the summary and every table.
std::string render_stats(const nlohmann::json& stats);
// The renderer for `show WHAT` (WHAT: stats, listeners, rules, pools, targets, cores); null for others.
using ViewRenderer = std::string (*)(const nlohmann::json&);
ViewRenderer view_renderer(std::string_view what);

// top: requests/s per listener and target between two show.stats answers `seconds` apart.
std::string render_top(const nlohmann::json& before, const nlohmann::json& now, double seconds);

}  // namespace tollgate::controlplane
