#include "gateway/websocket/event_renderer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::gateway::websocket {
namespace {

namespace ev = core::events;
using nlohmann::json;

constexpr const char* kAlice = "aliceuseraaaaaaaaaaaaaaaaa";
constexpr const char* kBob = "bobuseraaaaaaaaaaaaaaaaaaa";
constexpr const char* kCarol = "caroluseraaaaaaaaaaaaaaaaa";
constexpr const char* kTeam = "teamaaaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kChannel = "channelaaaaaaaaaaaaaaaaaaa";
constexpr const char* kPost = "postaaaaaaaaaaaaaaaaaaaaaa";

core::model::Channel channel(char type = core::model::kChannelOpen) {
  core::model::Channel c;
  c.id = kChannel;
  c.teamId = type == core::model::kChannelDirect || type == core::model::kChannelGroup ? "" : kTeam;
  c.type = type;
  c.name = "ops-room";
  c.displayName = "Ops Room";
  return c;
}

core::model::Post post() {
  core::model::Post p;
  p.id = kPost;
  p.channelId = kChannel;
  p.userId = kAlice;
  p.message = "hello @bob";
  p.createAt = 1'700'000'000'000;
  p.updateAt = p.createAt;
  return p;
}

ev::Event single(const ev::DomainEvent& event) {
  auto rendered = renderEvent(event);
  EXPECT_EQ(rendered.size(), 1u);
  return rendered.empty() ? ev::Event{} : rendered.front();
}

// Only the one field of the audience that is expected is set.
void expectChannelAudience(const ev::Event& event, const char* channelId) {
  EXPECT_EQ(event.audience.channelId, channelId) << event.name;
  EXPECT_TRUE(event.audience.userId.empty()) << event.name;
  EXPECT_TRUE(event.audience.teamId.empty()) << event.name;
  EXPECT_TRUE(event.audience.omitUsers.empty()) << event.name;
}

void expectUserAudience(const ev::Event& event, const char* userId) {
  EXPECT_EQ(event.audience.userId, userId) << event.name;
  EXPECT_TRUE(event.audience.channelId.empty()) << event.name;
  EXPECT_TRUE(event.audience.teamId.empty()) << event.name;
}

// A field Mattermost double-encodes: a string holding a JSON document.
json decoded(const ev::Event& event, const char* key) {
  EXPECT_TRUE(event.data.contains(key)) << event.name << " lacks " << key;
  if (!event.data.contains(key) || !event.data[key].is_string()) {
    ADD_FAILURE() << event.name << "." << key << " is not a JSON string";
    return nullptr;
  }
  return json::parse(event.data[key].get<std::string>());
}

TEST(EventRenderer, PostedCarriesTheChannelTheSenderAndTheMentionedMembers) {
  auto e = single(ev::PostCreated{post(), channel(), "alice", true, {kBob}});
  EXPECT_EQ(e.name, "posted");
  expectChannelAudience(e, kChannel);
  const json p = decoded(e, "post");
  EXPECT_EQ(p["id"], kPost);
  EXPECT_EQ(p["message"], "hello @bob");
  EXPECT_EQ(p["channel_id"], kChannel);
  EXPECT_EQ(e.data["channel_type"], "O");
  EXPECT_EQ(e.data["channel_display_name"], "Ops Room");
  EXPECT_EQ(e.data["channel_name"], "ops-room");
  EXPECT_EQ(e.data["sender_name"], "@alice");
  EXPECT_EQ(e.data["team_id"], kTeam);
  EXPECT_EQ(e.data["set_online"], true);
  EXPECT_EQ(decoded(e, "mentions"), json::array({kBob}));
  EXPECT_FALSE(e.data.contains("otherFile")) << "no files attached";
  EXPECT_FALSE(e.data.contains("image"));
}

TEST(EventRenderer, AnEphemeralMessageGoesToItsUserOnlyWithThePost) {
  auto notice = post();
  notice.type = "system_ephemeral";
  notice.message = "Not delivered to the partner";
  const auto event = single(ev::EphemeralMessage{kAlice, notice});
  EXPECT_EQ(event.name, "ephemeral_message");
  expectUserAudience(event, kAlice);
  const json rendered = decoded(event, "post");
  EXPECT_EQ(rendered["type"], "system_ephemeral");
  EXPECT_EQ(rendered["channel_id"], kChannel);
  EXPECT_EQ(rendered["message"], "Not delivered to the partner");
}

TEST(EventRenderer, PostedWithoutMentionsHasNoMentionsField) {
  auto e = single(ev::PostCreated{post(), channel(), "alice", false, {}});
  EXPECT_FALSE(e.data.contains("mentions"));
  EXPECT_EQ(e.data["set_online"], false);
}

TEST(EventRenderer, PostedInADirectChannelIsNamedAfterTheSender) {
  auto e = single(ev::PostCreated{post(), channel(core::model::kChannelDirect), "alice", true, {}});
  EXPECT_EQ(e.data["channel_type"], "D");
  EXPECT_EQ(e.data["channel_display_name"], "@alice");
  EXPECT_EQ(e.data["team_id"], "");
}

TEST(EventRenderer, PostedByAWebhookUsesItsOverrideUsernameAndSystemPostsSayWhoIsSystem) {
  auto hooked = post();
  hooked.props = {{"from_webhook", "true"}, {"override_username", "deploy-bot"}};
  EXPECT_EQ(single(ev::PostCreated{hooked, channel(), "alice", true, {}}).data["sender_name"],
            "deploy-bot");
  // Not in a direct channel, and not without from_webhook.
  EXPECT_EQ(single(ev::PostCreated{hooked, channel(core::model::kChannelDirect), "alice", true, {}})
                .data["sender_name"],
            "@alice");
  auto claimed = post();
  claimed.props = {{"override_username", "deploy-bot"}};
  EXPECT_EQ(single(ev::PostCreated{claimed, channel(), "alice", true, {}}).data["sender_name"],
            "@alice");
  auto system = post();
  system.type = "system_join_channel";
  EXPECT_EQ(single(ev::PostCreated{system, channel(), "alice", true, {}}).data["sender_name"],
            "System");
}

TEST(EventRenderer, PostedFlagsAttachmentsAndImages) {
  auto withFiles = post();
  withFiles.fileIds = {"fileaaaaaaaaaaaaaaaaaaaaaa"};
  core::model::FileInfo text;
  text.id = "fileaaaaaaaaaaaaaaaaaaaaaa";
  text.mimeType = "text/plain";
  withFiles.files = {text};
  auto e = single(ev::PostCreated{withFiles, channel(), "alice", true, {}});
  EXPECT_EQ(e.data["otherFile"], "true");
  EXPECT_FALSE(e.data.contains("image"));
  withFiles.files.front().mimeType = "image/png";
  e = single(ev::PostCreated{withFiles, channel(), "alice", true, {}});
  EXPECT_EQ(e.data["image"], "true");
  EXPECT_EQ(decoded(e, "post")["metadata"]["files"].size(), 1u);
}

TEST(EventRenderer, EditsAndDeletesCarryThePostToTheChannel) {
  auto edited = post();
  edited.editAt = 5;
  auto e = single(ev::PostEdited{edited});
  EXPECT_EQ(e.name, "post_edited");
  expectChannelAudience(e, kChannel);
  EXPECT_EQ(decoded(e, "post")["edit_at"], 5);
  EXPECT_EQ(e.data.size(), 1u);

  auto deleted = post();
  deleted.deleteAt = 7;
  e = single(ev::PostDeleted{deleted, kBob});
  EXPECT_EQ(e.name, "post_deleted");
  expectChannelAudience(e, kChannel);
  EXPECT_EQ(decoded(e, "post")["delete_at"], 7);
  EXPECT_FALSE(e.data.contains("delete_by")) << "only admins get delete_by in Mattermost";
}

TEST(EventRenderer, ReactionsGoToThePostsChannel) {
  core::model::Reaction reaction;
  reaction.userId = kBob;
  reaction.postId = kPost;
  reaction.emojiName = "thumbsup";
  reaction.channelId = kChannel;
  for (const auto& [e, name] :
       {std::pair{single(ev::ReactionAdded{reaction}), "reaction_added"},
        std::pair{single(ev::ReactionRemoved{reaction}), "reaction_removed"}}) {
    EXPECT_EQ(e.name, name);
    expectChannelAudience(e, kChannel);
    const json r = decoded(e, "reaction");
    EXPECT_EQ(r["emoji_name"], "thumbsup");
    EXPECT_EQ(r["user_id"], kBob);
    EXPECT_EQ(r["post_id"], kPost);
  }
}

TEST(EventRenderer, ChannelLifecycle) {
  auto e = single(ev::ChannelCreated{channel(), kAlice});
  EXPECT_EQ(e.name, "channel_created");
  expectUserAudience(e, kAlice);
  EXPECT_EQ(e.data, json({{"channel_id", kChannel}, {"team_id", kTeam}}));

  auto renamed = channel();
  renamed.displayName = "Renamed";
  e = single(ev::ChannelUpdated{renamed});
  EXPECT_EQ(e.name, "channel_updated");
  expectChannelAudience(e, kChannel);
  EXPECT_EQ(decoded(e, "channel")["display_name"], "Renamed");

  auto archived = channel();
  archived.deleteAt = 99;
  e = single(ev::ChannelDeleted{archived});
  EXPECT_EQ(e.name, "channel_deleted");
  EXPECT_EQ(e.audience.teamId, kTeam) << "an open channel's archiving concerns its team";
  EXPECT_TRUE(e.audience.channelId.empty());
  EXPECT_EQ(e.data, json({{"channel_id", kChannel}, {"delete_at", 99}}));
  archived.type = core::model::kChannelPrivate;
  e = single(ev::ChannelDeleted{archived});
  expectChannelAudience(e, kChannel);

  e = single(ev::ChannelRestored{channel()});
  EXPECT_EQ(e.name, "channel_restored");
  EXPECT_EQ(e.audience.teamId, kTeam);
  EXPECT_EQ(e.data, json({{"channel_id", kChannel}}));
}

TEST(EventRenderer, DirectAndGroupChannelsNameTheirMembers) {
  auto e = single(
      ev::DirectChannelCreated{channel(core::model::kChannelDirect), kAlice, {kAlice, kBob}});
  EXPECT_EQ(e.name, "direct_added");
  expectChannelAudience(e, kChannel);
  EXPECT_EQ(e.data, json({{"creator_id", kAlice}, {"teammate_id", kBob}}));

  e = single(ev::DirectChannelCreated{channel(core::model::kChannelDirect), kAlice, {kAlice}});
  EXPECT_EQ(e.data["teammate_id"], kAlice) << "a channel with oneself";

  e = single(ev::DirectChannelCreated{
      channel(core::model::kChannelGroup), kAlice, {kAlice, kBob, kCarol}});
  EXPECT_EQ(e.name, "group_added");
  expectChannelAudience(e, kChannel);
  EXPECT_EQ(decoded(e, "teammate_ids"), json::array({kAlice, kBob, kCarol}));
}

TEST(EventRenderer, ChannelMembership) {
  auto e = single(ev::ChannelMemberAdded{kChannel, kTeam, kBob, kAlice});
  EXPECT_EQ(e.name, "user_added");
  expectChannelAudience(e, kChannel);
  EXPECT_EQ(e.data, json({{"user_id", kBob}, {"team_id", kTeam}}));

  auto removed = renderEvent(ev::ChannelMemberRemoved{kChannel, kBob, kAlice});
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(removed[0].name, "user_removed");
  expectChannelAudience(removed[0], kChannel);
  EXPECT_EQ(removed[0].data, json({{"user_id", kBob}, {"remover_id", kAlice}}));
  EXPECT_EQ(removed[1].name, "user_removed");
  expectUserAudience(removed[1], kBob);
  EXPECT_EQ(removed[1].data, json({{"channel_id", kChannel}, {"remover_id", kAlice}}));

  core::model::ChannelMember member;
  member.channelId = kChannel;
  member.userId = kBob;
  member.schemeAdmin = true;
  e = single(ev::ChannelMemberUpdated{member});
  EXPECT_EQ(e.name, "channel_member_updated");
  expectUserAudience(e, kBob);
  const json m = decoded(e, "channelMember");
  EXPECT_EQ(m["roles"], "channel_user channel_admin");
  EXPECT_EQ(m["channel_id"], kChannel);
}

TEST(EventRenderer, TeamMembership) {
  auto e = single(ev::TeamMemberAdded{kTeam, kBob});
  EXPECT_EQ(e.name, "added_to_team");
  expectUserAudience(e, kBob);
  EXPECT_EQ(e.data, json({{"team_id", kTeam}, {"user_id", kBob}}));

  auto left = renderEvent(ev::TeamMemberRemoved{kTeam, kBob, kAlice});
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].name, "leave_team");
  EXPECT_EQ(left[0].audience.teamId, kTeam);
  EXPECT_EQ(left[0].audience.omitUsers, std::vector<std::string>{kBob})
      << "the user who left hears it once, from the second event";
  EXPECT_EQ(left[1].name, "leave_team");
  expectUserAudience(left[1], kBob);
  for (const auto& event : left) {
    EXPECT_EQ(event.data, json({{"team_id", kTeam}, {"user_id", kBob}}));
  }
}

