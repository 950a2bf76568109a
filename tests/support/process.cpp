#include "tests/support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

extern char** environ;

namespace parley::testing {
namespace {

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

pid_t spawn(const std::filesystem::path& program, const std::vector<std::string>& args,
            const Environment& env, const std::filesystem::path& out,
            const std::filesystem::path& err) {
  std::vector<std::string> argStrings{program.string()};
  argStrings.insert(argStrings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argStrings) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos) merged[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [key, value] : env) merged[key] = value;
  std::vector<std::string> envStrings;
  for (const auto& [key, value] : merged) envStrings.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& e : envStrings) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + program.string());
  return pid;
}

// Waits for `pid` up to `timeout`; kills it after that. Returns the exit code or nullopt.
std::optional<int> waitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return std::nullopt;
}

}  // namespace

pid_t spawnInBackground(const std::filesystem::path& program, const std::vector<std::string>& args,
                        const Environment& env, const std::filesystem::path& out,
                        const std::filesystem::path& err) {
  return spawn(program, args, env, out, err);
}

std::filesystem::path parleydPath() {
  return std::filesystem::path(PARLEY_BINARY_DIR) / "gateway" / "parleyd";
}

CommandResult run(const std::filesystem::path& program, const std::vector<std::string>& args,
                  const Environment& env, std::chrono::milliseconds timeout) {
  TempDir dir("parley-run");
  const auto out = dir.path() / "stdout";
  const auto err = dir.path() / "stderr";
  const pid_t pid = spawn(program, args, env, out, err);
  const auto code = waitFor(pid, timeout);
  return {code.value_or(-1), readFile(out), readFile(err)};
}

ParleydServer::ParleydServer(const std::filesystem::path& config, const Environment& env,
                             std::chrono::milliseconds timeout)
    : dir_("parleyd") {
  pid_ = spawn(parleydPath(), {"serve", "--config", config.string()}, env, dir_.path() / "stdout",
               dir_.path() / "stderr");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::istringstream lines(log());
    std::string line;
    while (std::getline(lines, line)) {
      const auto json = nlohmann::json::parse(line, nullptr, false);
      if (json.is_object() && json.value("msg", "") == "listening") {
        port_ = json.value("port", std::uint16_t{0});
        return;
      }
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("parleyd exited before listening:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop(SIGKILL, std::chrono::seconds(5));
  throw std::runtime_error("parleyd did not listen in time:\n" + log());
}

ParleydServer::~ParleydServer() {
  if (pid_ > 0) stop(SIGKILL, std::chrono::seconds(5));
}

std::string ParleydServer::url(bool tls) const {
  return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

std::optional<int> ParleydServer::stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  ::kill(pid_, signal);
  const auto code = waitFor(pid_, timeout);
  pid_ = -1;
  return code;
}

std::string ParleydServer::log() const { return readFile(dir_.path() / "stderr"); }

}  // namespace parley::testing
