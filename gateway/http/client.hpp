#pragma once
// A small blocking HTTP/1.1 client for command-line tools (`parleyd verify`) and tests. Not for
// the server's own outbound traffic: bridges use one long-lived cpprestsdk client per peer.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/common/result.hpp"

namespace parley::gateway::http {

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http://host:port/path?query or https://...
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};
  bool verifyTls = true;  // false only for tests against a self-signed certificate
};

struct ClientResponse {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The first header of that name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

// One request on a fresh connection. Network failures and timeouts are errors (kUnavailable);
// any HTTP status, 5xx included, is a response.
core::Result<ClientResponse> fetch(const ClientRequest& request);

}  // namespace parley::gateway::http
