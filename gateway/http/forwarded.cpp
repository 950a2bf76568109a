#include "gateway/http/forwarded.hpp"

namespace parley::gateway::http {
namespace {

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  text = text.substr(first, last - first + 1);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  return text;
}

}  // namespace

std::string clientAddress(std::string_view peer, std::string_view forwardedFor,
                          const std::vector<core::Network>& trustedProxies) {
  if (trustedProxies.empty() || !core::anyContains(trustedProxies, peer)) return std::string(peer);
  std::string_view client = peer;
  std::string_view rest = forwardedFor;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    const std::string_view entry =
        trimmed(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (entry.empty()) continue;
    client = entry;
    if (!core::anyContains(trustedProxies, entry)) break;
  }
  return std::string(client);
}

std::string clientAddress(const Request& request,
                          const std::vector<core::Network>& trustedProxies) {
  std::string forwardedFor;
  const auto [first, last] = request.raw().equal_range("X-Forwarded-For");
  for (auto it = first; it != last; ++it) {
    if (!forwardedFor.empty()) forwardedFor += ',';
    forwardedFor.append(it->value().data(), it->value().size());
  }
  return clientAddress(request.remoteAddress(), forwardedFor, trustedProxies);
}

}  // namespace parley::gateway::http
