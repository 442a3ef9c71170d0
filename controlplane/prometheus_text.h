// The Prometheus text exposition format (version 0.0.4) of a StatsSnapshot: conventional names
// (tollgate_requests_total{listener,code_class}, tollgate_connections_active, histograms as
// _bucket{le}/_sum/_count in seconds), one HELP and TYPE per family. Pure: tests render hand-made
// snapshots.
#pragma once

#include <string>

#include "controlplane/stats_snapshot.h"

namespace tollgate::controlplane {

std::string render_prometheus(const StatsSnapshot& s);

// "a\"b" → a\"b with backslash, double quote and newline escaped as the format requires.
std::string escape_label_value(std::string_view v);

}  // namespace tollgate::controlplane
