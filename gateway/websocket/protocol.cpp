#include "gateway/websocket/protocol.hpp"

#include <boost/algorithm/string/predicate.hpp>

#include <charconv>

#include "core/common/json_text.hpp"
#include "core/model/id.hpp"
#include "gateway/http/error.hpp"

namespace parley::gateway::websocket {
namespace {

using nlohmann::json;

core::Error routerError(core::ErrorCode code, std::string_view what, std::string message) {
  return core::makeError(code, "api.web_socket_router." + std::string(what) + ".app_error",
                         std::move(message));
}

// Appends `"key":"value"` (JSON-escaped) and a comma unless it is the last field.
void appendField(std::string& out, std::string_view key, const json& value, bool last = false) {
  out += '"';
  out += key;
  out += "\":";
  out += core::dumpJson(value);
  if (!last) out += ',';
}

// "scheme://host[:port]/..." -> "host[:port]", lower-cased; empty when it has no "://".
std::string authorityOf(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  std::string out(url);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

ParsedRequest parseRequest(std::string_view text) {
  ParsedRequest parsed;
  json body = json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    parsed.error = routerError(core::ErrorCode::kInvalidArgument, "bad_json",
                               "Invalid JSON in WebSocket message.");
    return parsed;
  }
  if (const auto seq = body.find("seq"); seq != body.end() && seq->is_number_integer()) {
    parsed.request.seq = seq->get<std::int64_t>();
  }
  if (const auto action = body.find("action"); action != body.end() && action->is_string()) {
    parsed.request.action = action->get<std::string>();
  }
  if (const auto data = body.find("data"); data != body.end() && data->is_object()) {
    parsed.request.data = std::move(*data);
  }
  if (parsed.request.action.empty()) {
    parsed.error =
        routerError(core::ErrorCode::kInvalidArgument, "no_action", "No WebSocket action.");
  } else if (parsed.request.seq <= 0) {
    parsed.error = routerError(core::ErrorCode::kInvalidArgument, "bad_seq",
                               "Invalid sequence for WebSocket message.");
  }
  return parsed;
}

std::string okResponse(std::int64_t seqReply, const json& data) {
  json body = {{"status", "OK"}, {"seq_reply", seqReply}};
  if (!data.is_null()) body["data"] = data;
  return core::dumpJson(body);
}

std::string failResponse(std::int64_t seqReply, const core::Error& error) {
  json body = {{"status", "FAIL"}};
  if (seqReply != 0) body["seq_reply"] = seqReply;
  body["error"] = json::parse(http::errorJson(error, http::statusFor(error.code), "", false));
  return core::dumpJson(body);
}

std::string eventPrefix(const core::events::Event& event) {
  const auto& audience = event.audience;
  json omitUsers = nullptr;
  if (!audience.omitUsers.empty()) {
    omitUsers = json::object();
    for (const auto& user : audience.omitUsers) omitUsers[user] = true;
  }
  std::string out = "{";
  appendField(out, "event", event.name);
  appendField(out, "data", event.data);
  out += "\"broadcast\":{";
  appendField(out, "omit_users", omitUsers);
  appendField(out, "user_id", audience.userId);
  appendField(out, "channel_id", audience.channelId);
  appendField(out, "team_id", audience.teamId);
  appendField(out, "connection_id", "");
  appendField(out, "omit_connection_id", audience.omitConnectionId, true);
  out += "},\"seq\":";
  return out;
}

std::size_t writeSeqSuffix(std::uint64_t seq, char (&out)[kMaxSuffix]) {
  const auto [end, ec] = std::to_chars(out, out + kMaxSuffix - 1, seq);
  *end = '}';
  return static_cast<std::size_t>(end - out) + 1;
}

core::events::Event helloEvent(std::string_view serverVersion, std::string_view connectionId,
                               std::string_view serverHostname, std::string_view userId) {
  core::events::Event hello;
  hello.name = "hello";
  hello.data = {{"server_version", serverVersion},
                {"connection_id", connectionId},
                {"server_hostname", serverHostname}};
  hello.audience.userId = std::string(userId);
  return hello;
}

core::Result<ResumeQuery> parseResumeQuery(std::optional<std::string_view> connectionId,
                                           std::optional<std::string_view> sequenceNumber) {
  ResumeQuery query;
  if (!connectionId || connectionId->empty()) return query;
  const auto invalid = [](std::string detail) {
    return core::makeError(core::ErrorCode::kInvalidArgument,
                           "api.web_socket.connect.invalid_param.app_error",
                           "Invalid connection_id or sequence_number.", std::move(detail));
  };
  if (!core::model::isValidId(*connectionId)) return invalid("connection_id is not a valid id");
  if (!sequenceNumber || sequenceNumber->empty()) {
    return invalid("sequence_number is required with connection_id");
  }
  const char* first = sequenceNumber->data();
  const char* last = first + sequenceNumber->size();
  const auto [end, ec] = std::from_chars(first, last, query.sequenceNumber);
  if (ec != std::errc() || end != last) {
    return invalid("sequence_number is not a non-negative integer");
  }
  query.connectionId = std::string(*connectionId);
  return query;
}

bool originAllowed(std::string_view origin, std::string_view host, std::string_view siteUrl) {
  if (origin.empty()) return true;
  const std::string authority = authorityOf(origin);
  if (authority.empty()) return false;
  return boost::algorithm::iequals(authority, host) || authority == authorityOf(siteUrl);
}

}  // namespace parley::gateway::websocket
