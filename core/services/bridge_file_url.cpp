#include "core/services/bridge_file_url.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>

#include "core/common/hex.hpp"
#include "core/model/id.hpp"
#include "core/security/token.hpp"

namespace parley::core::services {
namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::string_view kSignedPrefix = "parley-bridge-file/v1\n";

Error invalidLink() {
  return makeError(ErrorCode::kPermissionDenied, "api.parley.bridge_file.invalid_link.app_error",
                   "The link to this file is not valid or has expired.");
}

Error fileNotFound() {
  return makeError(ErrorCode::kNotFound, "app.file_info.get.app_error",
                   "Unable to get the file info.");
}

// RFC 3986 unreserved characters stay; everything else (including '/', '?', '%') is escaped.
std::string percentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    }
  }
  return out;
}

}  // namespace

Result<std::string> bridgeFileKey(store::Store& store) {
  if (auto stored = store.system().get(kBridgeFileKeySetting); !stored) {
    return std::move(stored).error();
  } else if (*stored && (*stored)->size() == kKeyBytes * 2) {
    return hexDecode(**stored);
  }
  std::string key;
  const Status created = store.transaction([&key](store::Store& tx) -> Status {
    // Two nodes starting together: the second waits here and reads the first one's key.
    if (auto locked = tx.system().lock(kBridgeFileKeySetting); !locked) return locked;
    auto stored = tx.system().get(kBridgeFileKeySetting);
    if (!stored) return std::move(stored).error();
    if (*stored && (*stored)->size() == kKeyBytes * 2) {
      key = hexDecode(**stored);
      return {};
    }
    std::array<unsigned char, kKeyBytes> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      return makeError(ErrorCode::kInternal, "bridges.file_url.random",
                       "the random generator failed");
    }
    key.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return tx.system().set(kBridgeFileKeySetting, hexEncode(key));
  });
  if (!created) return std::move(created).error();
  return key;
}

std::string bridgeFileSignature(std::string_view key, const BridgeFileGrant& grant) {
  std::string text(kSignedPrefix);
  text += grant.linkId;
  text += '\n';
  text += grant.fileId;
  text += '\n';
  text += std::to_string(grant.expires);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data(), &length);
  return hexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

std::string bridgeFileUrl(std::string_view siteUrl, std::string_view key,
                          const BridgeFileGrant& grant, std::string_view name) {
  while (!siteUrl.empty() && siteUrl.back() == '/') siteUrl.remove_suffix(1);
  std::string url(siteUrl);
  url += kBridgeFileRoute;
  url += grant.fileId;
  url += '/';
  url += name.empty() ? std::string("file") : percentEncode(name);
  url += "?link=" + grant.linkId + "&exp=" + std::to_string(grant.expires) +
         "&sig=" + bridgeFileSignature(key, grant);
  return url;
}

Status checkBridgeFileGrant(std::string_view key, const BridgeFileGrant& grant,
                            std::string_view signature, std::int64_t nowSeconds) {
  if (key.empty() || !model::isValidId(grant.linkId) || !model::isValidId(grant.fileId)) {
    return invalidLink();
  }
  // Compared before the expiry so that the answer's timing says nothing about either.
  const bool genuine = security::constantTimeEquals(bridgeFileSignature(key, grant), signature);
  if (!genuine || grant.expires < nowSeconds) return invalidLink();
  return {};
}

Result<model::FileInfo> bridgeFileOfLink(store::Store& store, const BridgeFileGrant& grant) {
  auto link = store.bridges().getLink(grant.linkId);
  if (!link) {
    if (link.error().code == ErrorCode::kNotFound) return fileNotFound();
    return std::move(link).error();
  }
  if (!link->sendsOut()) return fileNotFound();
  auto info = store.files().get(grant.fileId);
  if (!info) {
    if (info.error().code == ErrorCode::kNotFound) return fileNotFound();
    return info;
  }
  if (info->isDeleted() || !info->isAttached() || info->channelId != link->channelId) {
    return fileNotFound();
  }
  auto post = store.posts().get(info->postId);
  if (!post) {
    if (post.error().code == ErrorCode::kNotFound) return fileNotFound();
    return std::move(post).error();
  }
  if (post->deleteAt != 0 || post->channelId != link->channelId) return fileNotFound();
  return info;
}

}  // namespace parley::core::services
