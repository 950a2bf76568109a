#include "core/services/batch_reads.hpp"

#include <algorithm>

namespace parley::core::services {
namespace {

// The value kept under `key`, else what `read()` gives, kept when it is not an error.
template <typename Map, typename Read>
auto readOnce(Map& kept, const typename Map::key_type& key, Read read)
    -> Result<const typename Map::mapped_type*> {
  if (const auto found = kept.find(key); found != kept.end()) return &found->second;
  auto value = read();
  if (!value) return std::move(value).error();
  return &kept.emplace(key, std::move(*value)).first->second;
}

}  // namespace

Result<const model::Channel*> BatchReads::channel(store::Store& store,
                                                  const std::string& channelId) {
  return readOnce(channels_, channelId, [&] { return store.channels().get(channelId); });
}

Result<const model::ChannelAccess*> BatchReads::access(store::Store& store,
                                                       const std::string& userId,
                                                       const std::string& channelId) {
  return readOnce(access_, {userId, channelId},
                  [&] { return store.channels().access(userId, channelId); });
}

Result<const std::vector<model::Link>*> BatchReads::links(store::Store& store,
                                                          const std::string& channelId) {
  return readOnce(links_, channelId, [&] { return store.bridges().linksOfChannel(channelId); });
}

Result<const store::ChannelPolicyInputs*> BatchReads::channelPolicy(store::Store& store,
                                                                    const model::Channel& channel) {
  return readOnce(policies_, channel.id, [&] {
    return store.policyAttributes().channelPolicyInputs(channel.id, channel.teamId);
  });
}

Result<const model::User*> BatchReads::user(store::Store& store, const std::string& userId) {
  return readOnce(users_, userId, [&] { return store.users().getById(userId); });
}

const model::User& BatchReads::keepUser(model::User user) {
  const std::string id = user.id;
  return users_.try_emplace(id, std::move(user)).first->second;
}

void BatchReads::keepLinks(const std::string& channelId, std::vector<model::Link> links) {
  links_.try_emplace(channelId, std::move(links));
}

const model::User* BatchReads::keptUser(const std::string& userId) const {
  const auto found = users_.find(userId);
  return found == users_.end() ? nullptr : &found->second;
}

Result<const model::Post*> BatchReads::post(store::Store& store, const std::string& postId) {
  return readOnce(posts_, postId, [&] { return store.posts().get(postId); });
}

void BatchReads::keepPost(model::Post post) {
  const std::string id = post.id;
  posts_.insert_or_assign(id, std::move(post));
}

const model::Post* BatchReads::keptPost(const std::string& postId) const {
  const auto found = posts_.find(postId);
  return found == posts_.end() ? nullptr : &found->second;
}

Result<const model::AttributeMap*> BatchReads::userAttributes(store::Store& store,
                                                              const std::string& userId) {
  return readOnce(userAttributes_, userId,
                  [&] { return store.policyAttributes().userAttributes(userId); });
}

void BatchReads::readPolicyInputs(store::Store& store, const std::string& userId,
                                  const std::string& channelId, store::WithLinks withLinks) {
  const bool channelKept = channels_.contains(channelId) && policies_.contains(channelId);
  const bool linksKept = withLinks == store::WithLinks::kNo || links_.contains(channelId);
  if (channelKept && linksKept && (userId.empty() || userAttributes_.contains(userId))) return;
  auto inputs = store.policyAttributes().policyInputs(userId, channelId, withLinks);
  if (!inputs) return;
  if (withLinks == store::WithLinks::kYes) links_.try_emplace(channelId, std::move(inputs->links));
  if (inputs->access) {
    channels_.try_emplace(channelId, inputs->access->channel);
    if (!userId.empty()) access_.try_emplace({userId, channelId}, std::move(*inputs->access));
    policies_.try_emplace(channelId, std::move(inputs->channelPolicy));
  }
  if (!userId.empty()) userAttributes_.try_emplace(userId, std::move(inputs->subject));
}

void BatchReads::forgetAccess(const std::string& userId, const std::string& channelId) {
  access_.erase({userId, channelId});
}

void BatchReads::posted(const std::string& channelId, std::int64_t createAt) {
  const auto moved = [createAt](model::Channel& channel) {
    channel.lastPostAt = std::max(channel.lastPostAt, createAt);
  };
  if (auto found = channels_.find(channelId); found != channels_.end()) moved(found->second);
  for (auto& [key, access] : access_) {
    if (key.second == channelId) moved(access.channel);
  }
}

}  // namespace parley::core::services
