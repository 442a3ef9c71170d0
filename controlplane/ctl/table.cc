#include "controlplane/ctl/table.h"

#include <fmt/format.h>

#include <algorithm>

namespace tollgate::controlplane {

bool looks_numeric(const std::string& cell) {
  if (cell.empty() || cell == "-") return !cell.empty();
  if (!(std::isdigit(static_cast<unsigned char>(cell[0])) || cell[0] == '-' || cell[0] == '+')) return false;
  // Addresses ("198.19.0.11:8080") and endpoints read better left-aligned.
  return cell.find(':') == std::string::npos && std::count(cell.begin(), cell.end(), '.') <= 1;
}

std::string Table::render() const {
  const size_t cols = header_.size();
  std::vector<size_t> width(cols, 0);
  std::vector<bool> numeric(cols, true);
  for (size_t c = 0; c < cols; ++c) width[c] = header_[c].size();
  for (const auto& row : rows_) {
    for (size_t c = 0; c < cols && c < row.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
      numeric[c] = numeric[c] && looks_numeric(row[c]);
    }
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t c = 0; c < cols; ++c) {
      const std::string& v = c < cells.size() ? cells[c] : std::string();
      if (c) l += "  ";
      l += numeric[c] && !rows_.empty() ? fmt::format("{:>{}}", v, width[c])
                                        : fmt::format("{:<{}}", v, width[c]);
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(header_);
  for (const auto& row : rows_) line(row);
  return out;
}

std::string format_latency_us(double us, bool any) {
  if (!any) return "-";
  if (us < 1000) return fmt::format("{:.0f}us", us);
  if (us < 1e6) return fmt::format("{:.2f}ms", us / 1e3);
  return fmt::format("{:.2f}s", us / 1e6);
}

}  // namespace tollgate::controlplane
