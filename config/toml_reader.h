// Reading a TOML config with errors that name the file, line and key: the helpers every section reader
// of the dataplane config shares. Every problem is collected, not just the first.
#pragma once

#include <fmt/format.h>

#include <toml++/toml.h>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace tollgate::dataplane {

class TomlReader {
 public:
  TomlReader(std::string file, FileChecks files) : file_(std::move(file)), files_(files) {}

  void error(const toml::node* at, std::string key, std::string message, std::string hint = {}) {
    ConfigError e;
    e.file = file_;
    e.line = at ? at->source().begin.line : 0;
    e.key = std::move(key);
    e.message = std::move(message);
    e.hint = std::move(hint);
    errors_.push_back(std::move(e));
  }
  // A problem that does not make the config unusable (a certificate expiring soon): reported by `config
  // check` and logged on load, never a reason to refuse.
  void warning(const toml::node* at, std::string key, std::string message) {
    ConfigError w;
    w.file = file_;
    w.line = at ? at->source().begin.line : 0;
    w.key = std::move(key);
    w.message = std::move(message);
    warnings_.push_back(std::move(w));
  }

  const toml::table* table_at(const toml::table& parent, std::string_view name, const std::string& key) {
    const toml::node* n = parent.get(name);
    if (!n) return nullptr;
    if (!n->is_table()) {
      error(n, key, "must be a table", fmt::format("write it as [{}]", key));
      return nullptr;
    }
    return n->as_table();
  }

  // Unknown keys are errors: a misspelt key silently ignored is a misconfiguration found in production.
  void check_keys(const toml::table& t, const std::string& prefix,
                  std::initializer_list<std::string_view> known) {
    for (const auto& [k, v] : t) {
      bool ok = false;
      for (std::string_view name : known) ok = ok || k.str() == name;
      if (!ok) {
        std::string list;
        for (std::string_view name : known) list += (list.empty() ? "" : ", ") + std::string(name);
        error(&v, prefix + std::string(k.str()), "unknown key", "known keys here: " + list);
      }
    }
  }

  template <typename T>
  void read_uint(const toml::table& t, std::string_view name, const std::string& prefix, T& out, uint64_t min,
                 uint64_t max) {
    const toml::node* n = t.get(name);
    if (!n) return;
    const std::string key = prefix + std::string(name);
    const auto v = n->value<int64_t>();
    if (!n->is_integer() || !v) {
      error(n, key, "must be an integer");
      return;
    }
    if (*v < 0 || static_cast<uint64_t>(*v) < min || static_cast<uint64_t>(*v) > max) {
      error(n, key, fmt::format("{} is out of range", *v), fmt::format("allowed: {} to {}", min, max));
      return;
    }
    out = static_cast<T>(*v);
  }

  std::optional<std::string> read_string(const toml::table& t, std::string_view name, const std::string& key,
                                         bool required) {
    const toml::node* n = t.get(name);
    if (!n) {
      if (required) error(&t, key, "is required");
      return std::nullopt;
    }
    if (!n->is_string()) {
      error(n, key, "must be a string");
      return std::nullopt;
    }
    return n->value<std::string>();
  }

  void read_bool(const toml::table& t, std::string_view name, const std::string& prefix, bool& out) {
    const toml::node* n = t.get(name);
    if (!n) return;
    if (!n->is_boolean()) {
      error(n, prefix + std::string(name), "must be true or false");
      return;
    }
    out = *n->value<bool>();
  }

  const toml::array* array_of_tables(const toml::table& root, std::string_view name) {
    const toml::node* n = root.get(name);
    if (!n) return nullptr;
    const toml::array* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables()) {
      error(n, std::string(name), "must be an array of tables", fmt::format("write each as [[{}]]", name));
      return nullptr;
    }
    return arr;
  }

  // Relative paths are relative to the directory of the config file.
  std::string resolve(const std::string& path) const {
    if (path.empty() || path.front() == '/') return path;
    const size_t slash = file_.rfind('/');
    return slash == std::string::npos ? path : file_.substr(0, slash + 1) + path;
  }

  std::vector<ConfigError> take_errors() { return std::move(errors_); }
  FileChecks files() const { return files_; }
  bool has_errors() const { return !errors_.empty(); }

 protected:
  std::string file_;
  FileChecks files_;
  std::vector<ConfigError> errors_;
  std::vector<ConfigError> warnings_;
};

}  // namespace tollgate::dataplane
