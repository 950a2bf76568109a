// Direct messages over the Matrix bridge (bridges/matrix/direct.hpp): which member events are a
// Matrix user's invitation of a puppet into a DM, and the room a puppet makes for one.

#include "bridges/matrix/direct.hpp"

#include <gtest/gtest.h>

namespace parley::bridges::matrix {
namespace {

using nlohmann::json;

bool parleyUser(std::string_view id) { return id.starts_with("@mm_") && id.ends_with(":hs.test"); }

json invite(json content, std::string sender = "@carol:hs.test",
            std::string target = "@mm_alice:hs.test") {
  return json{{"type", "m.room.member"}, {"room_id", "!dm:hs.test"}, {"sender", sender},
              {"state_key", target},     {"event_id", "$1"},         {"content", content}};
}

TEST(DirectInviteOf, AMatrixUserInvitingAPuppetWithIsDirect) {
  const auto found =
      directInviteOf(invite({{"membership", "invite"}, {"is_direct", true}}), parleyUser);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->roomId, "!dm:hs.test");
  EXPECT_EQ(found->inviter, "@carol:hs.test");
  EXPECT_EQ(found->invitee, "@mm_alice:hs.test");
}

TEST(DirectInviteOf, NotAnOrdinaryInvitationNorAnotherMembership) {
  EXPECT_FALSE(directInviteOf(invite({{"membership", "invite"}}), parleyUser));
  EXPECT_FALSE(
      directInviteOf(invite({{"membership", "invite"}, {"is_direct", false}}), parleyUser));
  EXPECT_FALSE(
      directInviteOf(invite({{"membership", "invite"}, {"is_direct", "true"}}), parleyUser));
  EXPECT_FALSE(directInviteOf(invite({{"membership", "join"}, {"is_direct", true}}), parleyUser));
  auto message = invite({{"membership", "invite"}, {"is_direct", true}});
  message["type"] = "m.room.message";
  EXPECT_FALSE(directInviteOf(message, parleyUser));
  EXPECT_FALSE(directInviteOf(json::array(), parleyUser));
  EXPECT_FALSE(directInviteOf(json{{"type", "m.room.member"}, {"content", "x"}}, parleyUser));
}

TEST(DirectInviteOf, OnlyOfParleysUsersByOthers) {
  const json direct{{"membership", "invite"}, {"is_direct", true}};
  // A Matrix user invited (Parley's own invitation coming back) or one puppet inviting another.
  EXPECT_FALSE(directInviteOf(invite(direct, "@mm_alice:hs.test", "@carol:hs.test"), parleyUser));
  EXPECT_FALSE(directInviteOf(invite(direct, "@mm_bob:hs.test", "@mm_alice:hs.test"), parleyUser));
  EXPECT_FALSE(directInviteOf(invite(direct, "@carol:hs.test", "@dave:hs.test"), parleyUser));
  EXPECT_FALSE(directInviteOf(invite(direct, "", "@mm_alice:hs.test"), parleyUser));
  auto noRoom = invite(direct);
  noRoom.erase("room_id");
  EXPECT_FALSE(directInviteOf(noRoom, parleyUser));
}

TEST(DirectRoomRequest, ATrustedPrivateDirectRoomInvitingTheMatrixUser) {
  EXPECT_EQ(directRoomRequest("@carol:hs.test"),
            json::parse(R"({"preset": "trusted_private_chat", "is_direct": true,
                            "invite": ["@carol:hs.test"]})"));
}

}  // namespace
}  // namespace parley::bridges::matrix
