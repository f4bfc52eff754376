//===- Error.h - errors and values-or-errors for the runtime ----*- C++ -*-===//
//
// The runtime reports failures as values, as LLVM's Error and Expected do, but without
// LLVM: a training executable must not need an LLVM installation. An error is one message
// for the user, already naming the file and place ("model.sclm: error: ...").
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_SUPPORT_ERROR_H
#define SIMCLR_RUNTIME_SUPPORT_ERROR_H

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace mlir::simclr::runtime {

/// Success, or a failure with its message. Converts to true when it holds a failure.
class [[nodiscard]] Error {
public:
  static Error success() { return Error(); }
  explicit operator bool() const { return failed; }
  const std::string &message() const { return text; }

private:
  friend Error makeError(std::string message);
  Error() = default;
  bool failed = false;
  std::string text;
};

/// A failure with `message`.
inline Error makeError(std::string message) {
  Error error;
  error.failed = true;
  error.text = std::move(message);
  return error;
}

/// The message of `error` ("" for success).
inline std::string toString(const Error &error) { return error.message(); }

/// A value, or the failure that prevented it. Converts to true when it holds a value.
template <typename T> class [[nodiscard]] Expected {
public:
  Expected(Error error) : storage(std::in_place_index<1>, std::move(error)) {
    assert(std::get<1>(storage) && "an Expected made from a success holds no value");
  }
  template <typename U, typename = std::enable_if_t<std::is_convertible_v<U &&, T> &&
                                                    !std::is_same_v<std::decay_t<U>, Error>>>
  Expected(U &&value) : storage(std::in_place_index<0>, std::forward<U>(value)) {}

  explicit operator bool() const { return storage.index() == 0; }
  T &operator*() { return std::get<0>(storage); }
  const T &operator*() const { return std::get<0>(storage); }
  T *operator->() { return &std::get<0>(storage); }
  const T *operator->() const { return &std::get<0>(storage); }

  /// The failure (success when a value is held).
  Error takeError() const { return *this ? Error::success() : std::get<1>(storage); }
  /// The failure's message ("" when a value is held).
  std::string errorMessage() const { return *this ? "" : std::get<1>(storage).message(); }

private:
  std::variant<T, Error> storage;
};

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_SUPPORT_ERROR_H
