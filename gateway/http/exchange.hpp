#pragma once
// What a route handler sees (a Request) and gives back (a Response). Handlers never touch
// sockets: the server reads, limits, routes, and writes; it also adds the headers every
// Mattermost reply carries and turns errors into Mattermost's error JSON.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"
#include "gateway/http/beast.hpp"

namespace parley::gateway::http {

using BeastRequest = http_proto::request<http_proto::string_body>;

// Decoded query-string parameters in the order they appeared.
class QueryParams {
 public:
  QueryParams() = default;
  // Parses the part of a request target after '?'; percent-escapes and '+' are decoded.
  static QueryParams parse(std::string_view query);

  // The first value of `name`, if present.
  std::optional<std::string_view> get(std::string_view name) const;
  // True when `name` is present with the value "true" (Mattermost's boolean query convention).
  bool isTrue(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

// Percent-decoding; false on a malformed escape.
bool percentDecode(std::string_view in, std::string& out, bool plusIsSpace);

class Request {
 public:
  Request(BeastRequest& raw, std::string requestId, std::string remoteAddress);

  const BeastRequest& raw() const { return raw_; }
  http_proto::verb method() const { return raw_.method(); }
  std::string_view path() const { return path_; }
  const QueryParams& query() const { return query_; }
  std::string_view header(std::string_view name) const;
  const std::string& body() const { return raw_.body(); }
  const std::string& requestId() const { return requestId_; }
  const std::string& remoteAddress() const { return remoteAddress_; }

  // Path parameters captured by the route pattern, e.g. "user_id" in /users/{user_id}.
  std::string_view param(std::string_view name) const;
  const std::vector<std::pair<std::string_view, std::string>>& paramList() const { return params_; }
  void setParams(std::vector<std::pair<std::string_view, std::string>> params) {
    params_ = std::move(params);
  }

 private:
  BeastRequest& raw_;
  std::string requestId_;
  std::string remoteAddress_;
  std::string_view path_;
  QueryParams query_;
  std::vector<std::pair<std::string_view, std::string>> params_;
};

class Response {
 public:
  static Response json(unsigned status, std::string body);
  static Response json(unsigned status, const nlohmann::json& body);
  static Response text(unsigned status, std::string body,
                       std::string contentType = "text/plain; charset=utf-8");
  // Mattermost's StatusOK body: {"status":"OK"}.
  static Response statusOk();
  // An error in Mattermost's shape; the status defaults to the one the error code maps to.
  static Response error(core::Error error, std::optional<unsigned> status = std::nullopt);

  Response& header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  unsigned status() const { return status_; }
  const std::string& body() const { return body_; }
  std::string takeBody() { return std::move(body_); }
  const std::string& contentType() const { return contentType_; }
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }
  // Set for error responses: the server serialises it with the request id.
  const std::optional<core::Error>& error() const { return error_; }

 private:
  unsigned status_ = 200;
  std::string body_;
  std::string contentType_ = "application/json";
  std::vector<std::pair<std::string, std::string>> headers_;
  std::optional<core::Error> error_;
};

}  // namespace parley::gateway::http
