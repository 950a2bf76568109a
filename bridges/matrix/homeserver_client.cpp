#include "bridges/matrix/homeserver_client.hpp"

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <cpprest/uri.h>

#include "bridges/matrix/translate.hpp"

namespace parley::bridges::matrix {
namespace {

namespace http = web::http;

// Attempts of one call when the connection fails (a pool may hold several stale connections).
constexpr int kTransportAttempts = 3;

HsReply classify(unsigned status, std::string bytes, std::string contentType,
                 const std::string& what) {
  HsReply reply;
  reply.status = status;
  reply.contentType = std::move(contentType);
  reply.body = nlohmann::json::parse(bytes, nullptr, false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  if (status >= 200 && status < 300) {
    reply.kind = HsReply::Kind::kOk;
    reply.bytes = std::move(bytes);
    return reply;
  }
  if (reply.body.is_object()) {
    reply.errcode = reply.body.value("errcode", "");
    if (reply.body.contains("retry_after_ms") && reply.body["retry_after_ms"].is_number_integer()) {
      reply.retryAfter = std::chrono::milliseconds(
          std::clamp<std::int64_t>(reply.body["retry_after_ms"].get<std::int64_t>(), 0, 3600000));
    }
  }
  const std::string message =
      reply.body.is_object() && reply.body.contains("error") && reply.body["error"].is_string()
          ? reply.body["error"].get<std::string>().substr(0, 300)
          : std::string();
  reply.error = what + ": " + std::to_string(status) +
                (reply.errcode.empty() ? "" : " " + reply.errcode) +
                (message.empty() ? "" : " (" + message + ")");
  reply.kind = status == 429 || status >= 500 || status == 408 ? HsReply::Kind::kRetry
                                                               : HsReply::Kind::kRejected;
  return reply;
}

std::string describe(const std::string& method, const std::string& pathAndQuery) {
  // The path alone: a query may name a puppet, never a token (the token is a header).
  return method + " " + pathAndQuery.substr(0, pathAndQuery.find('?'));
}

}  // namespace

HomeserverClient::HomeserverClient(std::string baseUrl, std::string asToken,
                                   std::chrono::milliseconds timeout)
    : asToken_(std::move(asToken)) {
  http::client::http_client_config config;
  config.set_timeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout));
  client_ = std::make_unique<http::client::http_client>(baseUrl, config);
}

HomeserverClient::~HomeserverClient() = default;

std::string HomeserverClient::segment(const std::string& text) {
  return web::uri::encode_data_string(text);
}

HsReply HomeserverClient::call(const std::string& method, const std::string& path,
                               const Query& query, const std::optional<nlohmann::json>& body) {
  std::string target = path;
  char separator = '?';
  for (const auto& [name, value] : query) {
    target += separator + name + "=" + web::uri::encode_data_string(value);
    separator = '&';
  }
  const std::string text = body ? body->dump() : std::string();
  return send(method, target, "application/json", body ? &text : nullptr, false, 0);
}

HsReply HomeserverClient::upload(const std::string& userId, const std::string& fileName,
                                 const std::string& contentType, const std::string& bytes) {
  const std::string target =
      "/_matrix/media/v3/upload?filename=" + web::uri::encode_data_string(fileName) +
      "&user_id=" + web::uri::encode_data_string(userId);
  return send("POST", target, contentType.empty() ? "application/octet-stream" : contentType,
              &bytes, true, 0);
}

HsReply HomeserverClient::download(const std::string& mxc, std::uint64_t maxBytes) {
  const auto parsed = parseMxc(mxc);
  if (!parsed) {
    HsReply bad;
    bad.kind = HsReply::Kind::kRejected;
    bad.error = "not an mxc:// URI";
    return bad;
  }
  // The authenticated route, then the legacy one (parseMxc admits no character to encode).
  const auto paths = mediaDownloadPaths(*parsed);
  auto reply = send("GET", paths.front(), {}, nullptr, true, maxBytes);
  if (legacyMediaFallback(reply)) reply = send("GET", paths.back(), {}, nullptr, true, maxBytes);
  return reply;
}

