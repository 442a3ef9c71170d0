// Aligned text tables for tollgatectl: a header row and rows of cells; columns as wide as their widest
// cell, numbers right-aligned, two spaces between columns.
#pragma once

#include <string>
#include <vector>

namespace tollgate::controlplane {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  size_t rows() const { return rows_.size(); }
  std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// "1234567" → "1234567"; durations in microseconds → "850us", "1.25ms", "2.50s"; "-" for no samples.
std::string format_latency_us(double us, bool any);
// A cell is numeric (right-aligned) when it starts with a digit or a sign and is not an address.
bool looks_numeric(const std::string& cell);

}  // namespace tollgate::controlplane
