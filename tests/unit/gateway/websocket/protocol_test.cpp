#include "gateway/websocket/protocol.hpp"

#include <gtest/gtest.h>

namespace parley::gateway::websocket {
namespace {

using nlohmann::json;

TEST(WebsocketProtocol, ParsesAWellFormedRequest) {
  const auto parsed = parseRequest(R"({"seq":3,"action":"user_typing","data":{"channel_id":"c"}})");
  ASSERT_FALSE(parsed.error);
  EXPECT_EQ(parsed.request.seq, 3);
  EXPECT_EQ(parsed.request.action, "user_typing");
  EXPECT_EQ(parsed.request.data, json({{"channel_id", "c"}}));
}

TEST(WebsocketProtocol, RefusesBadEnvelopesWithMattermostsErrorIds) {
  struct Case {
    const char* text;
    const char* id;
    std::int64_t seq;
  };
  for (const auto& c : {
           Case{"not json", "api.web_socket_router.bad_json.app_error", 0},
           Case{"[1,2]", "api.web_socket_router.bad_json.app_error", 0},
           Case{R"({"seq":1})", "api.web_socket_router.no_action.app_error", 1},
           Case{R"({"seq":1,"action":""})", "api.web_socket_router.no_action.app_error", 1},
           Case{R"({"seq":0,"action":"ping"})", "api.web_socket_router.bad_seq.app_error", 0},
           Case{R"({"seq":-4,"action":"ping"})", "api.web_socket_router.bad_seq.app_error", -4},
           Case{R"({"seq":"1","action":"ping"})", "api.web_socket_router.bad_seq.app_error", 0},
           Case{R"({"seq":1.5,"action":"ping"})", "api.web_socket_router.bad_seq.app_error", 0},
       }) {
    const auto parsed = parseRequest(c.text);
    ASSERT_TRUE(parsed.error) << c.text;
    EXPECT_EQ(parsed.error->id, c.id) << c.text;
    EXPECT_EQ(parsed.request.seq, c.seq) << c.text;
  }
}

TEST(WebsocketProtocol, ResponsesHaveMattermostsShape) {
  EXPECT_EQ(json::parse(okResponse(7)), json({{"status", "OK"}, {"seq_reply", 7}}));
  EXPECT_EQ(json::parse(okResponse(7, {{"text", "pong"}})),
            json({{"status", "OK"}, {"seq_reply", 7}, {"data", {{"text", "pong"}}}}));
  const auto fail = json::parse(failResponse(
      2, core::makeError(core::ErrorCode::kNotImplemented,
                         "api.web_socket_router.bad_action.app_error", "Unknown.", "secret")));
  EXPECT_EQ(fail["status"], "FAIL");
  EXPECT_EQ(fail["seq_reply"], 2);
  EXPECT_EQ(fail["error"]["id"], "api.web_socket_router.bad_action.app_error");
  EXPECT_EQ(fail["error"]["status_code"], 501);
  EXPECT_EQ(fail["error"]["detailed_error"], "") << "details are never sent";
  // Without a usable seq there is nothing to reply to: no seq_reply key at all.
  const auto anonymous =
      json::parse(failResponse(0, core::makeError(core::ErrorCode::kInvalidArgument, "x", "y")));
  EXPECT_FALSE(anonymous.contains("seq_reply"));
}

TEST(WebsocketProtocol, AnEventIsOneSharedPrefixPlusThePerConnectionSeq) {
  core::events::Event event;
  event.name = "typing";
  event.data = {{"parent_id", ""}, {"user_id", "u1"}};
  event.audience.channelId = "c1";
  event.audience.omitUsers = {"u1"};
  const std::string prefix = eventPrefix(event);
  char suffix[kMaxSuffix];
  const std::size_t length = writeSeqSuffix(42, suffix);
  const auto frame = json::parse(prefix + std::string(suffix, length));
  EXPECT_EQ(frame["event"], "typing");
  EXPECT_EQ(frame["data"], event.data);
  EXPECT_EQ(frame["seq"], 42);
  EXPECT_EQ(frame["broadcast"], json({{"omit_users", {{"u1", true}}},
                                      {"user_id", ""},
                                      {"channel_id", "c1"},
                                      {"team_id", ""},
                                      {"connection_id", ""},
                                      {"omit_connection_id", ""}}));
  // Mattermost's field order, which some clients' parsers do not care about but logs do.
  EXPECT_EQ(prefix.find("{\"event\":\"typing\",\"data\":"), 0u);

  core::events::Event everyone;
  everyone.name = "new_user";
  const auto plain = json::parse(eventPrefix(everyone) + "0}");
  EXPECT_TRUE(plain["broadcast"]["omit_users"].is_null());
  EXPECT_EQ(writeSeqSuffix(18446744073709551615ull, suffix), 21u);
}

TEST(WebsocketProtocol, HelloNamesTheConnectionAndTheUser) {
  const auto hello = helloEvent("10.11.0.0.abc.false", "conn", "host", "user");
  EXPECT_EQ(hello.name, "hello");
  EXPECT_EQ(hello.data, json({{"server_version", "10.11.0.0.abc.false"},
                              {"connection_id", "conn"},
                              {"server_hostname", "host"}}));
  EXPECT_EQ(hello.audience.userId, "user");
}

TEST(WebsocketProtocol, ResumeParameters) {
  const std::string id = "abcdefghijklmnopqrstuvwxyz";
  auto fresh = parseResumeQuery(std::nullopt, std::nullopt);
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(fresh->connectionId.empty());
  // The webapp's first connection sends both, empty and 0.
  fresh = parseResumeQuery("", "0");
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(fresh->connectionId.empty());

  const auto resume = parseResumeQuery(id, "17");
  ASSERT_TRUE(resume);
  EXPECT_EQ(resume->connectionId, id);
  EXPECT_EQ(resume->sequenceNumber, 17u);

  EXPECT_FALSE(parseResumeQuery("short", "1"));
  EXPECT_FALSE(parseResumeQuery(id, std::nullopt));
  EXPECT_FALSE(parseResumeQuery(id, ""));
  EXPECT_FALSE(parseResumeQuery(id, "-1"));
  EXPECT_FALSE(parseResumeQuery(id, "1x"));
}

TEST(WebsocketProtocol, OriginCheck) {
  EXPECT_TRUE(originAllowed("", "chat.example:8065", "https://chat.example"));
  EXPECT_TRUE(originAllowed("http://chat.example:8065", "chat.example:8065", ""));
  EXPECT_TRUE(originAllowed("https://Chat.Example", "10.0.0.1:8065", "https://chat.example/"));
  EXPECT_FALSE(originAllowed("https://evil.example", "chat.example:8065", "https://chat.example"));
  EXPECT_FALSE(originAllowed("null", "chat.example", "https://chat.example"));
}

}  // namespace
}  // namespace parley::gateway::websocket
