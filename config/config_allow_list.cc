#include "config/config_allow_list.h"

#include <vector>

namespace tollgate::dataplane {

std::optional<net::AddressAllowList> read_prefix_list(TomlReader& r, const toml::node& n,
                                                      const std::string& key) {
  const toml::array* arr = n.as_array();
  if (!arr) {
    r.error(&n, key, "must be an array of IPv4 prefixes", "e.g. [\"198.18.0.0/24\"]");
    return std::nullopt;
  }
  std::vector<net::Ipv4Prefix> prefixes;
  bool ok = true;
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = *arr->get(i);
    const std::string at = fmt::format("{}[{}]", key, i);
    const std::optional<std::string> text = e.value<std::string>();
    const std::optional<net::Ipv4Prefix> p =
        text && e.is_string() ? net::Ipv4Prefix::parse(*text) : std::nullopt;
    if (!p) {
      r.error(&e, at,
              text && e.is_string() ? fmt::format("'{}' is not an IPv4 prefix", *text) : "must be a string",
              "write it as \"a.b.c.d/len\" with len 0 to 32");
      ok = false;
    } else if (p->address.value & ~p->mask()) {
      r.error(&e, at, fmt::format("'{}' has host bits set", *text),
              fmt::format("did you mean \"{}\"?",
                          net::Ipv4Prefix{{p->address.value & p->mask()}, p->length}.to_string()));
      ok = false;
    } else {
      prefixes.push_back(*p);
    }
  }
  if (!ok) return std::nullopt;
  return net::AddressAllowList(prefixes);
}

void read_allowed_clients(TomlReader& r, const toml::table& t, const std::string& prefix, ListenerConfig& l) {
  if (const toml::node* n = t.get("allowed_clients"))
    l.allowed_clients = read_prefix_list(r, *n, prefix + "allowed_clients");
}

}  // namespace tollgate::dataplane
