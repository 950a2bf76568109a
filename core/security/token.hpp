#pragma once
// Bearer tokens (session tokens, later personal access tokens) are stored only as their SHA-256,
// so a leaked database copy holds nothing that authenticates a request.

#include <string>
#include <string_view>

namespace parley::core::security {

// Lower-case hex SHA-256 of `token` (64 characters). Thread-safe. Throws std::runtime_error
// when OpenSSL cannot hash (it could not allocate): a hash that were the same for every token
// would let any token find any session.
std::string tokenHash(std::string_view token);

// Compares two strings in time independent of where they differ (CSRF tokens and the like).
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace parley::core::security
