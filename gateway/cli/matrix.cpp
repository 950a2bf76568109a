// `parleyd matrix registration`: what a homeserver administrator installs to make Parley one of
// its Application Services (bridges/matrix/registration.hpp).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "bridges/matrix/registration.hpp"
#include "gateway/cli/commands.hpp"

namespace parley::gateway::cli {

int matrix(const core::config::Config& config, const std::vector<std::string>& args,
           const std::optional<std::string>& output) {
  if (args.size() != 1 || args.front() != "registration") {
    std::cerr << "Usage: parleyd matrix registration [--output FILE] [--config FILE]\n";
    return kExitUsage;
  }
  if (!config.matrix) {
    std::cerr << "parleyd matrix registration: " << config.sourceFile.string()
              << " has no bridges.matrix section\n";
    return kExitUsage;
  }
  auto tokens = bridges::matrix::loadOrCreateTokens(config.matrix->tokenFile);
  if (!tokens) {
    std::cerr << "parleyd matrix registration: " << tokens.error().message << "\n";
    return kExitFailure;
  }
  const std::string yaml = bridges::matrix::registrationYaml(*config.matrix, tokens.value());
  if (!output) {
    std::cout << yaml;
    return kExitOk;
  }
  // The registration holds both tokens: never readable by others.
  const int fd = ::open(output->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::fchmod(fd, 0600) != 0 ||
      ::write(fd, yaml.data(), yaml.size()) != static_cast<ssize_t>(yaml.size())) {
    if (fd >= 0) ::close(fd);
    std::cerr << "parleyd matrix registration: cannot write " << *output << "\n";
    return kExitFailure;
  }
  ::close(fd);
  std::cerr << "registration written to " << *output << "\n";
  return kExitOk;
}

}  // namespace parley::gateway::cli
