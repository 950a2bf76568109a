#include "bridges/matrix/registration.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace parley::bridges::matrix {
namespace {

constexpr std::size_t kTokenBytes = 32;

core::Error tokenError(const std::filesystem::path& file, const std::string& why) {
  return core::makeError(core::ErrorCode::kInvalidArgument, "bridges.matrix.tokens",
                         "bridges.matrix.token_file " + file.string() + ": " + why);
}

std::string randomHex() {
  std::array<unsigned char, kTokenBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : bytes) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0x0f]);
  }
  return out;
}

bool isToken(const std::string& text) {
  return text.size() >= 32 && text.size() <= 256 &&
         text.find_first_not_of("0123456789abcdefABCDEF_-.") == std::string::npos;
}

std::string escapeRegex(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (std::strchr("\\^$.|?*+()[]{}", c) != nullptr) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

core::Result<AppServiceTokens> readTokens(const std::filesystem::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) {
    return tokenError(file, std::string("cannot read it: ") + std::strerror(errno));
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return tokenError(file, "others can read it; chmod 600 it (it holds the AS tokens)");
  }
  YAML::Node node;
  try {
    node = YAML::LoadFile(file.string());
  } catch (const YAML::Exception&) {
    return tokenError(file, "not the YAML map of as_token and hs_token Parley writes");
  }
  AppServiceTokens tokens;
  if (node.IsMap() && node["as_token"] && node["hs_token"] && node["as_token"].IsScalar() &&
      node["hs_token"].IsScalar()) {
    tokens.asToken = node["as_token"].Scalar();
    tokens.hsToken = node["hs_token"].Scalar();
  }
  if (!isToken(tokens.asToken) || !isToken(tokens.hsToken) || tokens.asToken == tokens.hsToken) {
    return tokenError(file, "expected two different tokens as_token and hs_token");
  }
  return tokens;
}

}  // namespace

core::Result<AppServiceTokens> loadOrCreateTokens(const std::filesystem::path& file) {
  if (file.empty()) return tokenError(file, "no token file configured");
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return readTokens(file);
    return tokenError(file, std::string("cannot create it: ") + std::strerror(errno));
  }
  AppServiceTokens tokens{randomHex(), randomHex()};
  const std::string text =
      "# Parley's Matrix Application Service tokens: secrets, keep 0600.\n"
      "as_token: " +
      tokens.asToken + "\nhs_token: " + tokens.hsToken + "\n";
  const bool written = !tokens.asToken.empty() && !tokens.hsToken.empty() &&
                       ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    std::filesystem::remove(file);
    return tokenError(file, "cannot write the generated tokens");
  }
  return tokens;
}

std::string userNamespaceRegex(const core::config::MatrixBridgeConfig& config) {
  return "@" + escapeRegex(config.userPrefix) + ".*:" + escapeRegex(config.serverName);
}

std::string aliasNamespaceRegex(const core::config::MatrixBridgeConfig& config) {
  return "#" + escapeRegex(config.aliasPrefix) + ".*:" + escapeRegex(config.serverName);
}

std::string registrationYaml(const core::config::MatrixBridgeConfig& config,
                             const AppServiceTokens& tokens) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "id" << YAML::Value << config.id;
  out << YAML::Key << "url" << YAML::Value << config.url;
  out << YAML::Key << "as_token" << YAML::Value << tokens.asToken;
  out << YAML::Key << "hs_token" << YAML::Value << tokens.hsToken;
  out << YAML::Key << "sender_localpart" << YAML::Value << config.senderLocalpart;
  out << YAML::Key << "rate_limited" << YAML::Value << false;
  out << YAML::Key << "namespaces" << YAML::Value << YAML::BeginMap;
  for (const auto& [kind, regex] : {std::pair{"users", userNamespaceRegex(config)},
                                    std::pair{"aliases", aliasNamespaceRegex(config)}}) {
    out << YAML::Key << kind << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "exclusive" << YAML::Value << true;
    out << YAML::Key << "regex" << YAML::Value << YAML::SingleQuoted << regex;
    out << YAML::EndMap << YAML::EndSeq;
  }
  out << YAML::Key << "rooms" << YAML::Value << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace parley::bridges::matrix
