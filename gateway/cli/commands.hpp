#pragma once
// The `parleyd` subcommands. Each returns the process exit code; main.cpp only parses the
// command line and dispatches here.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"

namespace parley::gateway::cli {

// Exit codes shared by every subcommand, documented in `parleyd --help`.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,             // the command ran and something failed
  kExitUsage = 2,               // bad command line or invalid configuration
  kExitAlreadyInitialised = 3,  // init-admin: an administrator exists; nothing changed
};

// Loads and validates the configuration; on problems prints each as "file:line: message" on
// stderr and returns nullopt. Applies the configured log level.
std::optional<core::config::Config> loadConfigOrReport(const std::filesystem::path& file);

int checkConfig(const std::filesystem::path& file);
int serve(const core::config::Config& config);
int migrate(const core::config::Config& config);

struct InitAdminOptions {
  std::string username = "admin";
  std::string email = "admin@localhost";
  std::optional<std::filesystem::path> passwordFile;  // otherwise a password is generated
};
int initAdmin(const core::config::Config& config, const InitAdminOptions& options);

struct VerifyOptions {
  std::optional<std::string> url;  // default: the configured listen address
  bool verifyTls = true;
};
int verify(const core::config::Config& config, const VerifyOptions& options);

// `parleyd policy test|check|explain ...`: exit 0 when the files load (and every test passes),
// 1 when a test or property fails, 2 on a load error (its "file:line: message" on stderr) or a
// bad command line.
int policy(const std::vector<std::string>& args);

// `parleyd attributes set (--user USERNAME | --channel TEAM/CHANNEL) NAME=VALUE...`: policy
// attributes through core/services/policy_attribute_service (validated and audited as the API
// does). Exit 0 when set, 1 on a failure or a refusal, 2 on bad usage or a value the API would
// refuse (nothing changed).
struct AttributesOptions {
  std::string command;                   // "set"
  std::string user;                      // username
  std::string channel;                   // "team/channel"
  std::string as;                        // act as this admin (username); "" = the operator
  std::vector<std::string> assignments;  // NAME=VALUE
};
extern const char* const kAttributesUsage;
int attributes(const core::config::Config& config, const AttributesOptions& options);

// `parleyd matrix registration [--output FILE]`: the Matrix Application Service registration
// for bridges.matrix (tokens generated once into its token_file and kept). Exit 0 when written,
// 1 when the tokens cannot be read or made, 2 on bad usage or without bridges.matrix.
int matrix(const core::config::Config& config, const std::vector<std::string>& args,
           const std::optional<std::string>& output);

}  // namespace parley::gateway::cli
