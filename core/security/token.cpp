#include "core/security/token.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>

#include "core/common/hex.hpp"

namespace parley::core::security {

std::string tokenHash(std::string_view token) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest.data());
  return hexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace parley::core::security
