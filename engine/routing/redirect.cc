#include "engine/routing/redirect.h"

#include <charconv>
#include <string_view>

#include "engine/routing/ascii.h"
#include "engine/routing/host.h"

namespace tollgate::routing {

namespace {

// Appends into a fixed buffer; after an overflow every append is a no-op and the result is 0.
class Writer {
 public:
  explicit Writer(std::span<char> out) : out_(out) {}

  void append(std::string_view s) {
    if (failed_ || s.size() > out_.size() - size_) {
      failed_ = true;
      return;
    }
    s.copy(out_.data() + size_, s.size());
    size_ += s.size();
  }
  void append_lower(std::string_view s) {
    const size_t start = size_;
    append(s);
    if (failed_) return;
    for (size_t i = start; i < size_; ++i) out_[i] = ascii_lower(out_[i]);
  }
  void append_number(unsigned n) {
    char digits[10];
    const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    append({digits, static_cast<size_t>(end - digits)});
  }
  // Expands the template's #{...} keywords from the request.
  void append_template(std::string_view text, const RequestView& request) {
    while (!text.empty()) {
      const size_t open = text.find("#{");
      const size_t close = open == std::string_view::npos ? open : text.find('}', open);
      if (close == std::string_view::npos) break;
      append(text.substr(0, open));
      append_keyword(text.substr(open, close + 1 - open), request);
      text.remove_prefix(close + 1);
    }
    append(text);
  }

  size_t size() const { return size_; }
  void truncate(size_t size) { size_ = failed_ ? size_ : size; }
  size_t result() const { return failed_ ? 0 : size_; }

 private:
  void append_keyword(std::string_view keyword, const RequestView& request) {
    if (keyword == "#{protocol}") {
      append_lower(request.protocol);
    } else if (keyword == "#{host}") {
      append(routing_host(request.host));
    } else if (keyword == "#{port}") {
      append_number(request.port);
    } else if (keyword == "#{path}") {
      append(request.path.starts_with('/') ? request.path.substr(1) : request.path);
    } else if (keyword == "#{query}") {
      append(request.query);
    } else {
      append(keyword);
    }
  }

  std::span<char> out_;
  size_t size_ = 0;
  bool failed_ = false;
};

unsigned redirect_port(const RedirectAction& redirect, const RequestView& request) {
  if (redirect.port == "#{port}") return request.port;
  unsigned port = 0;
  std::from_chars(redirect.port.data(), redirect.port.data() + redirect.port.size(), port);
  return port;
}

bool is_default_port(std::string_view protocol, unsigned port) {
  return port == 0 || (port == 80 && equals_caseless(protocol, "http")) ||
         (port == 443 && equals_caseless(protocol, "https"));
}

}  // namespace

size_t render_redirect(const RedirectAction& redirect, const RequestView& request, std::span<char> out) {
  const std::string_view protocol = redirect.protocol == "#{protocol}" ? request.protocol : redirect.protocol;
  const unsigned port = redirect_port(redirect, request);
  Writer w(out);
  w.append_lower(protocol);
  w.append("://");
  w.append_template(redirect.host, request);
  if (!is_default_port(protocol, port)) {
    w.append(":");
    w.append_number(port);
  }
  w.append_template(redirect.path, request);
  const size_t before_query = w.size();
  w.append("?");
  w.append_template(redirect.query, request);
  if (w.size() == before_query + 1) w.truncate(before_query);
  return w.result();
}

}  // namespace tollgate::routing