TEST(EventRenderer, TeamChangesWithoutTheTeamsSecrets) {
  core::model::Team team;
  team.id = kTeam;
  team.name = "ops";
  team.displayName = "Ops";
  team.email = "owner@example.org";
  team.inviteId = "inviteaaaaaaaaaaaaaaaaaaaa";
  auto e = single(ev::TeamUpdated{team});
  EXPECT_EQ(e.name, "update_team");
  EXPECT_EQ(e.audience.teamId, kTeam);
  EXPECT_TRUE(e.audience.userId.empty());
  const json t = decoded(e, "team");
  EXPECT_EQ(t["display_name"], "Ops");
  EXPECT_EQ(t["email"], "");
  EXPECT_EQ(t["invite_id"], "");

  team.deleteAt = 7;
  e = single(ev::TeamDeleted{team});
  EXPECT_EQ(e.name, "delete_team");
  EXPECT_TRUE(e.audience.everyone());
  EXPECT_EQ(decoded(e, "team")["delete_at"], 7);
  EXPECT_EQ(e.data.dump().find("owner@example.org"), std::string::npos);

  e = single(ev::TeamRestored{team});
  EXPECT_EQ(e.name, "restore_team");
  EXPECT_TRUE(e.audience.everyone());

  core::model::TeamMember member;
  member.teamId = kTeam;
  member.userId = kBob;
  member.schemeAdmin = true;
  e = single(ev::TeamMemberRolesUpdated{member});
  EXPECT_EQ(e.name, "memberrole_updated");
  expectUserAudience(e, kBob);
  EXPECT_EQ(decoded(e, "member")["roles"], "team_user team_admin");
}

