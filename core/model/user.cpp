#include "core/model/user.hpp"

#include <algorithm>
#include <array>

namespace parley::core::model {
namespace {

// Names that would collide with mentions or system senders (Mattermost's restrictedUsernames,
// plus "here", which is an @-mention like "all" and "channel").
constexpr std::array<std::string_view, 5> kReservedUsernames = {"all", "channel", "here",
                                                                "matterbot", "system"};

bool isLowerLetter(char c) { return c >= 'a' && c <= 'z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 5322 atext, lower case only.
bool isAtext(char c) {
  if (isLowerLetter(c) || isDigit(c)) return true;
  constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  return kSpecials.find(c) != std::string_view::npos;
}

// dot-atom: atext runs separated by single dots, no dot at either end.
bool isDotAtom(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  char previous = '\0';
  for (const char c : text) {
    if (c == '.') {
      if (previous == '.') return false;
    } else if (!isAtext(c)) {
      return false;
    }
    previous = c;
  }
  return true;
}

}  // namespace

bool isValidUsername(std::string_view username) {
  if (username.empty() || username.size() > kUsernameMaxLength) return false;
  if (!isLowerLetter(username.front())) return false;
  const bool allowed = std::all_of(username.begin(), username.end(), [](char c) {
    return isLowerLetter(c) || isDigit(c) || c == '.' || c == '-' || c == '_';
  });
  if (!allowed) return false;
  return std::find(kReservedUsernames.begin(), kReservedUsernames.end(), username) ==
         kReservedUsernames.end();
}

bool isValidEmail(std::string_view email) {
  if (email.empty() || email.size() > kEmailMaxLength) return false;
  const auto at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  return isDotAtom(email.substr(0, at)) && isDotAtom(email.substr(at + 1));
}

nlohmann::json defaultNotifyProps() {
  return {{"email", "true"},          {"push", "mention"},       {"desktop", "mention"},
          {"desktop_sound", "true"},  {"mention_keys", ""},      {"channel", "true"},
          {"first_name", "false"},    {"push_status", "online"}, {"comments", "never"},
          {"desktop_threads", "all"}, {"email_threads", "all"},  {"push_threads", "all"}};
}

std::string normalizeUsernameOrEmail(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kSpace);
  std::string result(text.substr(first, last - first + 1));
  std::transform(result.begin(), result.end(), result.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return result;
}

}  // namespace parley::core::model