bool HomeserverClient::legacyMediaFallback(const HsReply& v1Reply) {
  if (v1Reply.ok() || v1Reply.status == 0) return false;
  return v1Reply.status == 404 || v1Reply.status == 405 || v1Reply.errcode == "M_UNRECOGNIZED";
}

HsReply HomeserverClient::send(const std::string& method, const std::string& pathAndQuery,
                               const std::string& contentType, const std::string* body, bool binary,
                               std::uint64_t maxBytes) {
  // A pooled connection that the homeserver (or a proxy) closed while it sat idle fails the
  // next request made on it, which the homeserver never saw: that request is made again at
  // once, on another connection, instead of waiting for the outbox's backoff (bench/matrix:
  // the first send after 6 s of quiet took 0.3-1.4 s against a server closing idle connections
  // after 5 s). Every call of the AS may be repeated (a send or redaction carries its txnId; the
  // others are idempotent); a timeout is not, it would only double the wait.
  bool transportFailure = false;
  HsReply reply;
  for (int attempt = 0; attempt < kTransportAttempts; ++attempt) {
    reply = sendOnce(method, pathAndQuery, contentType, body, binary, maxBytes, transportFailure);
    if (!transportFailure) break;
  }
  return reply;
}

HsReply HomeserverClient::sendOnce(const std::string& method, const std::string& pathAndQuery,
                                   const std::string& contentType, const std::string* body,
                                   bool binary, std::uint64_t maxBytes, bool& transportFailure) {
  const std::string what = describe(method, pathAndQuery);
  transportFailure = false;
  try {
    http::http_request request{http::method(method)};
    request.set_request_uri(pathAndQuery);
    request.headers().add("Authorization", "Bearer " + asToken_);
    if (body != nullptr) {
      if (binary) {
        request.set_body(std::vector<unsigned char>(body->begin(), body->end()));
        request.headers().set_content_type(contentType);
      } else {
        request.set_body(*body, contentType);
      }
    }
    http::http_response response = client_->request(request).get();
    const auto tooLarge = [&](std::uint64_t announced) {
      HsReply big;
      big.kind = HsReply::Kind::kRejected;
      big.status = 413;
      big.announcedSize = announced;
      big.error = what + ": larger than " + std::to_string(maxBytes) + " bytes";
      return big;
    };
    const bool success = response.status_code() >= 200 && response.status_code() < 300;
    std::string bytes;
    if (maxBytes > 0 && success) {
      // A download: refused by its announced size before any of it is read, else read in
      // pieces and abandoned as soon as it grows past the limit (a server may send no length).
      const std::uint64_t announced = response.headers().content_length();
      if (announced > maxBytes) return tooLarge(announced);
      concurrency::streams::stringstreambuf buffer;
      auto stream = response.body();
      constexpr std::size_t kPiece = std::size_t{64} * 1024;
      // The buffer's collection grows by a whole piece before each read: the count read is
      // what it holds.
      std::uint64_t read = 0;
      for (std::size_t n = 0; (n = stream.read(buffer, kPiece).get()) > 0;) {
        read += n;
        if (read > maxBytes) return tooLarge(0);
      }
      bytes = std::move(buffer.collection());
      bytes.resize(read);
    } else {
      const auto data = response.extract_vector().get();
      bytes.assign(data.begin(), data.end());
    }
    std::string type;
    if (const auto found = response.headers().find("Content-Type");
        found != response.headers().end()) {
      type = found->second;
    }
    return classify(response.status_code(), std::move(bytes), std::move(type), what);
  } catch (const http::http_exception& error) {
    transportFailure = error.error_code() != std::errc::timed_out;
    HsReply failed;
    failed.kind = HsReply::Kind::kRetry;
    failed.error = what + ": " + error.what();
    return failed;
  } catch (const std::exception& error) {
    HsReply failed;
    failed.kind = HsReply::Kind::kRetry;
    failed.error = what + ": " + error.what();
    return failed;
  }
}

}  // namespace parley::bridges::matrix
