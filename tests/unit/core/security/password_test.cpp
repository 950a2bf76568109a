#include "core/security/password.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

namespace parley::core::security {
namespace {

TEST(PasswordTest, HashIsArgon2idPhcStringWithTheConfiguredParameters) {
  auto hash = hashPassword("correct horse battery staple");
  ASSERT_TRUE(hash.ok()) << hash.error().detail;
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *hash;
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
}

TEST(PasswordTest, VerifyAcceptsTheRightPasswordOnly) {
  auto hash = hashPassword("correct horse battery staple");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(verifyPassword("correct horse battery staple", *hash));
  EXPECT_FALSE(verifyPassword("correct horse battery stapler", *hash));
  EXPECT_FALSE(verifyPassword("Correct horse battery staple", *hash));
  EXPECT_FALSE(verifyPassword("", *hash));
}

TEST(PasswordTest, SamePasswordGetsADifferentSaltEachTime) {
  auto first = hashPassword("same password");
  auto second = hashPassword("same password");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
  EXPECT_TRUE(verifyPassword("same password", *first));
  EXPECT_TRUE(verifyPassword("same password", *second));
}

TEST(PasswordTest, TamperedOrForeignHashesNeverVerify) {
  auto hash = hashPassword("secret password");
  ASSERT_TRUE(hash.ok());
  std::string tampered = *hash;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verifyPassword("secret password", tampered));

  EXPECT_FALSE(verifyPassword("secret password", ""));  // accounts without a password
  EXPECT_FALSE(verifyPassword("secret password", "secret password"));
  EXPECT_FALSE(verifyPassword("secret password", "$2a$10$abcdefghijklmnopqrstuu"));  // bcrypt
  std::string argon2i = *hash;
  argon2i.replace(0, 9, "$argon2i");
  EXPECT_FALSE(verifyPassword("secret password", argon2i));
}

TEST(PasswordTest, HashesWithAbsurdCostFromTheDatabaseAreRefusedQuickly) {
  // 4 GiB of memory would take the appliance down; such a stored hash is refused outright.
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(verifyPassword("x",
                              "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$"
                              "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"));
  EXPECT_FALSE(verifyPassword("x",
                              "$argon2id$v=19$m=19456,t=100000,p=1$c29tZXNhbHRzb21lc2FsdA$"
                              "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
}

TEST(PasswordTest, NeedsRehashWhenParametersAreWeakerThanCurrent) {
  auto weak = hashPassword("pw-weak-params", Argon2Params{1024, 1, 1});
  ASSERT_TRUE(weak.ok());
  EXPECT_TRUE(verifyPassword("pw-weak-params", *weak));
  EXPECT_TRUE(needsRehash(*weak));
  auto current = hashPassword("pw-current");
  ASSERT_TRUE(current.ok());
  EXPECT_FALSE(needsRehash(*current));
  EXPECT_TRUE(needsRehash(""));
  EXPECT_TRUE(needsRehash("$2a$10$abcdefghijklmnopqrstuu"));
}

TEST(GeneratePasswordTest, HasTheRequestedLengthAndAllThreeKinds) {
  for (int i = 0; i < 200; ++i) {
    const auto password = generatePassword();
    ASSERT_EQ(password.size(), 24u);
    EXPECT_NE(password.find_first_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
              std::string::npos);
    EXPECT_NE(password.find_first_of("0123456789"), std::string::npos);
    EXPECT_NE(password.find_first_not_of(
                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
              std::string::npos);
    // Safe to paste into a shell or YAML: no quotes, backslashes or white space.
    EXPECT_EQ(password.find_first_of("'\"\\ \t\n`"), std::string::npos) << password;
  }
}

TEST(GeneratePasswordTest, NeverShorterThanTwentyAndNeverRepeats) {
  EXPECT_EQ(generatePassword(8).size(), 20u);
  EXPECT_EQ(generatePassword(40).size(), 40u);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(generatePassword());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(GeneratePasswordTest, GeneratedPasswordsHashAndVerify) {
  const auto password = generatePassword();
  auto hash = hashPassword(password);
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(verifyPassword(password, *hash));
}

}  // namespace
}  // namespace parley::core::security
