#include <gtest/gtest.h>

#include "core/events/pg_relay.hpp"

namespace parley::core::events {
namespace {

TEST(RelayCodec, AnEventSurvivesTheRoundTrip) {
  Event event;
  event.name = "typing";
  event.data = {{"parent_id", ""}, {"user_id", "u1"}};
  event.audience.channelId = "c1";
  event.audience.omitUsers = {"u1", "u2"};
  event.audience.omitConnectionId = "conn";
  const std::string text = encodeRelayedEvent(event, "node-a");
  const auto wire = nlohmann::json::parse(text);
  EXPECT_EQ(wire["origin"], "node-a");
  EXPECT_EQ(wire["broadcast"]["omit_users"], nlohmann::json({{"u1", true}, {"u2", true}}))
      << "Mattermost's map of omitted users";
  auto decoded = decodeRelayedEvent(text);
  ASSERT_TRUE(decoded.ok()) << decoded.error().detail;
  EXPECT_EQ(decoded->origin, "node-a");
  EXPECT_EQ(decoded->ref, 0);
  EXPECT_EQ(decoded->event.name, "typing");
  EXPECT_EQ(decoded->event.data, event.data);
  EXPECT_EQ(decoded->event.audience.channelId, "c1");
  EXPECT_EQ(decoded->event.audience.omitUsers, event.audience.omitUsers);
  EXPECT_EQ(decoded->event.audience.omitConnectionId, "conn");
  EXPECT_TRUE(decoded->event.audience.userId.empty());
}

TEST(RelayCodec, AReferenceNamesTheStoredRow) {
  auto decoded = decodeRelayedEvent(R"({"origin" : "node-b", "ref" : 42})");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->origin, "node-b");
  EXPECT_EQ(decoded->ref, 42);
}

TEST(RelayCodec, AnythingElseIsRefused) {
  for (const char* text :
       {"", "null", "[]", "not json", R"({"event":"posted","data":{},"broadcast":{}})",
        R"({"origin":"","event":"posted","data":{},"broadcast":{}})", R"({"origin":"a","ref":0})",
        R"({"origin":"a","ref":"7"})", R"({"origin":"a","ref":-1})",
        R"({"origin":"a","event":"","data":{},"broadcast":{}})",
        R"({"origin":"a","event":"posted","data":"{}","broadcast":{}})",
        R"({"origin":"a","event":"posted","data":{}})",
        R"({"origin":"a","event":"posted","data":{},"broadcast":{"user_id":5}})",
        R"({"origin":"a","event":"posted","data":{},"broadcast":{"omit_users":["u"]}})"}) {
    EXPECT_FALSE(decodeRelayedEvent(text).ok()) << text;
  }
}

}  // namespace
}  // namespace parley::core::events
