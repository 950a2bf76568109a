#include "core/model/post.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace parley::core::model {
namespace {

bool isContinuationByte(unsigned char c) { return (c & 0xC0) == 0x80; }

// Letters as Go's \pL sees them, approximated: ASCII letters, and every non-ASCII code point
// (the bytes of multi-byte UTF-8 sequences), so that hashtags and mentions in other scripts
// are kept rather than cut.
bool isLetterByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}
bool isDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool isSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::vector<std::string_view> fields(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && isSpace(static_cast<unsigned char>(text[i]))) ++i;
    const std::size_t start = i;
    while (i < text.size() && !isSpace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

// ^(#\pL[\pL\d\-_.]*[\pL\d])$
bool isHashtag(std::string_view word) {
  if (word.size() < 3 || word[0] != '#') return false;
  if (!isLetterByte(static_cast<unsigned char>(word[1]))) return false;
  for (std::size_t i = 2; i < word.size(); ++i) {
    const auto c = static_cast<unsigned char>(word[i]);
    if (!isLetterByte(c) && !isDigit(c) && c != '-' && c != '_' && c != '.') return false;
  }
  const auto last = static_cast<unsigned char>(word.back());
  return isLetterByte(last) || isDigit(last);
}

bool isUsernameChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '.' || c == '-' ||
         c == '_';
}

constexpr std::array<std::string_view, 3> kChannelWideMentions = {"channel", "all", "here"};

constexpr std::array<std::string_view, 8> kKnownPostTypes = {"",
                                                             "slack_attachment",
                                                             "me",
                                                             "reminder",
                                                             "card",
                                                             "burn_on_read",
                                                             "add_bot_teams_channels",
                                                             "system_generic"};

}  // namespace

std::size_t runeCount(std::string_view utf8) {
  return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return !isContinuationByte(static_cast<unsigned char>(c));
  }));
}

std::string parseHashtags(std::string_view message) {
  std::string tags;
  for (std::string_view word : fields(message)) {
    // Trim leading punctuation (but not '#'), trailing punctuation, and collapse "##tag".
    while (!word.empty()) {
      const auto c = static_cast<unsigned char>(word.front());
      if (isLetterByte(c) || isDigit(c) || c == '#') break;
      word.remove_prefix(1);
    }
    while (!word.empty()) {
      const auto c = static_cast<unsigned char>(word.back());
      if (isLetterByte(c) || isDigit(c)) break;
      word.remove_suffix(1);
    }
    while (word.size() > 1 && word[0] == '#' && word[1] == '#') word.remove_prefix(1);
    if (!isHashtag(word)) continue;
    if (!tags.empty()) tags += ' ';
    tags += word;
  }
  if (tags.size() > kPostHashtagsMaxRunes) {
    // As Mattermost: cut below the limit, then back to the last whole tag.
    tags.resize(kPostHashtagsMaxRunes - 1);
    const auto lastSpace = tags.rfind(' ');
    tags.resize(lastSpace == std::string::npos ? 0 : lastSpace);
  }
  return tags;
}

Mentions parseMentions(std::string_view message) {
  Mentions mentions;
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] != '@') continue;
    // An '@' inside a word (an email address) is not a mention.
    if (i > 0 && isUsernameChar(static_cast<unsigned char>(message[i - 1]))) continue;
    std::size_t end = i + 1;
    while (end < message.size() && isUsernameChar(static_cast<unsigned char>(message[end]))) ++end;
    std::string name(message.substr(i + 1, end - i - 1));
    while (!name.empty() && name.back() == '.') name.pop_back();
    i = end - 1;
    if (name.empty()) continue;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (std::find(kChannelWideMentions.begin(), kChannelWideMentions.end(), name) !=
        kChannelWideMentions.end()) {
      mentions.channelWide = true;
      continue;
    }
    if (std::find(mentions.usernames.begin(), mentions.usernames.end(), name) ==
        mentions.usernames.end()) {
      mentions.usernames.push_back(std::move(name));
    }
  }
  return mentions;
}

bool isValidEmojiName(std::string_view name) {
  if (name.empty() || name.size() > kEmojiNameMaxLength) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '-' || c == '+' ||
           c == '_';
  });
}

bool isValidPostType(std::string_view type) {
  if (std::find(kKnownPostTypes.begin(), kKnownPostTypes.end(), type) != kKnownPostTypes.end()) {
    return true;
  }
  return type.starts_with("custom_") || type.starts_with("system_");
}

}  // namespace parley::core::model
