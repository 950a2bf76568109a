#include "core/services/link_service.hpp"

#include <algorithm>

#include "core/model/id.hpp"
#include "core/model/permissions.hpp"
#include "core/services/boundary_guard.hpp"
#include "core/services/permissions.hpp"
#include "core/services/team_service.hpp"

namespace parley::core::services {
namespace {

Status requireLinkAdmin(const model::User& caller) {
  if (!hasSystemPermission(caller, model::permission::kManageSystem)) {
    return permissionDenied(model::permission::kManageSystem);
  }
  return {};
}

bool hasControlCharacters(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// A channel named in gateway.yaml: "team-name/channel-name" or a channel id.
Result<model::Channel> configuredChannel(store::Store& store, const std::string& name) {
  const auto slash = name.find('/');
  if (slash == std::string::npos) return store.channels().get(name);
  auto team = store.teams().getByName(name.substr(0, slash));
  if (!team) return std::move(team).error();
  return store.channels().getByName(team->id, name.substr(slash + 1));
}

model::LinkDirection configuredDirection(config::LinkConfig::Direction direction) {
  switch (direction) {
    case config::LinkConfig::Direction::kInbound: return model::LinkDirection::kInbound;
    case config::LinkConfig::Direction::kOutbound: return model::LinkDirection::kOutbound;
    case config::LinkConfig::Direction::kBoth: break;
  }
  return model::LinkDirection::kBoth;
}

}  // namespace

std::optional<model::LinkDirection> linkDirectionFromName(std::string_view name) {
  if (name == "both") return model::LinkDirection::kBoth;
  if (name == "inbound" || name == "in") return model::LinkDirection::kInbound;
  if (name == "outbound" || name == "out") return model::LinkDirection::kOutbound;
  return std::nullopt;
}

bool isValidPeerName(std::string_view peer) {
  if (peer.size() > kLinkPeerMaxLength) return false;
  return std::all_of(peer.begin(), peer.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
  });
}

Result<std::vector<model::Link>> listLinks(store::Store& store, const model::User& caller) {
  if (auto allowed = requireLinkAdmin(caller); !allowed) return std::move(allowed).error();
  return store.bridges().listLinks();
}

Result<model::Link> createLink(store::Store& store, const model::User& caller, const NewLink& input,
                               const std::vector<std::string>& bridges) {
  if (auto allowed = requireLinkAdmin(caller); !allowed) return std::move(allowed).error();
  if (!model::isValidId(input.channelId)) return invalidBodyParam("channel_id");
  if (std::find(bridges.begin(), bridges.end(), input.bridge) == bridges.end()) {
    return invalidBodyParam("bridge");
  }
  if (input.remoteRoom.empty() || input.remoteRoom.size() > kLinkRemoteRoomMaxLength ||
      hasControlCharacters(input.remoteRoom) || input.remoteRoom.starts_with("dm:")) {
    return invalidBodyParam("remote_room");
  }
  if (!isValidPeerName(input.peer)) return invalidBodyParam("peer");
  auto channel = store.channels().get(input.channelId);
  if (!channel) return std::move(channel).error();
  if (channel->isArchived() || channel->isDirectOrGroup()) {
    return makeError(ErrorCode::kInvalidArgument, "api.parley.link.channel.app_error",
                     "Only open and private channels that are not archived can be linked.");
  }
  const std::int64_t now = store.clock().nowMillis();
  model::Link link;
  link.id = model::newId();
  link.channelId = input.channelId;
  link.bridge = input.bridge;
  link.remoteRoom = input.remoteRoom;
  link.peer = input.peer;
  link.direction = input.direction;
  link.readOnly = input.readOnly;
  link.createdBy = caller.id;
  link.createAt = now;
  link.updateAt = now;
  // Outside the creation's transaction: the decision stays audited when the creation fails.
  if (auto permitted = guardChannelLink(store, caller, *channel, link); !permitted) {
    return std::move(permitted).error();
  }
  if (auto created = store.bridges().createLink(link); !created) return std::move(created).error();
  return link;
}

Status deleteLink(store::Store& store, const model::User& caller, std::string_view linkId) {
  if (auto allowed = requireLinkAdmin(caller); !allowed) return allowed;
  if (!model::isValidId(linkId)) {
    return invalidUrlParam("link_id");
  }
  auto deleted = store.bridges().deleteLink(linkId);
  if (!deleted) return std::move(deleted).error();
  if (!*deleted) {
    return makeError(ErrorCode::kNotFound, "app.parley.link.not_found.app_error",
                     "Unable to find the link.");
  }
  return {};
}

Result<std::vector<std::string>> syncConfiguredLinks(store::Store& store,
                                                     const std::vector<config::LinkConfig>& links) {
  std::vector<std::string> problems;
  Status synced = store.transaction([&](store::Store& tx) -> Status {
    const std::int64_t now = tx.clock().nowMillis();
    std::vector<std::string> kept;
    for (const auto& configured : links) {
      auto channel = configuredChannel(tx, configured.channel);
      if (!channel) {
        if (channel.error().code != ErrorCode::kNotFound) return std::move(channel).error();
        problems.push_back("links: no channel " + configured.channel + " (link to " +
                           configured.remote + " on " + configured.bridge + " skipped)");
        continue;
      }
      auto existing = tx.bridges().linkByRemote(configured.bridge, configured.remote);
      if (!existing) return std::move(existing).error();
      model::Link link;
      if (*existing) {
        link = **existing;
        if (link.channelId != channel->id) {
          problems.push_back("links: " + configured.remote + " on " + configured.bridge +
                             " is linked to another channel already (kept as it is)");
          kept.push_back(link.id);
          continue;
        }
      } else {
        link.id = model::newId();
        link.channelId = channel->id;
        link.bridge = configured.bridge;
        link.remoteRoom = configured.remote;
        link.createAt = now;
      }
      link.peer = configured.peer;
      link.direction = configuredDirection(configured.direction);
      link.readOnly = configured.readOnly;
      link.updateAt = now;
      auto written = *existing ? tx.bridges().updateLink(link) : tx.bridges().createLink(link);
      if (!written) return written;
      kept.push_back(link.id);
    }
    auto all = tx.bridges().listLinks();
    if (!all) return std::move(all).error();
    for (const auto& link : *all) {
      // Links made through the API (created_by set) and direct-message links stay.
      if (!link.createdBy.empty()) continue;
      if (std::find(kept.begin(), kept.end(), link.id) != kept.end()) continue;
      auto removed = tx.bridges().deleteLink(link.id);
      if (!removed) return std::move(removed).error();
    }
    return {};
  });
  if (!synced) return std::move(synced).error();
  return problems;
}

}  // namespace parley::core::services
