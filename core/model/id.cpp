#include "core/model/id.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>

namespace parley::core::model {
namespace {
constexpr std::string_view kAlphabet = "ybndrfg8ejkmcpqxot1uwisza345h769";

bool isAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
}  // namespace

std::string encodeBase32(const unsigned char* bytes, std::size_t size) {
  std::string out;
  out.reserve((size * 8 + 4) / 5);
  unsigned int buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | bytes[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kAlphabet[(buffer >> bits) & 0x1f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

std::string newId() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // OpenSSL's DRBG only fails when the system has no entropy source at all: an invariant of
    // any machine that can run us, so this is not an expected, recoverable failure.
    throw std::runtime_error("the system random number generator failed");
  }
  return encodeBase32(bytes.data(), bytes.size());
}

std::string newRequestId() {
  thread_local std::mt19937_64 generator = [] {
    std::array<unsigned char, sizeof(std::uint64_t) * 2> seed{};
    if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
      throw std::runtime_error("the system random number generator failed");
    }
    std::seed_seq sequence(seed.begin(), seed.end());
    return std::mt19937_64(sequence);
  }();
  const std::uint64_t parts[2] = {generator(), generator()};
  std::array<unsigned char, 16> bytes{};
  std::memcpy(bytes.data(), parts, bytes.size());
  return encodeBase32(bytes.data(), bytes.size());
}

bool isValidId(std::string_view id) {
  if (id.size() != kIdLength) return false;
  for (char c : id) {
    if (!isAsciiAlnum(c)) return false;
  }
  return true;
}

}  // namespace parley::core::model
