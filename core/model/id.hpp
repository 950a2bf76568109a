#pragma once
// Identifiers as Mattermost makes them (reference/mattermost-api.md §2): 16 random bytes in
// base32 with the alphabet "ybndrfg8ejkmcpqxot1uwisza345h769", no padding, 26 characters.
// Session tokens, personal access tokens and WebSocket connection ids are ids too, so the bytes
// come from a cryptographically secure generator.

#include <string>
#include <string_view>

namespace parley::core::model {

inline constexpr std::size_t kIdLength = 26;

// A fresh random id. Thread-safe.
std::string newId();

// A fresh id that is unique but not secret, for request ids and other correlation ids; never
// for tokens. Drawn from a per-thread generator seeded once from the secure one, because the
// secure generator costs a system call per draw (OpenSSL checks getpid() to detect forks) and
// every HTTP request needs one of these. Thread-safe.
std::string newRequestId();

// True when `id` could have come from newId(): 26 characters, letters and digits only. This is
// Mattermost's IsValidId, which clients rely on; it accepts ids from other alphabets too.
bool isValidId(std::string_view id);

// Base32 with the Mattermost alphabet, no padding. Exposed for tests and for deriving
// deterministic ids from remote identifiers.
std::string encodeBase32(const unsigned char* bytes, std::size_t size);

}  // namespace parley::core::model
