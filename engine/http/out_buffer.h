// Appends to a caller's fixed buffer and remembers overflow, so a writer composes a head with plain
// appends and checks once at the end: all or nothing, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace tollgate::http {

class OutBuffer {
 public:
  explicit OutBuffer(std::span<uint8_t> out) : out_(out) {}

  OutBuffer& put(std::string_view s) {
    if (overflow_ || s.size() > out_.size() - len_) {
      overflow_ = true;
      return *this;
    }
    if (!s.empty()) std::memcpy(out_.data() + len_, s.data(), s.size());
    len_ += s.size();
    return *this;
  }
  OutBuffer& put_uint(uint64_t v) {
    char digits[20];
    size_t n = 0;
    do {
      digits[sizeof(digits) - ++n] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    return put({digits + sizeof(digits) - n, n});
  }
  // "name: value\r\n"
  OutBuffer& field(std::string_view name, std::string_view value) {
    return put(name).put(": ").put(value).put("\r\n");
  }

  // Bytes written, or 0 if they did not all fit.
  size_t finish() const { return overflow_ ? 0 : len_; }

 private:
  std::span<uint8_t> out_;
  size_t len_ = 0;
  bool overflow_ = false;
};

}  // namespace tollgate::http
