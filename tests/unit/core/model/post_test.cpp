// The pure rules about post content: message length in runes, hashtags, mentions, emoji names
// and post types, as Mattermost applies them (model/post.go, model/utils.go, model/reaction.go).

#include "core/model/post.hpp"

#include <gtest/gtest.h>

namespace parley::core::model {
namespace {

TEST(PostRunes, CountsCodePointsNotBytes) {
  EXPECT_EQ(runeCount(""), 0U);
  EXPECT_EQ(runeCount("abc"), 3U);
  EXPECT_EQ(runeCount("h\xC3\xA9llo"), 5U);       // é is two bytes
  EXPECT_EQ(runeCount("\xE2\x82\xAC"), 1U);       // € is three bytes
  EXPECT_EQ(runeCount("\xF0\x9F\x98\x80!"), 2U);  // 😀 is four bytes
}

TEST(PostRunes, TheMessageLimitIsMattermostsV2) {
  EXPECT_EQ(kPostMessageMaxRunes, 16383U);
  // 16,383 four-byte emoji are 65,532 bytes: allowed; one more rune is over the limit.
  std::string emoji;
  for (std::size_t i = 0; i < kPostMessageMaxRunes; ++i) emoji += "\xF0\x9F\x98\x80";
  EXPECT_EQ(runeCount(emoji), kPostMessageMaxRunes);
  EXPECT_GT(runeCount(emoji + "x"), kPostMessageMaxRunes);
}

TEST(PostHashtags, ExtractsHashtagsAndTrimsPunctuation) {
  EXPECT_EQ(parseHashtags("deploy #release today"), "#release");
  EXPECT_EQ(parseHashtags("(#ops), ##infra! #a1 #1abc #x"), "#ops #infra #a1");
  EXPECT_EQ(parseHashtags("#tag.with-dots_and-dashes."), "#tag.with-dots_and-dashes");
  EXPECT_EQ(parseHashtags("no tags here, email@x.org"), "");
  EXPECT_EQ(parseHashtags("#caf\xC3\xA9"), "#caf\xC3\xA9");
}

TEST(PostHashtags, AreCutAtAWholeTagBelowTheLimit) {
  std::string message;
  for (int i = 0; i < 200; ++i) message += "#tag" + std::to_string(i) + " ";
  const std::string tags = parseHashtags(message);
  EXPECT_LT(tags.size(), kPostHashtagsMaxRunes);
  EXPECT_NE(tags.back(), ' ');
  EXPECT_EQ(tags.substr(0, 10), "#tag0 #tag");
  EXPECT_NE(tags.find(' ' + std::string("#tag10")), std::string::npos);
}

TEST(PostMentions, FindsUsernamesAndChannelWideMentions) {
  const auto mentions = parseMentions("hi @Alice and @bob.smith, see @alice. mail a@b.org");
  EXPECT_EQ(mentions.usernames, (std::vector<std::string>{"alice", "bob.smith"}));
  EXPECT_FALSE(mentions.channelWide);
  EXPECT_TRUE(parseMentions("@channel please").channelWide);
  EXPECT_TRUE(parseMentions("ping @all").channelWide);
  EXPECT_TRUE(parseMentions("@here!").channelWide);
  EXPECT_TRUE(parseMentions("just @ sign").usernames.empty());
}

TEST(ReactionEmoji, FollowsMattermostsNameRule) {
  for (const char* valid : {"+1", "-1", "thumbsup", "white_check_mark", "Smile_2", "a"}) {
    EXPECT_TRUE(isValidEmojiName(valid)) << valid;
  }
  for (const char* invalid : {"", ":smile:", "smile face", "smile!", "emoji/../x", "\xC3\xA9"}) {
    EXPECT_FALSE(isValidEmojiName(invalid)) << invalid;
  }
  EXPECT_TRUE(isValidEmojiName(std::string(64, 'a')));
  EXPECT_FALSE(isValidEmojiName(std::string(65, 'a')));
}

TEST(PostType, AcceptsMattermostsTypes) {
  for (const char* valid : {"", "slack_attachment", "me", "custom_poll", "system_join_channel"}) {
    EXPECT_TRUE(isValidPostType(valid)) << valid;
  }
  for (const char* invalid : {"html", "custom", "SYSTEM_x"}) {
    EXPECT_FALSE(isValidPostType(invalid)) << invalid;
  }
}

}  // namespace
}  // namespace parley::core::model