TEST(EventRenderer, UsersAreAnnouncedToEveryoneWithoutSecrets) {
  core::model::User user;
  user.id = kBob;
  user.username = "bob";
  user.email = "bob@example.org";
  user.passwordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
  user.authService = "ldap";
  user.notifyProps = {{"push", "mention"}};
  user.failedAttempts = 3;
  user.lastPasswordUpdate = 12;

  auto e = single(ev::UserCreated{user});
  EXPECT_EQ(e.name, "new_user");
  EXPECT_TRUE(e.audience.everyone());
  EXPECT_EQ(e.data, json({{"user_id", kBob}}));

  e = single(ev::UserUpdated{user});
  EXPECT_EQ(e.name, "user_updated");
  EXPECT_TRUE(e.audience.everyone());
  ASSERT_TRUE(e.data["user"].is_object()) << "user_updated's user is not double-encoded";
  const json& u = e.data["user"];
  EXPECT_EQ(u["id"], kBob);
  EXPECT_EQ(u["username"], "bob");
  EXPECT_EQ(u["email"], "bob@example.org") << "ShowEmailAddress defaults to true";
  EXPECT_EQ(u["auth_data"], "");
  EXPECT_EQ(u["auth_service"], "") << "only admins see the auth service";
  EXPECT_EQ(e.data.dump().find("argon2"), std::string::npos);
  for (const char* hidden :
       {"password", "notify_props", "failed_attempts", "last_password_update", "email_verified"}) {
    EXPECT_FALSE(u.contains(hidden)) << hidden;
  }
}

