#include "core/services/puppet_service.hpp"

#include <algorithm>

#include "core/model/id.hpp"

namespace parley::core::services {
namespace {

std::string sanitize(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const char lower = static_cast<char>(std::tolower(u));
    const bool allowed = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') ||
                         lower == '.' || lower == '-' || lower == '_';
    out += allowed ? lower : '_';
  }
  return out;
}

// The local part and the domain of a remote id (JID, MXID or plain id).
std::pair<std::string_view, std::string_view> splitRemoteId(std::string_view remoteId) {
  if (remoteId.starts_with('@')) {  // Matrix: @local:server
    remoteId.remove_prefix(1);
    const auto colon = remoteId.find(':');
    if (colon != std::string_view::npos)
      return {remoteId.substr(0, colon), remoteId.substr(colon + 1)};
    return {remoteId, {}};
  }
  const auto slash = remoteId.find('/');  // an XMPP resource is not part of the identity
  if (slash != std::string_view::npos) remoteId = remoteId.substr(0, slash);
  const auto at = remoteId.find('@');
  if (at != std::string_view::npos) return {remoteId.substr(0, at), remoteId.substr(at + 1)};
  return {remoteId, {}};
}

std::string withSuffix(const std::string& base, int n) {
  if (n <= 1) return base;
  const std::string suffix = "-" + std::to_string(n);
  const auto colon = base.find(':');
  std::string local = base.substr(0, colon);
  const std::string domain = base.substr(colon);
  const std::size_t room = model::kUsernameMaxLength - domain.size() - suffix.size();
  if (local.size() > room) local.resize(room);
  return local + suffix + domain;
}

}  // namespace

std::string puppetUsername(std::string_view remoteId, std::string_view domain) {
  auto [local, remoteDomain] = splitRemoteId(remoteId);
  std::string host = sanitize(domain.empty() ? remoteDomain : domain);
  std::string name = sanitize(local);
  if (name.empty()) name = "remote";
  if (host.empty()) host = "remote";
  // Keep the domain whole when it fits: it is what tells two partners' "alice" apart.
  if (host.size() > model::kUsernameMaxLength / 2) host.resize(model::kUsernameMaxLength / 2);
  const std::size_t room = model::kUsernameMaxLength - host.size() - 1;
  if (name.size() > room) name.resize(room);
  return name + ":" + host;
}

Result<model::User> findOrCreatePuppet(store::Store& tx, const model::RemoteOrigin& sender,
                                       std::string_view displayName) {
  const std::int64_t now = tx.clock().nowMillis();
  const std::string shownName(displayName.substr(0, 64));
  auto known = tx.bridges().findRemoteUser(sender.bridge, sender.remoteId);
  if (!known) return std::move(known).error();
  if (!*known) {
    // A sender's first messages may arrive in two rooms at once: the second transaction waits
    // here until the first has made the puppet, then finds it (each statement sees what
    // committed before it), instead of failing on the same username.
    if (auto locked = tx.system().lock("puppet:" + sender.bridge + "\n" + sender.remoteId);
        !locked) {
      return std::move(locked).error();
    }
    known = tx.bridges().findRemoteUser(sender.bridge, sender.remoteId);
    if (!known) return std::move(known).error();
  }
  if (*known) {
    model::User& user = (*known)->user;
    if (!shownName.empty() && shownName != (*known)->remote.displayName) {
      model::RemoteUser updated = (*known)->remote;
      updated.displayName = shownName;
      updated.domain = sender.domain;
      updated.updateAt = now;
      if (auto saved = tx.bridges().upsertRemoteUser(updated); !saved)
        return std::move(saved).error();
      user.nickname = shownName;
      user.updateAt = now;
      if (auto saved = tx.users().update(user); !saved) return std::move(saved).error();
    }
    return std::move(user);
  }

  model::User puppet;
  puppet.id = model::newId();
  puppet.createAt = now;
  puppet.updateAt = now;
  // Never deliverable and never anyone's: the .invalid top-level domain (RFC 2606).
  puppet.email = puppet.id + "@puppet.parley.invalid";
  puppet.nickname = shownName;
  puppet.roles = std::string(model::kRoleSystemUser);
  puppet.notifyProps = model::defaultNotifyProps();
  puppet.remoteBridge = sender.bridge;
  puppet.remoteUserId = sender.remoteId;
  puppet.remoteDomain = sender.domain;
  const std::string base = puppetUsername(sender.remoteId, sender.domain);
  for (int n = 1;; ++n) {
    if (n > 50) {
      return makeError(ErrorCode::kConflict, "app.parley.puppet.username.app_error",
                       "No free username for the remote user.");
    }
    puppet.username = withSuffix(base, n);
    auto taken = tx.users().getByUsername(puppet.username);
    if (!taken && taken.error().code == ErrorCode::kNotFound) break;
    if (!taken) return std::move(taken).error();
  }
  if (auto created = tx.users().create(puppet); !created) return std::move(created).error();
  model::RemoteUser remote{
      sender.bridge, sender.remoteId, sender.domain, shownName, puppet.id, now, now};
  if (auto saved = tx.bridges().upsertRemoteUser(remote); !saved) return std::move(saved).error();
  return puppet;
}

Status ensurePuppetMembership(store::Store& tx, const model::User& puppet,
                              std::string_view channelId) {
  auto member = tx.channels().member(channelId, puppet.id);
  if (!member) return std::move(member).error();
  if (*member) return {};
  // Two rooms linked to one channel may bring the puppet's first messages at once.
  const std::string lock = "puppet-member:" + std::string(channelId) + "\n" + puppet.id;
  if (auto locked = tx.system().lock(lock); !locked) return locked;
  member = tx.channels().member(channelId, puppet.id);
  if (!member) return std::move(member).error();
  if (*member) return {};
  model::ChannelMember added;
  added.channelId = std::string(channelId);
  added.userId = puppet.id;
  added.notifyProps = {{"desktop", "default"},
                       {"email", "default"},
                       {"mark_unread", "all"},
                       {"push", "default"},
                       {"ignore_channel_mentions", "default"}};
  added.lastUpdateAt = tx.clock().nowMillis();
  return tx.channels().addMember(added);
}

}  // namespace parley::core::services
