#include "core/store/postgres/connection.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>
#include <vector>

#include "core/common/log.hpp"

namespace parley::core::store::postgres {
namespace {

constexpr std::string_view kComponent = "store";

// libpq's default notice processor prints to stderr, which would break our one-JSON-object-per-
// line log format. Notices (e.g. "relation already exists, skipping") go to the debug log.
void logNotice(void* /*arg*/, const char* message) noexcept {
  try {
    std::string_view text(message);
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    log::debug(kComponent, "server notice", {{"notice", std::string(text)}});
  } catch (...) {
    // Nothing may escape into libpq.
  }
}

std::string trimmed(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::int64_t Rows::affected() const {
  const char* tuples = PQcmdTuples(result_.get());
  std::int64_t value = 0;
  std::from_chars(tuples, tuples + std::strlen(tuples), value);
  return value;
}

std::int64_t Rows::int64(int row, int col) const {
  const auto value = text(row, col);
  std::int64_t number = 0;
  std::from_chars(value.data(), value.data() + value.size(), number);
  return number;
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& dsn,
                                                     const ConnectOptions& options) {
  // Our defaults come first; the DSN (expanded from "dbname") may override them.
  const std::string timeoutSeconds =
      std::to_string(std::max<long long>(1, (options.connectTimeout.count() + 999) / 1000));
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {timeoutSeconds.c_str(), options.applicationName.c_str(), dsn.c_str(),
                          nullptr};
  PgConnPtr conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (!conn) return unavailableError("out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    // libpq's message names the host and the problem, never the password.
    return unavailableError(trimmed(PQerrorMessage(conn.get())));
  }
  std::unique_ptr<Connection> connection(new Connection(std::move(conn), options.notified));
  PQsetNoticeReceiver(connection->conn_.get(), &Connection::receiveNotice, connection.get());

  // Session settings: UTC so timestamps never depend on the server's zone; a statement
  // timeout so a stuck query cannot hold a worker forever.
  std::string setup = "SET TIME ZONE 'UTC'";
  if (options.statementTimeout.count() > 0) {
    setup += "; SET statement_timeout = " + std::to_string(options.statementTimeout.count());
  }
  for (const auto& channel : options.listen) {
    char* quoted = PQescapeIdentifier(connection->raw(), channel.data(), channel.size());
    if (quoted == nullptr) return unavailableError(trimmed(PQerrorMessage(connection->raw())));
    setup.append("; LISTEN ").append(quoted);
    PQfreemem(quoted);
  }
  if (auto done = connection->execScript(setup.c_str()); !done) return std::move(done).error();
  return connection;
}

void Connection::receiveNotice(void* connection, const PGresult* notice) noexcept {
  const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (severity != nullptr &&
      (std::strcmp(severity, "FATAL") == 0 || std::strcmp(severity, "PANIC") == 0)) {
    static_cast<Connection*>(connection)->ended_ = true;
  }
  logNotice(nullptr, PQresultErrorMessage(notice));
}

bool Connection::healthy() {
  if (broken_ || ended_ || PQstatus(conn_.get()) != CONNECTION_OK) return false;
  // Reads anything pending without blocking; fails when the socket is closed. A server
  // restart leaves a FATAL "terminating connection" message that this consumes.
  if (PQconsumeInput(conn_.get()) == 0) return false;
  if (notified_) {
    deliverNotifications();  // none of its own can be pending here; drops the others
  } else {
    while (PGnotify* notify = PQnotifies(conn_.get())) PQfreemem(notify);
  }
  // Reading the notifications parsed what came: a session the server ended says so there.
  return !ended_ && PQstatus(conn_.get()) == CONNECTION_OK;
}

void Connection::deliverNotifications() {
  // Without a handler they are left to the connection's owner: the Listener reads its own.
  if (!notified_) return;
  const int self = PQbackendPID(conn_.get());
  while (PGnotify* notify = PQnotifies(conn_.get())) {
    const bool own = notify->be_pid == self;
    const std::string channel = notify->relname;
    const std::string payload = notify->extra;
    PQfreemem(notify);
    if (own) notified_(channel, payload);
  }
}

namespace {

std::vector<const char*> valuesOf(const Params& params) {
  std::vector<const char*> values;
  values.reserve(params.values().size());
  for (const auto& value : params.values()) values.push_back(value ? value->c_str() : nullptr);
  return values;
}

// An array literal of one column of `rows` ({"a","b",NULL}): every element quoted, so a value
// may hold any character; only `"` and `\` are escaped inside the quotes.
std::string columnArray(const std::vector<const Params*>& rows, std::size_t column) {
  std::string array = "{";
  for (const Params* row : rows) {
    if (array.size() > 1) array += ',';
    const auto& value = row->values().at(column);
    if (!value) {
      array += "NULL";
      continue;
    }
    array += '"';
    for (const char c : *value) {
      if (c == '"' || c == '\\') array += '\\';
      array += c;
    }
    array += '"';
  }
  array += '}';
  return array;
}

// RowsStatement::many's parameters: each column of the rows as an array.
Params columnArrays(const Params& first, const std::vector<Params>& later) {
  std::vector<const Params*> rows{&first};
  for (const Params& row : later) rows.push_back(&row);
  Params arrays;
  for (std::size_t column = 0; column < first.values().size(); ++column) {
    arrays.add(columnArray(rows, column));
  }
  return arrays;
}

// The one result of a pipeline that was sent one statement to be read.
Result<Rows> onlyResult(Result<std::vector<Rows>> results) {
  if (!results) return std::move(results).error();
  return std::move(results->back());
}

}  // namespace

Result<Rows> Connection::exec(const Statement& statement, const Params& params) {
  if (beginPending_ || !deferred_.empty())
    return onlyResult(execPipelined({{&statement, &params}}));
  const std::vector<const char*> values = valuesOf(params);
  if (!prepared_.contains(statement.name)) {
    ++roundTrips_;
    PgResultPtr prepared(PQprepare(conn_.get(), statement.name, statement.sql, 0, nullptr));
    if (!prepared || PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      return errorFrom(conn_.get(), prepared.get());
    }
    prepared_.insert(statement.name);
  }
  ++roundTrips_;
  PgResultPtr result(PQexecPrepared(conn_.get(), statement.name, static_cast<int>(values.size()),
                                    values.data(), nullptr, nullptr, 0));
  deliverNotifications();
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return errorFrom(conn_.get(), result.get());
  }
  return Rows(std::move(result));
}

Status Connection::defer(const Statement& statement, Params params) {
  if (!beginPending_ && !inTransaction()) {
    auto done = exec(statement, params);
    if (!done) return std::move(done).error();
    return {};
  }
  deferred_.push_back({&statement, std::move(params), {}});
  return {};
}

Status Connection::deferRead(const Statement& statement, Params params, RowsHandler onRows) {
  if (!beginPending_ && !inTransaction()) {
    auto rows = exec(statement, params);
    if (!rows) return std::move(rows).error();
    onRows(std::move(*rows));
    return {};
  }
  deferred_.push_back({&statement, std::move(params), std::move(onRows)});
  return {};
}

Status Connection::deferRow(const RowsStatement& statement, Params row) {
  if (!beginPending_ && !inTransaction()) return defer(statement.one, std::move(row));
  for (auto entry = deferred_.rbegin(); entry != deferred_.rend() && entry->rows != nullptr;
       ++entry) {
    if (entry->rows->rank < statement.rank) break;  // the row may reference that one's rows
    if (entry->rows != &statement) continue;
    if (row.values().size() != entry->params.values().size()) break;  // not the same shape
    entry->laterRows.push_back(std::move(row));
    return {};
  }
  deferred_.push_back({&statement.one, std::move(row), {}, &statement});
  return {};
}

Status Connection::flush() {
  if (deferred_.empty() && !beginPending_) return {};
  auto sent = execPipelined({});
  if (!sent) return std::move(sent).error();
  return {};
}

Result<std::vector<Rows>> Connection::execAll(const std::vector<Query>& queries) {
  if (queries.empty()) return std::vector<Rows>{};
  return execPipelined(queries);
}

Result<std::vector<Rows>> Connection::execPipelined(const std::vector<Query>& wanted,
                                                    const char* text) {
  PGconn* conn = conn_.get();
  const bool begin = std::exchange(beginPending_, false);
  std::vector<Deferred> deferred = std::exchange(deferred_, {});
  if (PQenterPipelineMode(conn) != 1) return errorFrom(conn, nullptr);

  // What was sent, in order: a result comes back for each.
  struct Sent {
    const char* preparedName;  // a prepare of this statement, or null for a query
    bool wanted;               // its rows are returned
    RowsHandler* onRows;       // a deferred read's: its rows go there
  };
  std::vector<Sent> sent;
  std::unordered_set<std::string_view> preparing;
  const auto send = [&](const Statement& statement, const std::vector<const char*>& params,
                        bool isWanted, RowsHandler* onRows) {
    if (!prepared_.contains(statement.name) && preparing.insert(statement.name).second) {
      if (PQsendPrepare(conn, statement.name, statement.sql, 0, nullptr) != 1) return false;
      sent.push_back({statement.name, false, nullptr});
    }
    if (PQsendQueryPrepared(conn, statement.name, static_cast<int>(params.size()), params.data(),
                            nullptr, nullptr, 0) != 1) {
      return false;
    }
    sent.push_back({nullptr, isWanted, onRows});
    return true;
  };
  bool ok =
      !begin || PQsendQueryParams(conn, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
  if (ok && begin) sent.push_back({nullptr, false, nullptr});
  for (std::size_t i = 0; ok && i < deferred.size(); ++i) {
    Deferred& entry = deferred[i];
    RowsHandler* onRows = entry.onRows ? &entry.onRows : nullptr;
    if (entry.laterRows.empty()) {
      ok = send(*entry.statement, valuesOf(entry.params), false, onRows);
    } else {
      ok = send(entry.rows->many, valuesOf(columnArrays(entry.params, entry.laterRows)), false,
                onRows);
    }
  }
  for (std::size_t i = 0; ok && i < wanted.size(); ++i) {
    ok = send(*wanted[i].statement, valuesOf(*wanted[i].params), true, nullptr);
  }
  if (ok && wanted.empty() && text != nullptr) {
    ok = PQsendQueryParams(conn, text, 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
    if (ok) sent.push_back({nullptr, true, nullptr});
  }
  ok = ok && PQpipelineSync(conn) == 1;
  ++roundTrips_;

  // Each query's result, then the null that ends it; after an error the rest of the pipeline
  // reports PGRES_PIPELINE_ABORTED; then the sync.
  std::vector<PgResultPtr> results;
  if (ok) {
    for (std::size_t i = 0; i < sent.size(); ++i) {
      results.emplace_back(PQgetResult(conn));
      if (!results.back()) break;  // the connection failed
      while (PGresult* end = PQgetResult(conn)) PQclear(end);
    }
    if (results.size() == sent.size() && results.back()) PgResultPtr sync(PQgetResult(conn));
  }
  // Refused only with results left unread: the connection's state is then unknown, and the pool
  // replaces it (healthy()).
  if (PQexitPipelineMode(conn) != 1) broken_ = true;
  deliverNotifications();
  if (!ok) return errorFrom(conn, nullptr);

  const auto succeeded = [&](std::size_t i) {
    if (i >= results.size() || !results[i]) return false;
    const auto status = PQresultStatus(results[i].get());
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  };
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (sent[i].preparedName != nullptr && succeeded(i)) prepared_.insert(sent[i].preparedName);
  }
  // The first failure says what went wrong (an aborted pipeline's results say nothing).
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (!succeeded(i)) return errorFrom(conn, i < results.size() ? results[i].get() : nullptr);
  }
  std::vector<Rows> rows;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (sent[i].onRows != nullptr) (*sent[i].onRows)(Rows(std::move(results[i])));
    if (sent[i].wanted) rows.emplace_back(std::move(results[i]));
  }
  return rows;
}

void Connection::beginWithFirstStatement() { beginPending_ = true; }

Result<bool> Connection::commit() {
  // A block in which nothing ran, not even a deferred write, was never sent.
  if (deferred_.empty() && std::exchange(beginPending_, false)) return true;
  // With the deferred writes, in one pipeline (execScript).
  auto committed = execScript("COMMIT");
  if (!committed) {
    rollback();  // a deferred write failed and aborted the block (a failed COMMIT ended it)
    return std::move(committed).error();
  }
  return committed->commandTag() != "ROLLBACK";
}

void Connection::rollback() {
  deferred_.clear();
  if (std::exchange(beginPending_, false)) return;
  if (inTransaction()) (void)execScript("ROLLBACK");
}

Result<Rows> Connection::execScript(const char* sql) {
  // What was queued goes first, in its order, with the script (then one statement).
  if (!deferred_.empty()) return onlyResult(execPipelined({}, sql));
  if (std::exchange(beginPending_, false)) {
    if (auto begun = execScript("BEGIN"); !begun) return begun;
  }
  ++roundTrips_;
  PgResultPtr result(PQexec(conn_.get(), sql));
  deliverNotifications();
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return errorFrom(conn_.get(), result.get());
  }
  return Rows(std::move(result));
}

bool Connection::inTransaction() const { return PQtransactionStatus(conn_.get()) != PQTRANS_IDLE; }

Error errorFrom(PGconn* conn, const PGresult* result) {
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    return unavailableError(trimmed(conn ? PQerrorMessage(conn) : "not connected"));
  }
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string message = trimmed(result ? PQresultErrorMessage(result) : PQerrorMessage(conn));
  const std::string_view sqlstate = state ? state : "";
  // Class 08: connection exception. 57P01-57P03: admin/crash shutdown, cannot connect now.
  // 57014: statement timeout or cancel: the database is too busy to answer in time.
  if (startsWith(sqlstate, "08") || startsWith(sqlstate, "57P") || sqlstate == "57014") {
    return unavailableError(message);
  }
  if (sqlstate == "23505") {
    const char* constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
    return makeError(ErrorCode::kConflict, "store.conflict", "The value already exists.",
                     constraint ? std::string(constraint) + ": " + message : message);
  }
  return makeError(ErrorCode::kInternal, "store.internal", "A database operation failed.",
                   sqlstate.empty() ? message : std::string(sqlstate) + ": " + message);
}

}  // namespace parley::core::store::postgres
