#pragma once
// The Application Service registration (matrix-appservice.md §3.1): the two tokens, generated
// once with a CSPRNG into bridges.matrix.token_file (mode 0600) and kept there, and the YAML a
// homeserver administrator installs. `parleyd matrix registration` prints it; `parleyd serve`
// reads the same file, so re-running the command never changes the tokens the homeserver has.
// Tokens are secrets: nothing here logs them.

#include <filesystem>
#include <string>

#include "core/common/result.hpp"
#include "core/config/config.hpp"

namespace parley::bridges::matrix {

struct AppServiceTokens {
  std::string asToken;  // Parley -> homeserver (Authorization: Bearer)
  std::string hsToken;  // homeserver -> Parley
};

// Reads the token file; when it does not exist, generates both tokens (32 random bytes each,
// hex) and writes it with mode 0600 (created exclusively: two commands racing keep one pair).
// A file that exists but is malformed, or is readable by others, is an error.
core::Result<AppServiceTokens> loadOrCreateTokens(const std::filesystem::path& file);

// The registration YAML for `config` with `tokens`: id, url, as_token, hs_token,
// sender_localpart, rate_limited: false, an exclusive users namespace for the puppets of local
// users and an exclusive aliases namespace.
std::string registrationYaml(const core::config::MatrixBridgeConfig& config,
                             const AppServiceTokens& tokens);

// "@<prefix>.*:<server name>" with the regex metacharacters of the server name escaped.
std::string userNamespaceRegex(const core::config::MatrixBridgeConfig& config);
std::string aliasNamespaceRegex(const core::config::MatrixBridgeConfig& config);

}  // namespace parley::bridges::matrix
