#pragma once
// Maps (method, path) to a handler. Patterns are literal segments and `{name}` captures, e.g.
// "/api/v4/users/{user_id}/teams". Routes are registered at start-up; matching is read-only and
// safe from any thread. Each route owns its metrics, so recording a request is a few atomics.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/common/asio.hpp"
#include "core/metrics/registry.hpp"
#include "gateway/http/exchange.hpp"

namespace parley::gateway::http {

using Handler = std::function<asio::awaitable<Response>(Request&)>;

// A route's own request body limit, for the few routes that take more than the server-wide
// limits.max_body_bytes (file uploads, the Matrix AS transactions), with the error a larger
// body gets (413).
struct BodyLimit {
  std::uint64_t bytes = 0;
  core::Error tooLarge;
  // A route of another protocol answers in that protocol's form (the Matrix AS API:
  // {"errcode": "M_TOO_LARGE", ...}): this body instead of `tooLarge` in Mattermost's shape.
  std::string tooLargeBody;
  std::string tooLargeContentType = "application/json";
};

// Per-route request counters by status class and a latency histogram.
class RouteMetrics {
 public:
  RouteMetrics(core::metrics::Registry& registry, const std::string& method,
               const std::string& route);
  void record(unsigned status, double seconds);

 private:
  core::metrics::Counter* byClass_[5];  // 1xx..5xx
  core::metrics::Histogram* latency_;
};

struct Route {
  http_proto::verb method;
  std::string pattern;
  Handler handler;
  std::unique_ptr<RouteMetrics> metrics;
  std::optional<BodyLimit> bodyLimit;
};

class Router {
 public:
  explicit Router(core::metrics::Registry& registry);

  // Registers a route. Registering the same method and pattern twice is a programming error.
  void add(http_proto::verb method, std::string pattern, Handler handler);
  // Registers a route with its own body limit. The server looks the limit up before the body
  // is read: a literal pattern with one hash lookup; a pattern with captures only for paths
  // whose segments fit one of the few such patterns, which then are matched in full.
  void add(http_proto::verb method, std::string pattern, Handler handler, BodyLimit bodyLimit);

  // The body limit of the route (method, path) reaches (as match() finds it), if it has its
  // own; null otherwise.
  const BodyLimit* bodyLimit(http_proto::verb method, std::string_view path) const;
  // The largest body any route accepts beyond the server-wide limit (0 when none does).
  std::uint64_t largestBodyLimit() const { return largestBodyLimit_; }

  struct Match {
    const Route* route = nullptr;
    std::vector<std::pair<std::string_view, std::string>> params;
    // No route for this method, but the path exists with other methods (→ 405 + Allow).
    std::vector<http_proto::verb> allowed;
  };
  // HEAD falls back to the GET route; the server drops the body.
  Match match(http_proto::verb method, std::string_view path) const;

  // Metrics for requests that matched no route (unknown paths, malformed requests).
  RouteMetrics& unmatchedMetrics() const { return *unmatched_; }

 private:
  struct Segment {
    std::string text;
    bool capture;
  };
  struct PatternRoute {
    std::vector<Segment> segments;
    Route route;
  };
  bool matchPattern(const PatternRoute& candidate, const std::vector<std::string_view>& parts,
                    Match& match) const;
  // The literal segments and the number of segments fit (captures not decoded).
  static bool fitsPattern(const PatternRoute& candidate,
                          const std::vector<std::string_view>& parts);

  core::metrics::Registry& registry_;
  // Heterogeneous lookup: find() by string_view without building a std::string per request.
  struct PathHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view path) const {
      return std::hash<std::string_view>{}(path);
    }
  };
  // Routes without captures, keyed by path: the common case, one hash lookup.
  std::unordered_map<std::string, std::vector<std::unique_ptr<Route>>, PathHash, std::equal_to<>>
      literal_;
  std::vector<std::unique_ptr<PatternRoute>> patterns_;
  std::vector<const PatternRoute*> limitedPatterns_;  // pattern routes with their own limit
  std::unique_ptr<RouteMetrics> unmatched_;
  std::uint64_t largestBodyLimit_ = 0;
};

}  // namespace parley::gateway::http
