#include "engine/tls/sni_index.h"

#include <algorithm>

namespace tollgate::tls {

void SniIndex::add(std::string_view name, uint16_t value) {
  if (name.starts_with("*."))
    wildcard_.push_back({std::string(name.substr(2)), value});
  else
    exact_.push_back({std::string(name), value});
}

void SniIndex::finish() {
  // Stable: for a name added twice, the earlier entry is the one found.
  auto by_name = [](const Name& a, const Name& b) { return a.name < b.name; };
  std::stable_sort(exact_.begin(), exact_.end(), by_name);
  std::stable_sort(wildcard_.begin(), wildcard_.end(), by_name);
}

const SniIndex::Name* SniIndex::lookup(const std::vector<Name>& names, std::string_view name) {
  auto it = std::lower_bound(names.begin(), names.end(), name,
                             [](const Name& n, std::string_view key) { return n.name < key; });
  return it != names.end() && it->name == name ? &*it : nullptr;
}

std::optional<uint16_t> SniIndex::find(std::string_view host_name) const {
  // Host names are at most 253 characters (RFC 1035 §2.3.4); anything longer matches nothing.
  char buffer[256];
  if (host_name.empty() || host_name.size() >= sizeof(buffer)) return std::nullopt;
  for (size_t i = 0; i < host_name.size(); ++i) {
    const char c = host_name[i];
    buffer[i] = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  const std::string_view name(buffer, host_name.size());
  if (const Name* n = lookup(exact_, name)) return n->value;
  // A wildcard stands for exactly one whole label (RFC 6125 §6.4.3): "*.example.com" covers
  // "a.example.com", not "example.com" nor "a.b.example.com".
  const size_t dot = name.find('.');
  if (dot != std::string_view::npos && dot > 0) {
    if (const Name* n = lookup(wildcard_, name.substr(dot + 1))) return n->value;
  }
  return std::nullopt;
}

}  // namespace tollgate::tls
