#pragma once
// Puppets (issue 6): the local user that stands for a sender on another network. A puppet has
// no password and cannot log in or get a token (session_service and access_token_service
// refuse remote users), is a member only of the linked channels it speaks in, and has a
// username no local account can have: Mattermost's remote-user convention `name:domain`
// (a colon is not a username character, model::isValidUsername), e.g. "carol:partner.example".

#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/model/link.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

// "carol@partner.example" (XMPP), "@carol:partner.example" (Matrix) or a bare id with a
// domain -> "carol:partner.example": the local part and the domain lower-cased, characters
// outside a-z 0-9 . - _ turned into '_', at most 64 characters (the local part is shortened).
std::string puppetUsername(std::string_view remoteId, std::string_view domain);

// The puppet of `sender` on its bridge, created on first use (users + remote_users, in the
// caller's transaction), its display name kept current. A taken name gets a numeric suffix.
Result<model::User> findOrCreatePuppet(store::Store& tx, const model::RemoteOrigin& sender,
                                       std::string_view displayName);

// Makes the puppet a member of `channelId` (a linked channel it speaks in); a member already
// stays as it is.
Status ensurePuppetMembership(store::Store& tx, const model::User& puppet,
                              std::string_view channelId);

}  // namespace parley::core::services
