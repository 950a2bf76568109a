#pragma once
// SHA-256, one way for all of Parley: session tokens, the audit chain, files, policy bundles,
// migrations. Header-only, so that parley_policy (which links no parley_core) uses it too.
//
// The digest is fetched from OpenSSL's default provider once per process: SHA256() and
// EVP_sha256() look it up again at every call (OpenSSL 3), which for a session token, hashed at
// every API request, costs more than the hashing itself.

#include <openssl/evp.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "core/common/hex.hpp"

namespace parley::core {

// The digest of the bytes added, in order: Sha256().add(a).add(b) hashes a followed by b.
class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) {
    ok_ = context_ != nullptr && algorithm() != nullptr &&
          EVP_DigestInit_ex(context_, algorithm(), nullptr) == 1;
  }
  ~Sha256() { EVP_MD_CTX_free(context_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& add(std::string_view bytes) {
    ok_ = ok_ && EVP_DigestUpdate(context_, bytes.data(), bytes.size()) == 1;
    return *this;
  }

  // The raw 32 bytes, once. Empty when OpenSSL failed (it could not allocate): no stored hash
  // matches an empty one.
  std::string digest() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    const bool done = ok_ && EVP_DigestFinal_ex(context_, out, &length) == 1;
    ok_ = false;
    return done ? std::string(reinterpret_cast<const char*>(out), length) : std::string();
  }

 private:
  static const EVP_MD* algorithm() {
    // Kept for the life of the process.
    static const EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched;
  }

  EVP_MD_CTX* context_;
  bool ok_ = false;
};

inline std::string sha256(std::string_view bytes) { return Sha256().add(bytes).digest(); }

// sha256(bytes), or std::runtime_error when OpenSSL could not hash: for digests that identify
// what they hash (session tokens, role ids), where the empty digest, the same for every input,
// would make every input one.
inline std::string sha256OrThrow(std::string_view bytes) {
  std::string digest = sha256(bytes);
  if (digest.empty()) throw std::runtime_error("SHA-256 is unavailable: OpenSSL could not hash");
  return digest;
}

// Lower-case hex of sha256(bytes).
inline std::string sha256Hex(std::string_view bytes) { return hexEncode(sha256(bytes)); }

}  // namespace parley::core
