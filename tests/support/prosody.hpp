#pragma once
// A real Prosody (the Debian package's /usr/bin/prosody) for tests, started by the harness in a
// temporary directory and never as a system service (xmpp.md §10): a generated config with
// loopback-only c2s and component ports picked free at start, plaintext logins, one
// virtual host "localhost" with the users asked for (registered with prosodyctl), and one
// XEP-0114 component domain for Parley. The server runs in the foreground (-F) so the pid is
// the server's; it is stopped with SIGTERM (SIGKILL after 5 s) when the object dies.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace parley::testing {

class ProsodyServer {
 public:
  struct Options {
    std::string componentDomain = "mattermost.localhost";
    std::string componentSecret = "component-secret";
    std::vector<std::pair<std::string, std::string>> users;  // (localpart, password) @localhost
  };

  // Renders the config, registers the users and starts the server; throws with the server's
  // log if it does not accept connections on all its ports within 30 s.
  explicit ProsodyServer(Options options);
  ~ProsodyServer();
  ProsodyServer(const ProsodyServer&) = delete;
  ProsodyServer& operator=(const ProsodyServer&) = delete;

  // Stops the server (SIGTERM, then SIGKILL after 5 s); start() brings it back on the same
  // ports with the same data.
  void stop();
  void start();

  bool running() const { return pid_ > 0; }
  std::uint16_t c2sPort() const { return c2sPort_; }
  std::uint16_t componentPort() const { return componentPort_; }
  const Options& options() const { return options_; }
  const std::filesystem::path& configFile() const { return config_; }
  // The server's log file so far.
  std::string log() const;

 private:
  void writeConfig() const;

  Options options_;
  TempDir dir_{"parley-prosody"};
  std::filesystem::path config_;
  std::uint16_t c2sPort_ = 0;
  std::uint16_t componentPort_ = 0;
  pid_t pid_ = -1;
};

// True when something accepts TCP connections on 127.0.0.1:port.
bool acceptsConnections(std::uint16_t port);

}  // namespace parley::testing
