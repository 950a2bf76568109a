#include "core/model/id.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <thread>
#include <vector>

namespace parley::core::model {
namespace {

TEST(Id, HasMattermostShape) {
  const std::string id = newId();
  EXPECT_EQ(id.size(), 26u);
  EXPECT_TRUE(isValidId(id));
  for (char c : id) {
    EXPECT_NE(std::string_view("ybndrfg8ejkmcpqxot1uwisza345h769").find(c), std::string_view::npos)
        << "character '" << c << "' is outside Mattermost's id alphabet";
  }
}

TEST(Id, AreUniqueAcrossManyDraws) {
  std::set<std::string> seen;
  for (int i = 0; i < 100'000; ++i) {
    ASSERT_TRUE(seen.insert(newId()).second) << "duplicate id after " << i << " draws";
  }
}

TEST(Id, RequestIdsHaveTheSameShapeAndAreUniqueAcrossThreads) {
  std::vector<std::set<std::string>> perThread(4);
  std::vector<std::thread> threads;
  for (auto& seen : perThread) {
    threads.emplace_back([&seen] {
      for (int i = 0; i < 20'000; ++i) seen.insert(newRequestId());
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& seen : perThread) {
    EXPECT_EQ(seen.size(), 20'000u);
    all.insert(seen.begin(), seen.end());
  }
  EXPECT_EQ(all.size(), 80'000u) << "threads must not share a generator state";
  EXPECT_TRUE(isValidId(*all.begin()));
}

TEST(Id, Base32MatchesMattermostEncodingOfKnownBytes) {
  // 16 zero bytes encode to 26 copies of the alphabet's first letter.
  const std::array<unsigned char, 16> zeros{};
  EXPECT_EQ(encodeBase32(zeros.data(), zeros.size()), std::string(26, 'y'));
  // 0xff… : 25 full groups of the last letter, then the 3 remaining bits (111) padded to
  // 11100 = 28, the letter h.
  std::array<unsigned char, 16> ones{};
  ones.fill(0xff);
  EXPECT_EQ(encodeBase32(ones.data(), ones.size()), std::string(25, '9') + "h");
  // "f" = 0x66 = 01100 110(00) → alphabet[12], alphabet[24]: RFC 4648 "MY" in Mattermost letters.
  const unsigned char f = 'f';
  EXPECT_EQ(encodeBase32(&f, 1), "ca");
}

TEST(Id, ValidationFollowsMattermostIsValidId) {
  EXPECT_TRUE(isValidId("abcdefghijklmnopqrstuvwxyz"));
  EXPECT_TRUE(isValidId("ABCDEFGHIJKLMNOPQRSTUVWXY0"));
  EXPECT_FALSE(isValidId(""));
  EXPECT_FALSE(isValidId("abcdefghijklmnopqrstuvwxy"));    // 25
  EXPECT_FALSE(isValidId("abcdefghijklmnopqrstuvwxyza"));  // 27
  EXPECT_FALSE(isValidId("abcdefghijklmnopqrstuvwxy-"));
  EXPECT_FALSE(isValidId("abcdefghijklmnopqrstuvwxy\xc3"));
}

}  // namespace
}  // namespace parley::core::model
