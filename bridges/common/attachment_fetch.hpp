#pragma once
// What fetching one attachment of an inbound message may do and what it gave: the limits of a
// bridge (file_fetcher.hpp fetches plain HTTP(S) URLs with them) and, for a bridge whose file
// URLs are not plain HTTP(S) (Matrix's mxc:// URIs, downloaded from the homeserver with the
// AS token), the fetcher it gives the ingress pipeline instead (Bridge::attachmentFetcher()).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "core/model/canonical_message.hpp"

namespace parley::bridges {

struct FetchLimits {
  std::uint64_t maxBytes = 100ull * 1024 * 1024;
  std::chrono::milliseconds timeout{60000};
  bool allowHttp = false;
  bool allowPrivateAddresses = false;
  int maxRedirects = 3;
};

struct FetchResult {
  enum class Outcome { kFetched, kTooLarge, kRefused, kFailed } outcome = Outcome::kFailed;
  std::string bytes;       // kFetched: the body
  std::uint64_t size = 0;  // kFetched: bytes.size(); kTooLarge: the announced size, 0 = unknown
  std::string error;       // kRefused / kFailed: why, without the URL's query string
};

// Fetches `file` (its url, in the bridge's own form) with at most limits.maxBytes. Blocking:
// the pipeline calls it on its fetch threads, outside any transaction, possibly on several at
// once and after the bridge stopped (it must not depend on the bridge object living).
using AttachmentFetcher =
    std::function<FetchResult(const core::model::FileRef& file, const FetchLimits& limits)>;

}  // namespace parley::bridges
