// The outcome of a fallible construction or operation: a value or an error message. Construction that can
// fail (compiling rules, allocating scanner scratch) returns one of these instead of throwing, so callers
// on the control path see every failure at the call site and the fast path never unwinds.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace tollgate {

// Why something failed, worded for an operator: it names the offending input.
struct Error {
  std::string message;
};

// Value of a Result<Ok>: success carries nothing.
struct Ok {};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Only when ok().
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Only when !ok().
  const std::string& error() const { return std::get<1>(state_).message; }

 private:
  std::variant<T, Error> state_;
};

using Status = Result<Ok>;

}  // namespace tollgate
