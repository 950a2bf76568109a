#include "gateway/http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace parley::gateway::http {
namespace {

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) parts.push_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string methodName(http_proto::verb method) {
  const auto text = http_proto::to_string(method);
  return {text.data(), text.size()};
}

}  // namespace

RouteMetrics::RouteMetrics(core::metrics::Registry& registry, const std::string& method,
                           const std::string& route) {
  static constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (int i = 0; i < 5; ++i) {
    byClass_[i] = &registry.counter("parley_http_requests_total",
                                    "HTTP requests served, by route and status class.",
                                    {{"method", method}, {"route", route}, {"code", kClasses[i]}});
  }
  latency_ =
      &registry.histogram("parley_http_request_duration_seconds",
                          "Time from a request's last byte read to its response queued.",
                          {{"method", method}, {"route", route}}, core::metrics::latencyBuckets());
}

void RouteMetrics::record(unsigned status, double seconds) {
  const unsigned index = std::clamp(status / 100, 1u, 5u) - 1;
  byClass_[index]->increment();
  latency_->observe(seconds);
}

Router::Router(core::metrics::Registry& registry)
    : registry_(registry),
      unmatched_(std::make_unique<RouteMetrics>(registry, "any", "unmatched")) {}

void Router::add(http_proto::verb method, std::string pattern, Handler handler) {
  auto metrics = std::make_unique<RouteMetrics>(registry_, methodName(method), pattern);
  Route route{method, pattern, std::move(handler), std::move(metrics), std::nullopt};
  const auto parts = splitPath(pattern);
  const bool hasCapture = std::any_of(parts.begin(), parts.end(),
                                      [](std::string_view p) { return p.starts_with('{'); });
  if (!hasCapture) {
    auto& routes = literal_[pattern];
    for (const auto& existing : routes) {
      if (existing->method == method) throw std::logic_error("route registered twice: " + pattern);
    }
    routes.push_back(std::make_unique<Route>(std::move(route)));
    return;
  }
  auto candidate = std::make_unique<PatternRoute>();
  for (const auto part : parts) {
    const bool capture = part.size() > 2 && part.front() == '{' && part.back() == '}';
    candidate->segments.push_back(
        {std::string(capture ? part.substr(1, part.size() - 2) : part), capture});
  }
  candidate->route = std::move(route);
  patterns_.push_back(std::move(candidate));
}

void Router::add(http_proto::verb method, std::string pattern, Handler handler,
                 BodyLimit bodyLimit) {
  largestBodyLimit_ = std::max(largestBodyLimit_, bodyLimit.bytes);
  const std::string key = pattern;
  const std::size_t patternCount = patterns_.size();
  add(method, std::move(pattern), std::move(handler));
  if (patterns_.size() > patternCount) {
    patterns_.back()->route.bodyLimit = std::move(bodyLimit);
    limitedPatterns_.push_back(patterns_.back().get());
    return;
  }
  for (auto& route : literal_[key]) {
    if (route->method == method) route->bodyLimit = std::move(bodyLimit);
  }
}

const BodyLimit* Router::bodyLimit(http_proto::verb method, std::string_view path) const {
  if (largestBodyLimit_ == 0) return nullptr;
  if (const auto it = literal_.find(path); it != literal_.end()) {
    for (const auto& route : it->second) {
      // The literal route of this method is the one match() gives.
      if (route->method == method) return route->bodyLimit ? &*route->bodyLimit : nullptr;
    }
  }
  if (limitedPatterns_.empty()) return nullptr;
  const auto parts = splitPath(path);
  const bool fits = std::any_of(
      limitedPatterns_.begin(), limitedPatterns_.end(), [&](const PatternRoute* limited) {
        return limited->route.method == method && fitsPattern(*limited, parts);
      });
  if (!fits) return nullptr;
  // The route that serves the path (another route may come first), as match() finds it.
  const Match found = match(method, path);
  return found.route && found.route->bodyLimit ? &*found.route->bodyLimit : nullptr;
}

bool Router::fitsPattern(const PatternRoute& candidate,
                         const std::vector<std::string_view>& parts) {
  if (candidate.segments.size() != parts.size()) return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (!candidate.segments[i].capture && candidate.segments[i].text != parts[i]) return false;
  }
  return true;
}

bool Router::matchPattern(const PatternRoute& candidate, const std::vector<std::string_view>& parts,
                          Match& match) const {
  if (candidate.segments.size() != parts.size()) return false;
  std::vector<std::pair<std::string_view, std::string>> params;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& segment = candidate.segments[i];
    if (segment.capture) {
      std::string value;
      if (!percentDecode(parts[i], value, false)) return false;
      params.emplace_back(segment.text, std::move(value));
    } else if (segment.text != parts[i]) {
      return false;
    }
  }
  match.params = std::move(params);
  return true;
}

Router::Match Router::match(http_proto::verb method, std::string_view path) const {
  Match match;
  const auto wanted = [method](http_proto::verb routeMethod) {
    return routeMethod == method ||
           (method == http_proto::verb::head && routeMethod == http_proto::verb::get);
  };

  // Literal routes first; among them an exact method beats HEAD's fallback to GET.
  if (const auto it = literal_.find(path); it != literal_.end()) {
    const Route* fallback = nullptr;
    for (const auto& route : it->second) {
      if (route->method == method) {
        match.route = route.get();
        return match;
      }
      if (wanted(route->method)) fallback = route.get();
      match.allowed.push_back(route->method);
    }
    if (fallback) {
      match.route = fallback;
      match.allowed.clear();
      return match;
    }
  }

  const auto parts = splitPath(path);
  for (const auto& candidate : patterns_) {
    Match attempt;
    if (!matchPattern(*candidate, parts, attempt)) continue;
    if (wanted(candidate->route.method)) {
      attempt.route = &candidate->route;
      return attempt;
    }
    match.allowed.push_back(candidate->route.method);
  }
  return match;
}

}  // namespace parley::gateway::http
