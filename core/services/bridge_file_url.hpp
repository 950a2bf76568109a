#pragma once
// Capability URLs for the attachments a bridge sends out (issue 6, xmpp.md §8.1): a partner's
// client cannot authenticate to Parley, so each file of a bridged post travels as a URL that
// carries its own authorisation for one link:
//
//   <site_url>/api/v4/parley/bridge_files/<file id>/<name>?link=<link id>&exp=<unix s>&sig=<hex>
//
// sig = HMAC-SHA256(key, "parley-bridge-file/v1\n<link id>\n<file id>\n<exp>"). The key is 32
// random bytes created once and kept in the database (Systems key kBridgeFileKeySetting), so
// every node of a cluster signs and checks alike and a restart invalidates nothing. The name in
// the path is only for the client's display: the response names the file from its FileInfo.
//
// Serving a URL checks, in this order: the signature and the expiry (one 403 for both, whatever
// the file: a forged or stale URL learns nothing), then that the link still exists and still
// sends out and that the file is attached to a post of the link's channel that is not deleted
// (404 otherwise). The boundary guard's file.egress decision was taken when the post was
// drained: only files it permitted ever get a URL.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/model/file_info.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

// Systems key of the signing key (hex).
inline constexpr std::string_view kBridgeFileKeySetting = "parley_bridge_file_url_key";
// How long a URL works. A week, as Prosody's own XEP-0363 links (mod_http_file_share's default
// expiry): partners' clients fetch a file when they show the message, which for a client that
// was offline or reads the room's history later can be days after it was sent; a shorter life
// would break those messages, a longer one keeps a leaked URL useful longer. Deleting the post
// or the link revokes the URL at once whatever its expiry.
inline constexpr std::chrono::seconds kBridgeFileUrlLifetime{std::chrono::hours(24 * 7)};
// The route's prefix (gateway/api/bridge_files.cpp serves kBridgeFileRoute + "{file_id}/{name}").
inline constexpr std::string_view kBridgeFileRoute = "/api/v4/parley/bridge_files/";

// The signing key (raw bytes): read, or created under a lock on first use so that concurrent
// nodes agree on one. Call inside a database job (it opens its own transaction).
Result<std::string> bridgeFileKey(store::Store& store);

// What a URL grants: one file, over one link, until `expires` (Unix seconds).
struct BridgeFileGrant {
  std::string linkId;
  std::string fileId;
  std::int64_t expires = 0;
};

// Lower-case hex HMAC-SHA256 of the grant.
std::string bridgeFileSignature(std::string_view key, const BridgeFileGrant& grant);

// The URL of a grant under `siteUrl` (its trailing '/' ignored); `name` is percent-encoded
// into the path ("file" when empty).
std::string bridgeFileUrl(std::string_view siteUrl, std::string_view key,
                          const BridgeFileGrant& grant, std::string_view name);

// The grant with this signature is genuine and not expired at `nowSeconds`; otherwise 403
// "api.parley.bridge_file.invalid_link.app_error" (the same error for a bad signature, an
// expired one or malformed parameters).
Status checkBridgeFileGrant(std::string_view key, const BridgeFileGrant& grant,
                            std::string_view signature, std::int64_t nowSeconds);

// The file a checked grant names, if the link exists and sends out and the file is attached to
// a post in the link's channel and not deleted; 404 "app.file_info.get.app_error" otherwise.
Result<model::FileInfo> bridgeFileOfLink(store::Store& store, const BridgeFileGrant& grant);

}  // namespace parley::core::services
