#include "gateway/api/version.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdio>

namespace parley::gateway::api {
namespace {

std::string md5Hex(const std::string& text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_md5(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    std::array<char, 3> byte{};
    std::snprintf(byte.data(), byte.size(), "%02x", digest[i]);
    hex += byte.data();
  }
  return hex;
}

}  // namespace

std::string versionId(const core::config::Config& config) {
  // The settings a client reads from /config/client; MD5 only as Mattermost uses it here, as a
  // change detector, not for security.
  const auto& s = config.security;
  const std::string clientVisible =
      config.server.siteUrl + '|' + std::to_string(s.enableOpenServer) +
      std::to_string(s.enableUserCreation) + std::to_string(s.enableGuestAccounts) +
      std::to_string(s.enableUserAccessTokens) + std::to_string(s.enableBotAccountCreation) + '|' +
      std::to_string(config.files.maxFileSize);
  return std::string(kMattermostApiVersion) + '.' + std::string(kBuildNumber) + '.' +
         md5Hex(clientVisible) + ".false";
}

}  // namespace parley::gateway::api
