#pragma once
// A real PostgreSQL for tests: a private cluster in a temporary directory, started through
// scripts/pg-cluster with PARLEY_PG_FAST=1 (fsync off), listening on a Unix socket only.
//
// One cluster per test executable is the intended use (shared()); each test case that needs a
// clean slate asks for its own database with createDatabase(). Tests that stop the server (the
// reconnection test) make their own PostgresCluster.
//
// If the test process dies without running destructors, a watchdog child process notices and
// stops the server and removes its directory, so no postgres is left behind.

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "tests/support/temp_dir.hpp"

namespace parley::testing {

class PostgresCluster {
 public:
  PostgresCluster();   // creates the directory; does not start the server
  ~PostgresCluster();  // stops the server and removes everything
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  // Creates the cluster on first call, starts the server (again, on the same port, after
  // stop()) and waits until it accepts connections. Throws std::runtime_error carrying the
  // script's error output on failure.
  void start();
  // Fast shutdown; connections are cut. Throws std::runtime_error on failure.
  void stop();

  // libpq URI of the database "parley": postgresql:///parley?host=<dir>/socket&port=<p>&user=parley
  const std::string& dsn() const { return dsn_; }
  const std::filesystem::path& directory() const { return dir_.path(); }

  // Drops database `name` if it exists (disconnecting its users), creates it empty and returns
  // its URI. `name`: lower-case letters, digits and '_'. Throws std::runtime_error on failure.
  std::string createDatabase(const std::string& name);

  // The cluster of this test executable, started on first use, stopped at exit.
  static PostgresCluster& shared();

 private:
  std::string runScript(const std::string& command);
  void startWatchdog();

  TempDir dir_;
  std::string dsn_;
  int watchdogFd_ = -1;
  pid_t watchdogPid_ = -1;
};

}  // namespace parley::testing
