#pragma once
// Mattermost emoji names <-> Unicode emoji for reactions (XMPP XEP-0444, Matrix m.annotation
// keys). Mattermost stores a reaction by name ("+1", "white_check_mark"; the names of its
// emoji.json, which follow emoji-datasource); XMPP and Matrix carry the emoji itself. The table
// holds the common ones (faces, hands, hearts, symbols used as reactions) with Mattermost's
// aliases ("thumbsup" = "+1"). Its own library (parley_bridge_emoji, emoji.cmake) so that each
// bridge's translation library links it without the other bridges.
//
// What does not map: a custom emoji or a name outside the table has no Unicode form, and a
// Unicode reaction outside the table (or a skin-tone variant) has no Mattermost name; each
// bridge's translate.hpp says what it does then.

#include <optional>
#include <string>
#include <string_view>

namespace parley::bridges {

// The emoji for a Mattermost name or alias, with the emoji presentation selector where the
// emoji needs one (U+2764 U+FE0F for "heart"); nullopt when the name is not in the table.
std::optional<std::string> emojiForName(std::string_view name);

// Mattermost's canonical name for an emoji ("+1" for 👍); variation selectors (U+FE0E/U+FE0F)
// are ignored when matching, so "❤" and "❤️" are both "heart". nullopt when not in the table.
std::optional<std::string> nameForEmoji(std::string_view emoji);

}  // namespace parley::bridges
