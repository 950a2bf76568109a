#pragma once
// Expected failures travel as values (house style §4): bad input, remote errors, constraint
// violations. Exceptions are kept for start-up and broken invariants.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace parley::core {

// What went wrong, independent of any protocol. The gateway maps each code to an HTTP status,
// a bridge to its protocol's error.
enum class ErrorCode {
  kInvalidArgument,   // the caller sent something malformed or out of range
  kUnauthenticated,   // no or bad credentials
  kPermissionDenied,  // authenticated, but not allowed
  kNotFound,
  kConflict,  // a uniqueness or state constraint would be violated
  kTooLarge,  // over a configured size limit
  kRateLimited,
  kUnavailable,     // a dependency (database, peer) is down; retrying may help
  kNotImplemented,  // deliberately disabled (e.g. sign-up turned off)
  kInternal,        // a bug or an unexpected state
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  // Stable machine-readable id; on the Mattermost API this is the i18n key clients switch on,
  // e.g. "api.context.invalid_body_param.app_error".
  std::string id;
  // One sentence for a human.
  std::string message;
  // Details for operators (never secrets); shown to clients only in developer mode.
  std::string detail = {};
};

// Result<T>: either a T or an Error. A deliberately small subset of std::expected (C++23).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(state_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(state_));
  }

 private:
  std::variant<T, Error> state_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& {
    assert(!ok_);
    return error_;
  }
  Error&& error() && {
    assert(!ok_);
    return std::move(error_);
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Error makeError(ErrorCode code, std::string id, std::string message,
                       std::string detail = {}) {
  return Error{code, std::move(id), std::move(message), std::move(detail)};
}

}  // namespace parley::core
