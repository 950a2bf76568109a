#pragma once
// Runs the real parleyd binary from tests: one-shot commands (run) and a long-running server
// (ParleydServer) whose JSON log lines on stderr are read to learn its port.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace parley::testing {

using Environment = std::map<std::string, std::string>;

// The parleyd built alongside the tests.
std::filesystem::path parleydPath();

struct CommandResult {
  int exitCode = -1;  // -1 when killed by a signal or timed out
  std::string out;
  std::string err;
};

// Runs `program args...` with the current environment plus `env`, waits at most `timeout`.
CommandResult run(const std::filesystem::path& program, const std::vector<std::string>& args,
                  const Environment& env = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Starts `program args...` in the background (the current environment plus `env`, stdin from
// /dev/null, stdout and stderr to the files given) and returns its pid; throws if it cannot.
pid_t spawnInBackground(const std::filesystem::path& program, const std::vector<std::string>& args,
                        const Environment& env, const std::filesystem::path& out,
                        const std::filesystem::path& err);

// A running `parleyd serve --config <config>`.
class ParleydServer {
 public:
  // Starts the server and waits until it logs that it listens. Throws if it exits or does not
  // listen within `timeout` (the exception message carries its stderr).
  ParleydServer(const std::filesystem::path& config, const Environment& env = {},
                std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~ParleydServer();
  ParleydServer(const ParleydServer&) = delete;
  ParleydServer& operator=(const ParleydServer&) = delete;

  std::uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port>" (https when `tls`).
  std::string url(bool tls = false) const;
  pid_t pid() const { return pid_; }

  // Sends `signal` and waits for exit; returns the exit code, or nullopt if it had to be
  // killed after `timeout` or died of a signal.
  std::optional<int> stop(int signal, std::chrono::milliseconds timeout);
  // Everything the server wrote to stderr so far.
  std::string log() const;

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace parley::testing
