#include "gateway/http/error.hpp"

#include <nlohmann/json.hpp>

#include "core/common/json_text.hpp"

namespace parley::gateway::http {

unsigned statusFor(core::ErrorCode code) {
  using core::ErrorCode;
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kTooLarge: return 413;
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kNotImplemented: return 501;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

std::string errorJson(const core::Error& error, unsigned status, std::string_view requestId,
                      bool showDetail) {
  nlohmann::json body = {
      {"id", error.id},
      {"message", error.message},
      {"detailed_error", showDetail ? error.detail : std::string()},
      {"request_id", requestId},
      {"status_code", status},
  };
  return core::dumpJson(body);
}

}  // namespace parley::gateway::http
