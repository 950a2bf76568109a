// SHA-256 (core/common/sha256.hpp) against the FIPS 180-2 test vectors: in one piece, in parts,
// and as hex.

#include "core/common/sha256.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::core {
namespace {

TEST(Sha256, MatchesTheStandardsVectors) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256("abc").size(), 32U);
}

TEST(Sha256, PartsHashAsTheirConcatenation) {
  EXPECT_EQ(Sha256().add("ab").add("").add("c").digest(), sha256("abc"));
  const std::string million(1'000'000, 'a');
  Sha256 parts;
  for (int i = 0; i < 10; ++i) parts.add(std::string_view(million).substr(i * 100'000, 100'000));
  EXPECT_EQ(hexEncode(parts.digest()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, ADigestIsTakenOnce) {
  Sha256 hash;
  hash.add("abc");
  EXPECT_EQ(hash.digest(), sha256("abc"));
  EXPECT_EQ(hash.digest(), "") << "finalised: no second digest of other bytes";
}

}  // namespace
}  // namespace parley::core
