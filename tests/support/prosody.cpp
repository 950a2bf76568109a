#include "tests/support/prosody.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/process.hpp"

namespace parley::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kStartTimeout = 30s;
constexpr auto kStopTimeout = 5s;
const std::filesystem::path kProsody = "/usr/bin/prosody";
const std::filesystem::path kProsodyctl = "/usr/bin/prosodyctl";

// A port nothing listens on now: bound to port 0 and released. Another process may take it
// before Prosody does; start() then fails loudly rather than talk to a stranger.
std::uint16_t freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  auto* raw = reinterpret_cast<sockaddr*>(&address);
  if (fd < 0 || ::bind(fd, raw, sizeof address) != 0 || ::getsockname(fd, raw, &length) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot find a free port for Prosody");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

// A Lua string literal.
std::string lua(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

bool acceptsConnections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

ProsodyServer::ProsodyServer(Options options) : options_(std::move(options)) {
  config_ = dir_.path() / "prosody.cfg.lua";
  c2sPort_ = freePort();
  componentPort_ = freePort();
  std::filesystem::create_directories(dir_.path() / "data");
  writeConfig();
  for (const auto& [user, password] : options_.users) {
    const auto registered =
        run(kProsodyctl, {"--config", config_.string(), "register", user, "localhost", password});
    if (registered.exitCode != 0) {
      throw std::runtime_error("prosodyctl register " + user + " failed:\n" + registered.out +
                               registered.err);
    }
  }
  start();
}

ProsodyServer::~ProsodyServer() { stop(); }

void ProsodyServer::writeConfig() const {
  const std::string dir = dir_.path().string();
  std::ostringstream cfg;
  // Prosody refuses to run as root unless told; tests in containers often are root.
  cfg << "run_as_root = " << (::geteuid() == 0 ? "true" : "false") << "\n"
      << "pidfile = " << lua(dir + "/prosody.pid") << "\n"
      << "data_path = " << lua(dir + "/data") << "\n"
      << "certificates = " << lua(dir) << "\n"
      << "log = { { levels = { min = \"info\" }, to = \"file\", filename = "
      << lua(dir + "/prosody.log") << " } }\n"
      << "interfaces = { \"127.0.0.1\" }\n"
      << "local_interfaces = { \"127.0.0.1\" }\n"
      << "component_interfaces = { \"127.0.0.1\" }\n"
      << "c2s_ports = { " << c2sPort_ << " }\n"
      << "component_ports = { " << componentPort_ << " }\n"
      << "c2s_direct_tls_ports = { }\n"
      << "s2s_ports = { }\n"
      << "c2s_require_encryption = false\n"
      << "allow_unencrypted_plain_auth = true\n"
      << "authentication = \"internal_hashed\"\n"
      << "storage = \"internal\"\n"
      << "modules_enabled = { \"roster\", \"saslauth\", \"disco\", \"ping\", \"time\", "
         "\"version\" }\n"
      << "modules_disabled = { \"s2s\", \"offline\" }\n"
      << "VirtualHost \"localhost\"\n"
      << "Component " << lua(options_.componentDomain) << "\n"
      << "  component_secret = " << lua(options_.componentSecret) << "\n";
  std::ofstream(config_) << cfg.str();
}

void ProsodyServer::start() {
  if (pid_ > 0) return;
  for (const auto port : {c2sPort_, componentPort_}) {
    if (acceptsConnections(port)) {
      throw std::runtime_error("port " + std::to_string(port) +
                               " is already taken; Prosody was not started");
    }
  }
  // setpriv execs Prosody (same pid) with a parent-death signal: it dies with the test process
  // whatever happens to that.
  pid_ = spawnInBackground(
      "/usr/bin/setpriv",
      {"--pdeathsig", "KILL", kProsody.string(), "--config", config_.string(), "-F"}, {},
      dir_.path() / "stdout", dir_.path() / "stderr");
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (true) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("Prosody exited at start:\n" + log());
    }
    if (acceptsConnections(c2sPort_) && acceptsConnections(componentPort_)) {
      return;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error("Prosody did not listen within 30 s:\n" + log());
    }
    std::this_thread::sleep_for(20ms);
  }
}

void ProsodyServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) != pid_) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  pid_ = -1;
}

std::string ProsodyServer::log() const {
  std::ifstream in(dir_.path() / "prosody.log");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace parley::testing
