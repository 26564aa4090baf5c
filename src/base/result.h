// Result<T> and Error: the one error currency of every layer (no exceptions across layers).
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace peapod {

// An error: an errno (0 when not a system error) and a message built from the failed
// call, the object it was applied to and the context chain added by callers.
class Error {
 public:
  Error() = default;
  explicit Error(std::string message, int code = 0) : message_(std::move(message)), code_(code) {}

  // Error::sys("mount", "/var/lib/x") -> "mount /var/lib/x: No such file or directory"
  static Error sys(std::string_view call, std::string_view object = {}, int err = errno);

  // Prepends context: err.wrap("rootfs setup") -> "rootfs setup: mount ...".
  Error wrap(std::string_view context) const&;
  Error wrap(std::string_view context) &&;

  int code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
  int code_ = 0;
};

// Holds either a value or an Error, shaped like C++23 std::expected.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace peapod

#define PEAPOD_CONCAT_INNER(a, b) a##b
#define PEAPOD_CONCAT(a, b) PEAPOD_CONCAT_INNER(a, b)

// Returns the error of a failed Result/Status from the enclosing function.
#define PEAPOD_TRY(expr)                                          \
  do {                                                            \
    auto&& peapod_try_r = (expr);                                 \
    if (!peapod_try_r.ok()) return std::move(peapod_try_r).error(); \
  } while (0)

// PEAPOD_ASSIGN_OR_RETURN(auto fd, openFile(p)); declares fd from a Result or returns its error.
#define PEAPOD_ASSIGN_OR_RETURN(decl, expr)                                   \
  auto PEAPOD_CONCAT(peapod_r_, __LINE__) = (expr);                           \
  if (!PEAPOD_CONCAT(peapod_r_, __LINE__).ok())                               \
    return std::move(PEAPOD_CONCAT(peapod_r_, __LINE__)).error();             \
  decl = std::move(PEAPOD_CONCAT(peapod_r_, __LINE__)).value()
