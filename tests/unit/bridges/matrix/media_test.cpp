// The Matrix bridge's media rules (bridges/matrix/media.hpp): the homeserver's upload limit as
// read from its media config and kept for a while, what a download's answer becomes for the
// ingress pipeline, and when the legacy media route is the one to use.

#include "bridges/matrix/media.hpp"

#include <gtest/gtest.h>

namespace parley::bridges::matrix {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(UploadLimitOf, ReadsMUploadSizeAndNothingElse) {
  EXPECT_EQ(uploadLimitOf(json::parse(R"({"m.upload.size": 50000000})")), 50000000u);
  EXPECT_EQ(uploadLimitOf(json::parse(R"({})")), std::nullopt);  // the spec: unknown
  EXPECT_EQ(uploadLimitOf(json::parse(R"({"m.upload.size": null})")), std::nullopt);
  EXPECT_EQ(uploadLimitOf(json::parse(R"({"m.upload.size": 0})")), std::nullopt);
  EXPECT_EQ(uploadLimitOf(json::parse(R"({"m.upload.size": -1})")), std::nullopt);
  EXPECT_EQ(uploadLimitOf(json::parse(R"({"m.upload.size": "10MB"})")), std::nullopt);
  EXPECT_EQ(uploadLimitOf(json::parse(R"({"m.upload.size": 1.5})")), std::nullopt);
  EXPECT_EQ(uploadLimitOf(json::parse(R"([1])")), std::nullopt);
}

TEST(UploadLimitCache, ReadFirstThenKeptForItsTimeToLive) {
  UploadLimitCache cache(1h, 1min);
  EXPECT_TRUE(cache.due(0));
  EXPECT_FALSE(cache.overLimit(1ull << 40));  // unknown: every file is tried
  cache.remember(1000, 5000);
  EXPECT_FALSE(cache.due(5000 + 3599999));
  EXPECT_TRUE(cache.due(5000 + 3600000));
  EXPECT_FALSE(cache.overLimit(1000));
  EXPECT_TRUE(cache.overLimit(1001));
  cache.remember(std::nullopt, 10000);  // a server that names no limit
  EXPECT_FALSE(cache.overLimit(1ull << 40));
}

TEST(UploadLimitCache, AFailedReadKeepsTheLastLimitAndIsRetriedSooner) {
  UploadLimitCache cache(1h, 1min);
  cache.remember(1000, 0);
  cache.failed(3600000);
  EXPECT_EQ(cache.limit(), 1000u);
  EXPECT_FALSE(cache.due(3600000 + 59999));
  EXPECT_TRUE(cache.due(3600000 + 60000));
  cache.remember(2000, 3660000);
  EXPECT_FALSE(cache.due(3660000 + 60000));
  EXPECT_EQ(cache.limit(), 2000u);
}

TEST(UploadLimitCache, ARefusedUploadLowersTheLimitUntilTheNextReading) {
  UploadLimitCache cache(1h, 1min);
  cache.refused(500);  // no limit known: now below 500
  EXPECT_TRUE(cache.overLimit(500));
  EXPECT_FALSE(cache.overLimit(499));
  cache.remember(100, 0);
  cache.refused(500);  // already lower: kept
  EXPECT_EQ(cache.limit(), 100u);
  cache.remember(std::nullopt, 1);
  cache.refused(0);
  EXPECT_EQ(cache.limit(), std::nullopt);
}

HsReply answer(unsigned status, std::string errcode = {}) {
  HsReply reply;
  reply.status = status;
  reply.kind = status >= 200 && status < 300 ? HsReply::Kind::kOk
               : status >= 500               ? HsReply::Kind::kRetry
                                             : HsReply::Kind::kRejected;
  reply.errcode = std::move(errcode);
  reply.error = "GET /x: " + std::to_string(status);
  return reply;
}

TEST(FetchResultOf, BytesTooLargeOrFailed) {
  HsReply ok = answer(200);
  ok.bytes = "abc";
  FetchResult fetched = fetchResultOf(ok);
  EXPECT_EQ(fetched.outcome, FetchResult::Outcome::kFetched);
  EXPECT_EQ(fetched.bytes, "abc");
  EXPECT_EQ(fetched.size, 3u);

  HsReply big = answer(413);
  big.announcedSize = 123456;
  EXPECT_EQ(fetchResultOf(big).outcome, FetchResult::Outcome::kTooLarge);
  EXPECT_EQ(fetchResultOf(big).size, 123456u);
  EXPECT_EQ(fetchResultOf(answer(400, "M_TOO_LARGE")).outcome, FetchResult::Outcome::kTooLarge);

  const FetchResult missing = fetchResultOf(answer(404, "M_NOT_FOUND"));
  EXPECT_EQ(missing.outcome, FetchResult::Outcome::kFailed);
  EXPECT_EQ(missing.error, "GET /x: 404");
  HsReply offline;  // no answer at all
  EXPECT_EQ(fetchResultOf(offline).outcome, FetchResult::Outcome::kFailed);
  EXPECT_FALSE(fetchResultOf(offline).error.empty());
}

TEST(LegacyMediaFallback, OnlyWhenTheServerDoesNotKnowTheRoute) {
  EXPECT_TRUE(HomeserverClient::legacyMediaFallback(answer(404, "M_UNRECOGNIZED")));
  EXPECT_TRUE(HomeserverClient::legacyMediaFallback(answer(404, "M_NOT_FOUND")));
  EXPECT_TRUE(HomeserverClient::legacyMediaFallback(answer(405)));
  EXPECT_TRUE(HomeserverClient::legacyMediaFallback(answer(400, "M_UNRECOGNIZED")));
  EXPECT_FALSE(HomeserverClient::legacyMediaFallback(answer(200)));
  EXPECT_FALSE(HomeserverClient::legacyMediaFallback(answer(401, "M_UNKNOWN_TOKEN")));
  EXPECT_FALSE(HomeserverClient::legacyMediaFallback(answer(413)));
  EXPECT_FALSE(HomeserverClient::legacyMediaFallback(answer(429, "M_LIMIT_EXCEEDED")));
  EXPECT_FALSE(HomeserverClient::legacyMediaFallback(answer(502)));
  EXPECT_FALSE(HomeserverClient::legacyMediaFallback(HsReply{}));  // unreachable
}

}  // namespace
}  // namespace parley::bridges::matrix
