#include "bridges/common/emoji.hpp"

#include <array>

namespace parley::bridges {

namespace {

struct EmojiEntry {
  std::string_view emoji;    // as sent (with U+FE0F where the emoji needs it)
  std::string_view name;     // Mattermost's short_name
  std::string_view aliases;  // other Mattermost short_names, space-separated
};

// Names as in Mattermost's emoji.json (short_name first, then the other short_names).
constexpr std::array kEmoji{
    // faces
    EmojiEntry{"\U0001F600", "grinning", ""},
    EmojiEntry{"\U0001F603", "smiley", ""},
    EmojiEntry{"\U0001F604", "smile", ""},
    EmojiEntry{"\U0001F601", "grin", ""},
    EmojiEntry{"\U0001F606", "laughing", "satisfied"},
    EmojiEntry{"\U0001F605", "sweat_smile", ""},
    EmojiEntry{"\U0001F923", "rolling_on_the_floor_laughing", "rofl"},
    EmojiEntry{"\U0001F602", "joy", ""},
    EmojiEntry{"\U0001F642", "slightly_smiling_face", ""},
    EmojiEntry{"\U0001F643", "upside_down_face", ""},
    EmojiEntry{"\U0001F609", "wink", ""},
    EmojiEntry{"\U0001F60A", "blush", ""},
    EmojiEntry{"\U0001F607", "innocent", ""},
    EmojiEntry{"\U0001F970", "smiling_face_with_3_hearts", ""},
    EmojiEntry{"\U0001F60D", "heart_eyes", ""},
    EmojiEntry{"\U0001F929", "star-struck", "grinning_face_with_star_eyes"},
    EmojiEntry{"\U0001F618", "kissing_heart", ""},
    EmojiEntry{"\U0001F60B", "yum", ""},
    EmojiEntry{"\U0001F61B", "stuck_out_tongue", ""},
    EmojiEntry{"\U0001F61C", "stuck_out_tongue_winking_eye", ""},
    EmojiEntry{"\U0001F92A", "zany_face", "grinning_face_with_one_large_and_one_small_eye"},
    EmojiEntry{"\U0001F917", "hugging_face", "hugs"},
    EmojiEntry{"\U0001F92D", "face_with_hand_over_mouth",
               "smiling_face_with_smiling_eyes_and_hand_covering_mouth"},
    EmojiEntry{"\U0001F92B", "shushing_face", "face_with_finger_covering_closed_lips"},
    EmojiEntry{"\U0001F914", "thinking_face", "thinking"},
    EmojiEntry{"\U0001F910", "zipper_mouth_face", ""},
    EmojiEntry{"\U0001F928", "face_with_raised_eyebrow", "face_with_one_eyebrow_raised"},
    EmojiEntry{"\U0001F610", "neutral_face", ""},
    EmojiEntry{"\U0001F611", "expressionless", ""},
    EmojiEntry{"\U0001F636", "no_mouth", ""},
    EmojiEntry{"\U0001F60F", "smirk", ""},
    EmojiEntry{"\U0001F612", "unamused", ""},
    EmojiEntry{"\U0001F644", "face_with_rolling_eyes", "roll_eyes"},
    EmojiEntry{"\U0001F62C", "grimacing", ""},
    EmojiEntry{"\U0001F60C", "relieved", ""},
    EmojiEntry{"\U0001F614", "pensive", ""},
    EmojiEntry{"\U0001F62A", "sleepy", ""},
    EmojiEntry{"\U0001F634", "sleeping", ""},
    EmojiEntry{"\U0001F637", "mask", ""},
    EmojiEntry{"\U0001F922", "nauseated_face", ""},
    EmojiEntry{"\U0001F927", "sneezing_face", ""},
    EmojiEntry{"\U0001F975", "hot_face", ""},
    EmojiEntry{"\U0001F976", "cold_face", ""},
    EmojiEntry{"\U0001F92F", "exploding_head", "shocked_face_with_exploding_head"},
    EmojiEntry{"\U0001F973", "partying_face", ""},
    EmojiEntry{"\U0001F60E", "sunglasses", ""},
    EmojiEntry{"\U0001F913", "nerd_face", ""},
    EmojiEntry{"\U0001F615", "confused", ""},
    EmojiEntry{"\U0001F61F", "worried", ""},
    EmojiEntry{"\U0001F641", "slightly_frowning_face", ""},
    EmojiEntry{"\U0001F62E", "open_mouth", ""},
    EmojiEntry{"\U0001F62F", "hushed", ""},
    EmojiEntry{"\U0001F632", "astonished", ""},
    EmojiEntry{"\U0001F633", "flushed", ""},
    EmojiEntry{"\U0001F97A", "pleading_face", ""},
    EmojiEntry{"\U0001F628", "fearful", ""},
    EmojiEntry{"\U0001F630", "cold_sweat", ""},
    EmojiEntry{"\U0001F622", "cry", ""},
    EmojiEntry{"\U0001F62D", "sob", ""},
    EmojiEntry{"\U0001F631", "scream", ""},
    EmojiEntry{"\U0001F616", "confounded", ""},
    EmojiEntry{"\U0001F623", "persevere", ""},
    EmojiEntry{"\U0001F61E", "disappointed", ""},
    EmojiEntry{"\U0001F613", "sweat", ""},
    EmojiEntry{"\U0001F629", "weary", ""},
    EmojiEntry{"\U0001F62B", "tired_face", ""},
    EmojiEntry{"\U0001F971", "yawning_face", ""},
    EmojiEntry{"\U0001F624", "triumph", ""},
    EmojiEntry{"\U0001F621", "rage", "pout"},
    EmojiEntry{"\U0001F620", "angry", ""},
    EmojiEntry{"\U0001F480", "skull", ""},
    EmojiEntry{"\U0001F4A9", "hankey", "poop shit"},
    EmojiEntry{"\U0001F921", "clown_face", ""},
    EmojiEntry{"\U0001F47B", "ghost", ""},
    EmojiEntry{"\U0001F47D", "alien", ""},
    EmojiEntry{"\U0001F916", "robot_face", "robot"},
    EmojiEntry{"\U0001F648", "see_no_evil", ""},
    EmojiEntry{"\U0001F649", "hear_no_evil", ""},
    EmojiEntry{"\U0001F64A", "speak_no_evil", ""},
    EmojiEntry{"\U0001F926", "face_palm", ""},
    EmojiEntry{"\U0001F937", "shrug", ""},
    // hands and people
    EmojiEntry{"\U0001F44D", "+1", "thumbsup"},
    EmojiEntry{"\U0001F44E", "-1", "thumbsdown"},
    EmojiEntry{"\U0001F44B", "wave", ""},
    EmojiEntry{"\U0001F64C", "raised_hands", ""},
    EmojiEntry{"\U0001F44F", "clap", ""},
    EmojiEntry{"\U0001F64F", "pray", ""},
    EmojiEntry{"\U0001F91D", "handshake", ""},
    EmojiEntry{"\U0001F44C", "ok_hand", ""},
    EmojiEntry{"\u270C\uFE0F", "v", ""},
    EmojiEntry{"\U0001F91E", "crossed_fingers", "hand_with_index_and_middle_fingers_crossed"},
    EmojiEntry{"\u261D\uFE0F", "point_up", ""},
    EmojiEntry{"\U0001F446", "point_up_2", ""},
    EmojiEntry{"\U0001F447", "point_down", ""},
    EmojiEntry{"\U0001F448", "point_left", ""},
    EmojiEntry{"\U0001F449", "point_right", ""},
    EmojiEntry{"\U0001F4AA", "muscle", ""},
    EmojiEntry{"\u270A", "fist", ""},
    EmojiEntry{"\U0001F44A", "facepunch", "punch"},
    EmojiEntry{"\u270B", "hand", "raised_hand"},
    EmojiEntry{"\U0001F440", "eyes", ""},
    EmojiEntry{"\U0001F9E0", "brain", ""},
    // hearts
    EmojiEntry{"\u2764\uFE0F", "heart", ""},
    EmojiEntry{"\U0001F9E1", "orange_heart", ""},
    EmojiEntry{"\U0001F49B", "yellow_heart", ""},
    EmojiEntry{"\U0001F49A", "green_heart", ""},
    EmojiEntry{"\U0001F499", "blue_heart", ""},
    EmojiEntry{"\U0001F49C", "purple_heart", ""},
    EmojiEntry{"\U0001F5A4", "black_heart", ""},
    EmojiEntry{"\U0001F494", "broken_heart", ""},
    EmojiEntry{"\U0001F495", "two_hearts", ""},
    EmojiEntry{"\U0001F496", "sparkling_heart", ""},
    EmojiEntry{"\U0001F498", "cupid", ""},
    // symbols and objects
    EmojiEntry{"\U0001F4AF", "100", ""},
    EmojiEntry{"\U0001F525", "fire", ""},
    EmojiEntry{"\u2B50", "star", ""},
    EmojiEntry{"\U0001F31F", "star2", ""},
    EmojiEntry{"\u2728", "sparkles", ""},
    EmojiEntry{"\u26A1", "zap", ""},
    EmojiEntry{"\U0001F4A5", "boom", "collision"},
    EmojiEntry{"\U0001F389", "tada", ""},
    EmojiEntry{"\U0001F38A", "confetti_ball", ""},
    EmojiEntry{"\U0001F388", "balloon", ""},
    EmojiEntry{"\U0001F381", "gift", ""},
    EmojiEntry{"\U0001F3C6", "trophy", ""},
    EmojiEntry{"\U0001F680", "rocket", ""},
    EmojiEntry{"\u2705", "white_check_mark", ""},
    EmojiEntry{"\u2714\uFE0F", "heavy_check_mark", ""},
    EmojiEntry{"\u2611\uFE0F", "ballot_box_with_check", ""},
    EmojiEntry{"\u274C", "x", ""},
    EmojiEntry{"\u274E", "negative_squared_cross_mark", ""},
    EmojiEntry{"\u2795", "heavy_plus_sign", ""},
    EmojiEntry{"\u2796", "heavy_minus_sign", ""},
    EmojiEntry{"\u2753", "question", ""},
    EmojiEntry{"\u2754", "grey_question", ""},
    EmojiEntry{"\u2757", "exclamation", "heavy_exclamation_mark"},
    EmojiEntry{"\u203C\uFE0F", "bangbang", ""},
    EmojiEntry{"\u26A0\uFE0F", "warning", ""},
    EmojiEntry{"\u26D4", "no_entry", ""},
    EmojiEntry{"\U0001F6AB", "no_entry_sign", ""},
    EmojiEntry{"\U0001F6D1", "octagonal_sign", ""},
    EmojiEntry{"\U0001F4A1", "bulb", ""},
    EmojiEntry{"\U0001F4DD", "memo", "pencil"},
    EmojiEntry{"\U0001F4CC", "pushpin", ""},
    EmojiEntry{"\U0001F4CE", "paperclip", ""},
    EmojiEntry{"\U0001F517", "link", ""},
    EmojiEntry{"\U0001F512", "lock", ""},
    EmojiEntry{"\U0001F513", "unlock", ""},
    EmojiEntry{"\U0001F511", "key", ""},
    EmojiEntry{"\U0001F514", "bell", ""},
    EmojiEntry{"\U0001F50D", "mag", ""},
    EmojiEntry{"\u231B", "hourglass", ""},
    EmojiEntry{"\u23F3", "hourglass_flowing_sand", ""},
    EmojiEntry{"\u23F0", "alarm_clock", ""},
    EmojiEntry{"\U0001F4C6", "calendar", ""},
    EmojiEntry{"\U0001F4C8", "chart_with_upwards_trend", ""},
    EmojiEntry{"\U0001F4C9", "chart_with_downwards_trend", ""},
    EmojiEntry{"\U0001F4CB", "clipboard", ""},
    EmojiEntry{"\U0001F4BB", "computer", ""},
    EmojiEntry{"\U0001F4AC", "speech_balloon", ""},
    EmojiEntry{"\U0001F4AD", "thought_balloon", ""},
    EmojiEntry{"\U0001F4A4", "zzz", ""},
    EmojiEntry{"\U0001F4B0", "moneybag", ""},
    EmojiEntry{"\U0001F48E", "gem", ""},
    EmojiEntry{"\U0001F451", "crown", ""},
    EmojiEntry{"\u2615", "coffee", ""},
    EmojiEntry{"\U0001F37A", "beer", ""},
    EmojiEntry{"\U0001F37B", "beers", ""},
    EmojiEntry{"\U0001F355", "pizza", ""},
    EmojiEntry{"\U0001F370", "cake", ""},
    EmojiEntry{"\U0001F382", "birthday", ""},
    EmojiEntry{"\u2600\uFE0F", "sunny", ""},
    EmojiEntry{"\U0001F308", "rainbow", ""},
    EmojiEntry{"\u2744\uFE0F", "snowflake", ""},
    EmojiEntry{"\U0001F436", "dog", ""},
    EmojiEntry{"\U0001F431", "cat", ""},
    EmojiEntry{"\U0001F984", "unicorn_face", ""},
    EmojiEntry{"\U0001F422", "turtle", ""},
    EmojiEntry{"\U0001F41B", "bug", ""},
    EmojiEntry{"\U0001F3C1", "checkered_flag", ""},
    EmojiEntry{"\U0001F6A9", "triangular_flag_on_post", ""},
    EmojiEntry{"\u2B06\uFE0F", "arrow_up", ""},
    EmojiEntry{"\u2B07\uFE0F", "arrow_down", ""},
    EmojiEntry{"\u27A1\uFE0F", "arrow_right", ""},
    EmojiEntry{"\u2B05\uFE0F", "arrow_left", ""},
    EmojiEntry{"\U0001F501", "repeat", ""},
    EmojiEntry{"\u267B\uFE0F", "recycle", ""},
};

bool hasAlias(std::string_view aliases, std::string_view name) {
  while (!aliases.empty()) {
    const auto space = aliases.find(' ');
    if (aliases.substr(0, space) == name) return true;
    if (space == std::string_view::npos) break;
    aliases.remove_prefix(space + 1);
  }
  return false;
}

// The emoji without variation selectors (U+FE0E, U+FE0F; both EF B8 8E/8F in UTF-8).
std::string withoutSelectors(std::string_view emoji) {
  std::string out;
  for (std::size_t i = 0; i < emoji.size(); ++i) {
    if (i + 2 < emoji.size() && emoji.compare(i, 2, "\xEF\xB8") == 0 &&
        (emoji[i + 2] == '\x8E' || emoji[i + 2] == '\x8F')) {
      i += 2;
      continue;
    }
    out += emoji[i];
  }
  return out;
}

}  // namespace

std::optional<std::string> emojiForName(std::string_view name) {
  for (const auto& entry : kEmoji) {
    if (entry.name == name || hasAlias(entry.aliases, name)) return std::string(entry.emoji);
  }
  return std::nullopt;
}

std::optional<std::string> nameForEmoji(std::string_view emoji) {
  const std::string wanted = withoutSelectors(emoji);
  if (wanted.empty()) return std::nullopt;
  for (const auto& entry : kEmoji) {
    if (withoutSelectors(entry.emoji) == wanted) return std::string(entry.name);
  }
  return std::nullopt;
}

}  // namespace parley::bridges
