#pragma once
// Password hashing: Argon2id (RFC 9106) in the PHC string format,
//   $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt b64>$<hash b64>
// so the parameters travel with each hash and can be raised later without invalidating
// existing ones (needsRehash() tells when a stored hash is below the current parameters).
//
// Thread-safe. Hashing is deliberately slow (tens of milliseconds, memory-hard): call it off the
// I/O threads.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace parley::core::security {

struct Argon2Params {
  // Defaults: OWASP's first Argon2id configuration (m = 19 MiB, t = 2, p = 1). Chosen for a
  // 2-core appliance: one hash takes ~30-60 ms of one core, so a burst of logins (Mattermost
  // allows 10 at once before its 5/s rate limit) cannot starve the I/O threads, and ten hashes
  // in flight need under 200 MiB. RFC 9106's 64 MiB profile with p = 4 would cost four times
  // the memory and parallel lanes the machine does not have.
  std::uint32_t memoryKiB = 19 * 1024;
  std::uint32_t iterations = 2;
  std::uint32_t parallelism = 1;
};

inline constexpr std::size_t kSaltBytes = 16;
inline constexpr std::size_t kHashBytes = 32;

// A new PHC string with a fresh random salt. kInternal only if the library or the random
// generator fails.
Result<std::string> hashPassword(std::string_view password, const Argon2Params& params = {});

// True when `password` matches `encoded`. The comparison is constant-time; a malformed or
// non-Argon2id `encoded` (including "", the value of accounts without a password) is false.
bool verifyPassword(std::string_view password, std::string_view encoded);

// True when `encoded` is not Argon2id or uses weaker parameters than `params`: the caller
// should store a fresh hash after the next successful login.
bool needsRehash(std::string_view encoded, const Argon2Params& params = {});

// A random password for generated accounts: `length` characters (at least 20) drawn uniformly
// from letters, digits and symbols, with at least one of each kind.
std::string generatePassword(std::size_t length = 24);

}  // namespace parley::core::security
