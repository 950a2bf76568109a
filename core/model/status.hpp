#pragma once
// A user's presence (Mattermost's Status).

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::core::model {

inline constexpr std::string_view kStatusOnline = "online";
inline constexpr std::string_view kStatusAway = "away";
inline constexpr std::string_view kStatusDnd = "dnd";
inline constexpr std::string_view kStatusOffline = "offline";

inline bool isValidStatus(std::string_view status) {
  return status == kStatusOnline || status == kStatusAway || status == kStatusDnd ||
         status == kStatusOffline;
}

struct UserStatus {
  std::string userId;
  std::string status;   // one of the kStatus* values
  bool manual = false;  // set by the user: wins over the status derived from activity
  std::int64_t lastActivityAt = 0;
  std::int64_t dndEndTime = 0;  // unix seconds, 0: none
  std::string prevStatus;       // the status before do-not-disturb
};

}  // namespace parley::core::model