TEST(EventRenderer, PersonalEventsGoToTheirUserOnly) {
  auto e = single(ev::StatusChanged{kBob, "away"});
  EXPECT_EQ(e.name, "status_change");
  expectUserAudience(e, kBob);
  EXPECT_EQ(e.data, json({{"status", "away"}, {"user_id", kBob}}));

  const std::vector<core::model::Preference> preferences{
      {kBob, "display_settings", "use_military_time", "true"}};
  e = single(ev::PreferencesChanged{kBob, preferences});
  EXPECT_EQ(e.name, "preferences_changed");
  expectUserAudience(e, kBob);
  EXPECT_EQ(decoded(e, "preferences"), json::array({{{"user_id", kBob},
                                                     {"category", "display_settings"},
                                                     {"name", "use_military_time"},
                                                     {"value", "true"}}}));
  e = single(ev::PreferencesDeleted{kBob, preferences});
  EXPECT_EQ(e.name, "preferences_deleted");
  expectUserAudience(e, kBob);
  EXPECT_EQ(decoded(e, "preferences").size(), 1u);

  e = single(ev::ChannelsViewed{kBob, {{kChannel, 42}}});
  EXPECT_EQ(e.name, "multiple_channels_viewed");
  expectUserAudience(e, kBob);
  ASSERT_TRUE(e.data["channel_times"].is_object()) << "a map, not a JSON string";
  EXPECT_EQ(e.data["channel_times"][kChannel], 42);
}

TEST(EventRenderer, ThePublishingSinkPutsEveryRenderedEventOnTheBus) {
  auto bus = std::make_shared<ev::EventBus>();
  std::vector<std::string> names;
  auto subscription = bus->subscribe([&](const ev::EventPtr& e) { names.push_back(e->name); });
  const auto sink = publishingSink(bus);
  sink(ev::ChannelMemberRemoved{kChannel, kBob, kAlice});
  sink(ev::PostEdited{post()});
  EXPECT_EQ(names, (std::vector<std::string>{"user_removed", "user_removed", "post_edited"}));
}

}  // namespace
}  // namespace parley::gateway::websocket
