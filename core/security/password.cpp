#include "core/security/password.hpp"

#include <argon2.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace parley::core::security {
namespace {

constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kDigits = "0123456789";
// No quotes, backslash or space: the password may be pasted into a shell or a YAML file.
constexpr std::string_view kSymbols = "!#$%&()*+,-./:;<=>?@[]^_{|}~";
constexpr std::size_t kMinGeneratedLength = 20;
constexpr std::uint32_t kMaxMemoryKiB = 256 * 1024;
constexpr std::uint32_t kMaxIterations = 16;
constexpr std::uint32_t kMaxParallelism = 8;

// A uniformly random index below `bound` (rejection sampling: no modulo bias).
std::size_t randomBelow(std::size_t bound) {
  const auto limit = static_cast<std::uint8_t>(256 - 256 % bound);
  for (;;) {
    std::uint8_t byte = 0;
    if (RAND_bytes(&byte, 1) != 1) throw std::runtime_error("the random generator failed");
    if (byte < limit) return byte % bound;
  }
}

// Parses "m=19456,t=2,p=1" out of an Argon2id PHC string; false when it is not one.
bool parseParams(std::string_view encoded, Argon2Params& out) {
  constexpr std::string_view kPrefix = "$argon2id$v=19$";
  if (encoded.substr(0, kPrefix.size()) != kPrefix) return false;
  encoded.remove_prefix(kPrefix.size());
  const auto end = encoded.find('$');
  if (end == std::string_view::npos) return false;
  std::string_view params = encoded.substr(0, end);
  const auto field = [&](std::string_view key, std::uint32_t& value) {
    if (params.substr(0, key.size()) != key) return false;
    params.remove_prefix(key.size());
    const auto [next, error] = std::from_chars(params.data(), params.data() + params.size(), value);
    if (error != std::errc()) return false;
    params.remove_prefix(static_cast<std::size_t>(next - params.data()));
    if (!params.empty() && params.front() == ',') params.remove_prefix(1);
    return true;
  };
  return field("m=", out.memoryKiB) && field("t=", out.iterations) &&
         field("p=", out.parallelism) && params.empty();
}

}  // namespace

Result<std::string> hashPassword(std::string_view password, const Argon2Params& params) {
  std::array<unsigned char, kSaltBytes> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    return makeError(ErrorCode::kInternal, "security.password.random", "Cannot hash the password.",
                     "the random generator failed");
  }
  const std::size_t encodedLength = argon2_encodedlen(
      params.iterations, params.memoryKiB, params.parallelism, kSaltBytes, kHashBytes, Argon2_id);
  std::vector<char> encoded(encodedLength);
  const int rc = argon2id_hash_encoded(params.iterations, params.memoryKiB, params.parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return makeError(ErrorCode::kInternal, "security.password.hash", "Cannot hash the password.",
                     argon2_error_message(rc));
  }
  return std::string(encoded.data());
}

bool verifyPassword(std::string_view password, std::string_view encoded) {
  Argon2Params params;
  if (!parseParams(encoded, params)) return false;
  // The hash comes from the database: never let it make us allocate gigabytes or spin for
  // minutes. These bounds are far above anything hashPassword() is configured with.
  if (params.memoryKiB > kMaxMemoryKiB || params.iterations > kMaxIterations ||
      params.parallelism > kMaxParallelism) {
    return false;
  }
  // argon2_verify needs a NUL-terminated string; it recomputes the hash with the stored
  // parameters and compares in constant time.
  const std::string terminated(encoded);
  return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool needsRehash(std::string_view encoded, const Argon2Params& params) {
  Argon2Params stored;
  if (!parseParams(encoded, stored)) return true;
  return stored.memoryKiB < params.memoryKiB || stored.iterations < params.iterations ||
         stored.parallelism < params.parallelism;
}

std::string generatePassword(std::size_t length) {
  length = std::max(length, kMinGeneratedLength);
  const std::string alphabet = std::string(kLetters) + std::string(kDigits) + std::string(kSymbols);
  const auto hasAny = [](const std::string& text, std::string_view set) {
    return text.find_first_of(set) != std::string::npos;
  };
  for (;;) {
    std::string password;
    password.reserve(length);
    for (std::size_t i = 0; i < length; ++i)
      password.push_back(alphabet[randomBelow(alphabet.size())]);
    // Redraw the whole password rather than patch it, so every accepted one stays uniform over
    // the passwords that have all three kinds.
    if (hasAny(password, kLetters) && hasAny(password, kDigits) && hasAny(password, kSymbols)) {
      return password;
    }
  }
}

}  // namespace parley::core::security
