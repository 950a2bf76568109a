// The capability URLs of bridged files (core/services/bridge_file_url.hpp): what a URL grants is
// exactly one file over one link until its expiry; any change to it, or another key, fails the
// check with one and the same error.

#include <gtest/gtest.h>

#include "core/services/bridge_file_url.hpp"

namespace parley::core::services {
namespace {

const std::string kKey(32, '\x5a');
constexpr std::int64_t kNow = 1'800'000'000;

BridgeFileGrant grant() {
  return BridgeFileGrant{"lnk4ut3xgfbkfq8cpm1nrziwbo", "fil5yb3xgfbkfq8cpm1nrziwbo", kNow + 60};
}

void expectRefused(const Status& status) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(status.error().id, "api.parley.bridge_file.invalid_link.app_error");
}

TEST(BridgeFileUrl, NamesTheFileTheLinkTheExpiryAndTheSignature) {
  const std::string url = bridgeFileUrl("https://chat.example.org/", kKey, grant(), "q3 plan.pdf");
  EXPECT_EQ(url,
            "https://chat.example.org/api/v4/parley/bridge_files/fil5yb3xgfbkfq8cpm1nrziwbo/"
            "q3%20plan.pdf?link=lnk4ut3xgfbkfq8cpm1nrziwbo&exp=" +
                std::to_string(kNow + 60) + "&sig=" + bridgeFileSignature(kKey, grant()));
  EXPECT_EQ(bridgeFileSignature(kKey, grant()).size(), 64u);
}

TEST(BridgeFileUrl, EscapesEverythingButUnreservedCharactersInTheName) {
  const std::string url = bridgeFileUrl("http://h", kKey, grant(), "a/b?c#d%e&f\xc3\xa9.txt");
  EXPECT_NE(url.find("/a%2Fb%3Fc%23d%25e%26f%C3%A9.txt?link="), std::string::npos) << url;
  EXPECT_NE(bridgeFileUrl("http://h", kKey, grant(), "").find("/file?link="), std::string::npos);
}

TEST(BridgeFileGrantCheck, AcceptsTheGenuineGrantUntilItExpires) {
  const std::string sig = bridgeFileSignature(kKey, grant());
  EXPECT_TRUE(checkBridgeFileGrant(kKey, grant(), sig, kNow).ok());
  EXPECT_TRUE(checkBridgeFileGrant(kKey, grant(), sig, kNow + 60).ok());
  expectRefused(checkBridgeFileGrant(kKey, grant(), sig, kNow + 61));
}

TEST(BridgeFileGrantCheck, RefusesATamperedSignature) {
  std::string sig = bridgeFileSignature(kKey, grant());
  sig[10] = sig[10] == 'a' ? 'b' : 'a';
  expectRefused(checkBridgeFileGrant(kKey, grant(), sig, kNow));
  expectRefused(checkBridgeFileGrant(kKey, grant(), "", kNow));
  expectRefused(checkBridgeFileGrant(kKey, grant(), sig.substr(0, 32), kNow));
}

TEST(BridgeFileGrantCheck, ASignatureCoversOneFileOneLinkAndOneExpiry) {
  const std::string sig = bridgeFileSignature(kKey, grant());
  BridgeFileGrant otherFile = grant();
  otherFile.fileId = "oth5yb3xgfbkfq8cpm1nrziwbo";
  expectRefused(checkBridgeFileGrant(kKey, otherFile, sig, kNow));
  BridgeFileGrant otherLink = grant();
  otherLink.linkId = "oth4ut3xgfbkfq8cpm1nrziwbo";
  expectRefused(checkBridgeFileGrant(kKey, otherLink, sig, kNow));
  BridgeFileGrant later = grant();
  later.expires += 3600;
  expectRefused(checkBridgeFileGrant(kKey, later, sig, kNow));
}

TEST(BridgeFileGrantCheck, RefusesAnotherKeyAndMalformedGrants) {
  const std::string sig = bridgeFileSignature(kKey, grant());
  expectRefused(checkBridgeFileGrant(std::string(32, '\x01'), grant(), sig, kNow));
  expectRefused(checkBridgeFileGrant("", grant(), bridgeFileSignature("", grant()), kNow));
  BridgeFileGrant bad = grant();
  bad.fileId = "../../etc/passwd";
  expectRefused(checkBridgeFileGrant(kKey, bad, bridgeFileSignature(kKey, bad), kNow));
  BridgeFileGrant noExpiry = grant();
  noExpiry.expires = -1;
  expectRefused(checkBridgeFileGrant(kKey, noExpiry, bridgeFileSignature(kKey, noExpiry), kNow));
}

}  // namespace
}  // namespace parley::core::services
