#pragma once
// What each change of a bridge's batch would read again: the channel it goes to or comes from
// (with the author's access to it, its links, its policy attributes and its team) and the users
// who wrote it (with their policy attributes). A batch is the events the ingress pipeline applies
// in one transaction, or the outbox rows the drainer decides in one: read on the batch's first
// need and kept until it ends, these cost one round trip per batch instead of one per change.
// The drainer also keeps here the posts its rows address, read with the rows.
//
// A batch decides and writes on one reading, as a transaction on one snapshot would: what another
// session changes meanwhile (an attribute, a link, a role) is read by the next batch. So an
// instance lives no longer than its batch. The posts made through it keep their channel's
// last_post_at current in it (posted()), which the next post of the batch orders itself after.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/channel.hpp"
#include "core/model/link.hpp"
#include "core/model/policy_attributes.hpp"
#include "core/model/post.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

class BatchReads {
 public:
  // Each read the first time it is asked for; an error is returned and not kept (the next ask
  // reads again). The pointers stay valid for the life of the instance.
  Result<const model::Channel*> channel(store::Store& store, const std::string& channelId);
  Result<const model::ChannelAccess*> access(store::Store& store, const std::string& userId,
                                             const std::string& channelId);
  Result<const std::vector<model::Link>*> links(store::Store& store, const std::string& channelId);
  // `links` as read elsewhere (with the policy inputs), unless the batch has read them.
  void keepLinks(const std::string& channelId, std::vector<model::Link> links);
  Result<const store::ChannelPolicyInputs*> channelPolicy(store::Store& store,
                                                          const model::Channel& channel);
  Result<const model::User*> user(store::Store& store, const std::string& userId);
  // `user` as read elsewhere (with something else), unless the batch has read that user: then
  // the batch's reading.
  const model::User& keepUser(model::User user);
  // A user the batch has read or kept, or null: nothing is read.
  const model::User* keptUser(const std::string& userId) const;
  // A post (a thread's root the batch replies to, say).
  Result<const model::Post*> post(store::Store& store, const std::string& postId);
  // The batch deleted `postId`: post() reads it again.
  void forgetPost(const std::string& postId) { posts_.erase(postId); }
  // Posts read with what addresses them (the drainer's rows): keptPost() finds them, or null.
  void keepPost(model::Post post);
  const model::Post* keptPost(const std::string& postId) const;
  Result<const model::AttributeMap*> userAttributes(store::Store& store, const std::string& userId);
  // Reads ahead, in one round trip, what channel(), channelPolicy(), access(), userAttributes()
  // (of `userId`, unless it is "") and, with WithLinks::kYes, links() would each read, when any
  // of them is not kept yet; what was kept stays as it was. A failure keeps nothing: each part
  // is then read, and its error reported, by its own accessor.
  void readPolicyInputs(store::Store& store, const std::string& userId,
                        const std::string& channelId,
                        store::WithLinks withLinks = store::WithLinks::kNo);

  // The batch changed `userId`'s membership of `channelId`: access() reads it again.
  void forgetAccess(const std::string& userId, const std::string& channelId);
  // A post created at `createAt` in `channelId`: its last_post_at, as the post wrote it.
  void posted(const std::string& channelId, std::int64_t createAt);

 private:
  std::map<std::string, model::Channel> channels_;
  std::map<std::pair<std::string, std::string>, model::ChannelAccess> access_;  // user, channel
  std::map<std::string, std::vector<model::Link>> links_;
  std::map<std::string, store::ChannelPolicyInputs> policies_;
  std::map<std::string, model::User> users_;
  std::map<std::string, model::Post> posts_;
  std::map<std::string, model::AttributeMap> userAttributes_;
};

}  // namespace parley::core::services
