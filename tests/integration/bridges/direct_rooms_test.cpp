// The rooms of direct messages (direct_rooms, 0010) in the bridge store, against a real
// PostgreSQL: a DM keeps its room across restarts (a row per room, never taken over by another
// pair), the newest room of a pair is the one written to, a room one of the pair left is
// forgotten, and a deleted user takes their rooms along.

#include <gtest/gtest.h>

#include "core/store/bridge_store.hpp"
#include "core/store/store.hpp"
#include "tests/integration/bridges/bridge_fixture.hpp"

namespace parley::testing {
namespace {

using core::store::DirectRoom;

constexpr const char* kCarol = "@carol:hs.test";
constexpr const char* kDave = "@dave:hs.test";

class DirectRoomsTest : public BridgeTest {
 protected:
  void put(const DirectRoom& room) {
    auto written = runSync(*database_, [&](core::store::Store& s) {
      return s.bridges().putDirectRoom("matrix", room);
    });
    ASSERT_TRUE(written.ok()) << written.error().detail;
  }
  std::optional<DirectRoom> ofPair(const char* localUserId, const char* remoteId,
                                   const char* bridge = "matrix") {
    auto found = runSync(*database_, [&](core::store::Store& s) {
      return s.bridges().directRoomOfPair(bridge, localUserId, remoteId);
    });
    EXPECT_TRUE(found.ok());
    return found.ok() ? *found : std::nullopt;
  }
  std::optional<DirectRoom> byId(const char* roomId) {
    auto found = runSync(*database_, [&](core::store::Store& s) {
      return s.bridges().directRoomById("matrix", roomId);
    });
    EXPECT_TRUE(found.ok());
    return found.ok() ? *found : std::nullopt;
  }
};

TEST_F(DirectRoomsTest, ARoomIsReadBackByIdAndByPairWithTheLocalUsername) {
  put({"!one:hs.test", kAlice, "", kCarol, 100});
  const auto room = byId("!one:hs.test");
  ASSERT_TRUE(room);
  EXPECT_EQ(room->localUserId, kAlice);
  EXPECT_EQ(room->localUsername, "alice");
  EXPECT_EQ(room->remoteId, kCarol);
  EXPECT_EQ(room->createAt, 100);
  ASSERT_TRUE(ofPair(kAlice, kCarol));
  EXPECT_EQ(ofPair(kAlice, kCarol)->roomId, "!one:hs.test");
  EXPECT_FALSE(ofPair(kAlice, kDave)) << "another Matrix user has no room with alice";
  EXPECT_FALSE(ofPair(kBob, kCarol)) << "another local user has no room with carol";
  EXPECT_FALSE(ofPair(kAlice, kCarol, "other")) << "rooms are per bridge";
  EXPECT_FALSE(byId("!unknown:hs.test"));
}

TEST_F(DirectRoomsTest, ARoomAlreadyKeptIsNotTakenOverByAnotherPair) {
  put({"!one:hs.test", kAlice, "", kCarol, 100});
  put({"!one:hs.test", kBob, "", kDave, 200});  // a second invitation into the same room
  const auto room = byId("!one:hs.test");
  ASSERT_TRUE(room);
  EXPECT_EQ(room->localUserId, kAlice);
  EXPECT_EQ(room->remoteId, kCarol);
  EXPECT_EQ(room->createAt, 100);
  EXPECT_FALSE(ofPair(kBob, kDave));
}

TEST_F(DirectRoomsTest, TheNewestRoomOfAPairIsWrittenToAndALeftRoomIsForgotten) {
  put({"!old:hs.test", kAlice, "", kCarol, 100});
  put({"!new:hs.test", kAlice, "", kCarol, 200});
  ASSERT_TRUE(ofPair(kAlice, kCarol));
  EXPECT_EQ(ofPair(kAlice, kCarol)->roomId, "!new:hs.test");
  EXPECT_TRUE(byId("!old:hs.test")) << "the older room still carries the pair's messages in";

  auto forgotten = runSync(*database_, [](core::store::Store& s) {
    return s.bridges().deleteDirectRoom("matrix", "!new:hs.test");
  });
  ASSERT_TRUE(forgotten.ok()) << forgotten.error().detail;
  EXPECT_FALSE(byId("!new:hs.test"));
  ASSERT_TRUE(ofPair(kAlice, kCarol));
  EXPECT_EQ(ofPair(kAlice, kCarol)->roomId, "!old:hs.test");
}

TEST_F(DirectRoomsTest, ADeletedUserTakesTheirRoomsAlong) {
  put({"!one:hs.test", kBob, "", kCarol, 100});
  put({"!two:hs.test", kAlice, "", kCarol, 100});
  rows("DELETE FROM users WHERE id = 'bobuseraaaaaaaaaaaaaaaaaaa'");
  EXPECT_FALSE(byId("!one:hs.test"));
  EXPECT_TRUE(byId("!two:hs.test"));
}

}  // namespace
}  // namespace parley::testing
