#pragma once
// A user's sidebar categories in a team (Mattermost's SidebarCategoryWithChannels): stored by
// the channel store, changed by the channel service, announced by sidebar_category_* events.

#include <cstdint>
#include <string>
#include <vector>

namespace parley::core::model {

// One category of a user's sidebar in a team (Mattermost's SidebarCategoryWithChannels).
struct SidebarCategory {
  std::string id;
  std::string userId;
  std::string teamId;
  std::int64_t sortOrder = 0;
  std::string sorting;
  std::string type;  // favorites, channels, direct_messages or custom
  std::string displayName;
  bool muted = false;
  bool collapsed = false;
  std::vector<std::string> channelIds;  // in sidebar order
};

}  // namespace parley::core::model
