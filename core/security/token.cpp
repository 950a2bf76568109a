#include "core/security/token.hpp"

#include <openssl/crypto.h>

#include "core/common/sha256.hpp"

namespace parley::core::security {

std::string tokenHash(std::string_view token) { return hexEncode(sha256OrThrow(token)); }

bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace parley::core::security
