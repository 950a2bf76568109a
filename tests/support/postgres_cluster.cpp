#include "tests/support/postgres_cluster.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace parley::testing {
namespace {

std::string scriptPath() { return std::string(PARLEY_SOURCE_DIR) + "/scripts/pg-cluster"; }

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string readFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct PgConnCloser {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
struct PgResultCloser {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};

}  // namespace

PostgresCluster::PostgresCluster() : dir_("parley-pg") {}

PostgresCluster::~PostgresCluster() {
  try {
    if (!dsn_.empty()) stop();
  } catch (const std::exception&) {
    // The watchdog below retries the stop.
  }
  if (watchdogFd_ >= 0) {
    ::close(watchdogFd_);  // EOF tells the watchdog to clean up now
    int status = 0;
    while (::waitpid(watchdogPid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

std::string PostgresCluster::runScript(const std::string& command) {
  const auto errors = dir_.path() / "harness-errors.log";
  const std::string line = "PARLEY_PG_FAST=1 " + quoted(scriptPath()) + " " + command + " " +
                           quoted(dir_.path().string()) + " 2>" + quoted(errors.string());
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(line.c_str(), "r"), ::pclose);
  if (!pipe) throw std::runtime_error("cannot run " + scriptPath());
  std::string out;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) out += buffer;
  const int status = ::pclose(pipe.release());
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("scripts/pg-cluster " + command + " failed: " + readFile(errors));
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

void PostgresCluster::start() {
  if (watchdogFd_ < 0) startWatchdog();
  dsn_ = runScript("start");
  if (dsn_.rfind("postgresql:///parley?", 0) != 0) {
    throw std::runtime_error("scripts/pg-cluster start printed an unexpected line: " + dsn_);
  }
}

void PostgresCluster::stop() { runScript("stop"); }

std::string PostgresCluster::createDatabase(const std::string& name) {
  if (name.empty() ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    throw std::runtime_error("createDatabase: bad database name " + name);
  }
  std::unique_ptr<PGconn, PgConnCloser> conn(PQconnectdb(dsn_.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error(std::string("createDatabase: ") + PQerrorMessage(conn.get()));
  }
  for (const std::string& sql :
       {std::string("SET client_min_messages = warning"),
        "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)", "CREATE DATABASE " + name}) {
    std::unique_ptr<PGresult, PgResultCloser> result(PQexec(conn.get(), sql.c_str()));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      throw std::runtime_error("createDatabase: " + sql + ": " +
                               PQresultErrorMessage(result.get()));
    }
  }
  return "postgresql:///" + name + dsn_.substr(std::string("postgresql:///parley").size());
}

PostgresCluster& PostgresCluster::shared() {
  static PostgresCluster cluster;
  if (cluster.dsn_.empty()) cluster.start();
  return cluster;
}

void PostgresCluster::startWatchdog() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  // Everything the child needs is prepared before fork(): after it, only async-signal-safe
  // calls are allowed in a multi-threaded process.
  const std::string cleanup = quoted(scriptPath()) + " stop " + quoted(dir_.path().string()) +
                              "; rm -rf " + quoted(dir_.path().string());
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(fds[0], 0);
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    // Holding no other descriptor: neither another watchdog's pipe nor the test runner's.
    ::close_range(3, ~0U, 0);
    char byte = 0;
    for (;;) {
      const ssize_t n = ::read(0, &byte, 1);
      if (n == 0 || (n < 0 && errno != EINTR)) break;
    }
    ::execl("/bin/sh", "sh", "-c", cleanup.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[0]);
  watchdogFd_ = fds[1];
  watchdogPid_ = pid;
}

}  // namespace parley::testing
