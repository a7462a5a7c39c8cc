#pragma once
/// Ember's exception type (with vmap's internal NoBatchingRule) and the kinds that map onto
/// Python's exceptions.
#include <exception>
#include <string>

namespace ember {

/// Which Python exception a binding raises for an Error (PyTorch's choice for the same mistake).
enum class ErrorKind { Runtime, Index, Type, Value, NotImplemented };

/// Thrown for every user error; the message names the op and the shapes involved.
class Error : public std::exception {
 public:
  explicit Error(std::string message, ErrorKind kind = ErrorKind::Runtime)
      : message_(std::move(message)), kind_(kind) {}
  /// The full message, e.g. "mm: shapes [2, 3] and [4, 5] cannot be multiplied".
  const char* what() const noexcept override { return message_.c_str(); }
  /// The category of the mistake.
  ErrorKind kind() const noexcept { return kind_; }

 private:
  std::string message_;
  ErrorKind kind_;
};

/// Raised when a kernel without a batching rule meets a tensor that vmap batched. vmap catches
/// it and maps the function by running it once per entry instead (Note [Batched tensors]).
class NoBatchingRule : public Error {
 public:
  using Error::Error;
};

}  // namespace ember
