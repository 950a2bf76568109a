#pragma once
// Parley -> homeserver (matrix-appservice.md §3.3): the Client-Server API with the as_token,
// masquerading as puppets with ?user_id=. One long-lived cpprestsdk http_client per homeserver
// (its connection pool is reused by every call). Calls block the calling thread (the bridge's
// own worker pool) for at most the configured timeout.
//
// Outcomes are classified for the outbox: 2xx ok; 429 M_LIMIT_EXCEEDED -> retry after
// retry_after_ms; 5xx and network failures -> retry; any other 4xx -> rejected. The as_token is
// never part of an error text.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace web::http::client {
class http_client;
}

namespace parley::bridges::matrix {

struct HsReply {
  enum class Kind { kOk, kRetry, kRejected } kind = Kind::kRetry;
  unsigned status = 0;  // 0: no HTTP answer (network, timeout)
  nlohmann::json body;  // the JSON answer (null when it was not JSON)
  std::string bytes;    // a download's content
  std::string contentType;
  std::string errcode;  // Matrix errcode of an error answer
  std::chrono::milliseconds retryAfter{0};
  std::string error;  // for logs and outbox.last_error: what failed, no secret
  // A download refused for its size (status 413): the size the server announced, 0 = unknown.
  std::uint64_t announcedSize = 0;

  bool ok() const { return kind == Kind::kOk; }
};

using Query = std::vector<std::pair<std::string, std::string>>;

class HomeserverClient {
 public:
  HomeserverClient(std::string baseUrl, std::string asToken, std::chrono::milliseconds timeout);
  ~HomeserverClient();

  // `path` segments already encoded (see segment()); query values are encoded here.
  HsReply call(const std::string& method, const std::string& path, const Query& query = {},
               const std::optional<nlohmann::json>& body = std::nullopt);
  // Raw bytes (media upload).
  HsReply upload(const std::string& userId, const std::string& fileName,
                 const std::string& contentType, const std::string& bytes);
  // mxc://server/id: the authenticated v1 route first, then the legacy v3 one when
  // legacyMediaFallback() says so. At most maxBytes are read (more: status 413, kRejected).
  HsReply download(const std::string& mxc, std::uint64_t maxBytes);

  // Whether the answer of an authenticated media route (/_matrix/client/v1/media/...) says the
  // server does not have it, so that the legacy /_matrix/media/v3/... route is the one to use:
  // 404 or 405 (the spec's answer to an unknown endpoint, M_UNRECOGNIZED) or M_UNRECOGNIZED
  // with another status (older Synapse: 400). Servers before Matrix 1.11 have only v3.
  static bool legacyMediaFallback(const HsReply& v1Reply);

  // A path segment, percent-encoded (room ids, aliases, user ids, event ids).
  static std::string segment(const std::string& text);

 private:
  HsReply send(const std::string& method, const std::string& pathAndQuery,
               const std::string& contentType, const std::string* body, bool binary,
               std::uint64_t maxBytes);
  // One attempt; `transportFailure`: no answer, for a reason other than the timeout.
  HsReply sendOnce(const std::string& method, const std::string& pathAndQuery,
                   const std::string& contentType, const std::string* body, bool binary,
                   std::uint64_t maxBytes, bool& transportFailure);

  std::string asToken_;
  std::unique_ptr<web::http::client::http_client> client_;
};

}  // namespace parley::bridges::matrix
