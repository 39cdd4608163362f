#pragma once
// A value or an error that says what went wrong, for calls whose failure a caller must handle.
// Thread safety: a plain value type.

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace polyport {

// What went wrong, in words a user can act on: it names the offending input
// (e.g. `invalid URL "echo://h:99999": port out of range`).
struct error {
  std::string message;
};

// Thrown by result::value() when the result holds an error.
class bad_result_access : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  result(polyport::error failure) : state_(std::in_place_index<1>, std::move(failure)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return checked(); }
  const T& value() const& { return const_cast<result*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &const_cast<result*>(this)->checked(); }
  T& operator*() { return checked(); }
  const T& operator*() const { return const_cast<result*>(this)->checked(); }

  // Only when !ok().
  const polyport::error& error() const { return std::get<1>(state_); }

 private:
  T& checked() {
    if (!ok()) {
      throw bad_result_access(std::get<1>(state_).message);
    }
    return std::get<0>(state_);
  }

  std::variant<T, polyport::error> state_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(polyport::error failure) : failure_(std::move(failure)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const polyport::error& error() const { return failure_; }

 private:
  polyport::error failure_;
  bool ok_ = true;
};

}  // namespace polyport
