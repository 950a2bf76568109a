#pragma once
// The wire format of the Mattermost WebSocket API (reference/mattermost-api.md §8), as pure
// functions: client requests in, responses and events out, and the reconnect parameters.
//
// An event is sent to many connections with a different `seq` each, so it is serialised once
// as a shared prefix ending in `"seq":` and every connection appends its own number and `}`.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"
#include "core/events/event.hpp"

namespace parley::gateway::websocket {

// Bytes shared by every connection that sends them.
using SharedBytes = std::shared_ptr<const std::string>;

inline constexpr std::string_view kAuthenticationChallenge = "authentication_challenge";

// A client request: {"seq": n, "action": "...", "data": {...}}.
struct ClientRequest {
  std::int64_t seq = 0;
  std::string action;
  nlohmann::json data = nlohmann::json::object();
};

// The request in a text frame, or the error to answer it with: malformed JSON or a non-object
// is "api.web_socket_router.bad_json.app_error"; an empty action
// "api.web_socket_router.no_action.app_error"; seq <= 0 (or not an integer)
// "api.web_socket_router.bad_seq.app_error". `seq` is set in the result whenever the request
// had a usable one, so that even a refusal names the request it answers.
struct ParsedRequest {
  ClientRequest request;
  std::optional<core::Error> error;
};
ParsedRequest parseRequest(std::string_view text);

// {"status":"OK","seq_reply":n[,"data":...]}; data is left out when null.
std::string okResponse(std::int64_t seqReply, const nlohmann::json& data = nullptr);

// {"status":"FAIL","seq_reply":n,"error":{AppError}}; seq_reply is left out when 0, as
// Mattermost's omitempty does. The detail is never sent (Mattermost wipes it).
std::string failResponse(std::int64_t seqReply, const core::Error& error);

// `{"event":...,"data":...,"broadcast":{...},"seq":` for the event.
std::string eventPrefix(const core::events::Event& event);

// The full frame for a connection: prefix + seq + "}". The suffix fits in kMaxSuffix bytes.
inline constexpr std::size_t kMaxSuffix = 24;
std::size_t writeSeqSuffix(std::uint64_t seq, char (&out)[kMaxSuffix]);

// The hello event of a new connection (seq 0).
core::events::Event helloEvent(std::string_view serverVersion, std::string_view connectionId,
                               std::string_view serverHostname, std::string_view userId);

// What ?connection_id=&sequence_number= ask for. An empty or absent connection_id is a new
// connection. A connection_id that is not a valid id, or one without a non-negative integer
// sequence_number, is refused (Mattermost closes such a socket).
struct ResumeQuery {
  std::string connectionId;  // empty: new connection
  std::uint64_t sequenceNumber = 0;
};
core::Result<ResumeQuery> parseResumeQuery(std::optional<std::string_view> connectionId,
                                           std::optional<std::string_view> sequenceNumber);

// Whether a browser's Origin header may open a socket on this server: no Origin (native and
// mobile clients) is allowed; otherwise its host[:port] must be the request's Host or the host
// of the site URL, as Mattermost's same-origin check does.
bool originAllowed(std::string_view origin, std::string_view host, std::string_view siteUrl);

}  // namespace parley::gateway::websocket
