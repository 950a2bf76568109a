#include "gateway/http/exchange.hpp"

#include "core/common/json_text.hpp"
#include "gateway/http/error.hpp"

namespace parley::gateway::http {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool percentDecode(std::string_view in, std::string& out, bool plusIsSpace) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int high = hexValue(in[i + 1]);
      const int low = hexValue(in[i + 2]);
      if (high < 0 || low < 0) return false;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plusIsSpace) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

QueryParams QueryParams::parse(std::string_view query) {
  QueryParams result;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string name;
    std::string value;
    // A parameter with a malformed escape is dropped rather than guessed at.
    if (!percentDecode(pair.substr(0, eq), name, true)) continue;
    if (eq != std::string_view::npos && !percentDecode(pair.substr(eq + 1), value, true)) continue;
    result.params_.emplace_back(std::move(name), std::move(value));
  }
  return result;
}

std::optional<std::string_view> QueryParams::get(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

bool QueryParams::isTrue(std::string_view name) const {
  const auto value = get(name);
  return value && *value == "true";
}

Request::Request(BeastRequest& raw, std::string requestId, std::string remoteAddress)
    : raw_(raw), requestId_(std::move(requestId)), remoteAddress_(std::move(remoteAddress)) {
  const std::string_view target(raw_.target().data(), raw_.target().size());
  const auto question = target.find('?');
  path_ = target.substr(0, question);
  if (question != std::string_view::npos) query_ = QueryParams::parse(target.substr(question + 1));
}

std::string_view Request::header(std::string_view name) const {
  const auto it = raw_.find(beast::string_view(name.data(), name.size()));
  if (it == raw_.end()) return {};
  return {it->value().data(), it->value().size()};
}

std::string_view Request::param(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name) return value;
  }
  return {};
}

Response Response::json(unsigned status, std::string body) {
  Response r;
  r.status_ = status;
  r.body_ = std::move(body);
  return r;
}

Response Response::json(unsigned status, const nlohmann::json& body) {
  return json(status, core::dumpJson(body));
}

Response Response::text(unsigned status, std::string body, std::string contentType) {
  Response r;
  r.status_ = status;
  r.body_ = std::move(body);
  r.contentType_ = std::move(contentType);
  return r;
}

Response Response::statusOk() { return json(200, std::string(R"({"status":"OK"})")); }

Response Response::error(core::Error error, std::optional<unsigned> status) {
  Response r;
  r.status_ = status.value_or(statusFor(error.code));
  r.error_ = std::move(error);
  return r;
}

}  // namespace parley::gateway::http
