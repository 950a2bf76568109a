#pragma once
// One libpq connection with named, lazily prepared statements (house style §7). Not
// thread-safe: a Connection belongs to one thread at a time (a pool worker, or the migration
// runner). Nothing here throws; libpq's C callbacks never see an exception.

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/common/result.hpp"
#include "core/store/postgres/notification.hpp"

namespace parley::core::store::postgres {

struct PgConnDeleter {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
struct PgResultDeleter {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// A named SQL statement. Define them as constexpr constants next to the code that uses them;
// the name must be unique per connection (prepared statements share one namespace).
struct Statement {
  const char* name;
  const char* sql;
};

// A write of one row that several calls in a transaction may send as one statement
// (Connection::deferRow): `one` takes a row's parameters; `many` takes the same parameters,
// each as an array of the rows' values in their order ($1 is an array of every row's $1, ...),
// and writes the rows in that order. One statement of n rows costs the server a fraction of n
// statements: a statement's start, plan and constraint set-up are paid once.
struct RowsStatement {
  Statement one;
  Statement many;
  // A row may reference rows of statements of a lower rank only (an outbox row its post's):
  // deferRow() never lets a row go ahead of a lower-ranked row deferred before it.
  int rank = 0;
};

// Positional parameters ($1, $2, ...) in text format; nullopt is SQL NULL.
class Params {
 public:
  Params& add(std::string_view text) {
    values_.emplace_back(std::string(text));
    return *this;
  }
  Params& add(const char* text) { return add(std::string_view(text)); }
  Params& add(const std::string& text) { return add(std::string_view(text)); }
  Params& add(std::int64_t number) {
    values_.emplace_back(std::to_string(number));
    return *this;
  }
  Params& add(int number) { return add(static_cast<std::int64_t>(number)); }
  Params& add(bool flag) {
    values_.emplace_back(flag ? "true" : "false");
    return *this;
  }
  Params& addNull() {
    values_.emplace_back(std::nullopt);
    return *this;
  }
  // An empty string becomes NULL: for optional references stored as NULL, sent as "" by
  // Mattermost (root_id, remote_id, ...).
  Params& addOrNull(std::string_view text) { return text.empty() ? addNull() : add(text); }

  const std::vector<std::optional<std::string>>& values() const { return values_; }

 private:
  std::vector<std::optional<std::string>> values_;
};

// The rows of a successful statement. Column access by index; `column()` finds an index by name.
class Rows {
 public:
  explicit Rows(PgResultPtr result) : result_(std::move(result)) {}

  int size() const { return PQntuples(result_.get()); }
  int columns() const { return PQnfields(result_.get()); }
  bool empty() const { return size() == 0; }
  // Rows changed by INSERT/UPDATE/DELETE.
  std::int64_t affected() const;
  int column(const char* name) const { return PQfnumber(result_.get(), name); }
  // "INSERT 0 1", "COMMIT", "ROLLBACK", ...
  std::string_view commandTag() const { return PQcmdStatus(result_.get()); }

  bool isNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  std::string_view text(int row, int col) const {
    return {PQgetvalue(result_.get(), row, col),
            static_cast<std::size_t>(PQgetlength(result_.get(), row, col))};
  }
  std::string string(int row, int col) const { return std::string(text(row, col)); }
  // Integer and boolean columns as PostgreSQL prints them; 0/false for NULL or garbage (the
  // schema makes these NOT NULL).
  std::int64_t int64(int row, int col) const;
  bool boolean(int row, int col) const { return text(row, col) == "t"; }

 private:
  PgResultPtr result_;
};

struct ConnectOptions {
  std::chrono::milliseconds connectTimeout{5000};
  std::chrono::milliseconds statementTimeout{0};  // 0: the server's default
  std::string applicationName = "parleyd";
  // Channels the session LISTENs on from the start (identifiers, quoted here).
  std::vector<std::string> listen;
  // Called with each notification this session's own transactions sent, as soon as it has been
  // read: with the COMMIT (or with the statement, outside a block), before the caller sees the
  // change committed. Other sessions' notifications are dropped: they reach this connection
  // only when it next runs a statement, which may be much later (a listener hears those, see
  // listener.hpp). Without a handler, every notification stays queued for PQnotifies(). Must
  // not use the connection.
  NotificationHandler notified;
};

class Connection {
 public:
  // Opens a connection. kUnavailable when the server cannot be reached; the error never
  // contains the DSN (it may hold a password).
  static Result<std::unique_ptr<Connection>> open(const std::string& dsn,
                                                  const ConnectOptions& options);

  // True when the connection is still usable: reads whatever the server sent (a termination
  // notice after a restart, for instance) without blocking.
  bool healthy();

  // Prepares `statement` on first use, then executes it with `params`.
  Result<Rows> exec(const Statement& statement, const Params& params = {});

  // A statement with its parameters, for execAll().
  struct Query {
    const Statement* statement;
    const Params* params;
  };
  // Several statements in one round trip (one pipeline), in order, each with its own snapshot
  // as in separate exec() calls: for reads that do not depend on each other's results. Their
  // rows in the same order, or the first failure (outside a transaction block they form one
  // implicit transaction, so none after a failure runs).
  Result<std::vector<Rows>> execAll(const std::vector<Query>& queries);

  // Runs SQL text with the simple query protocol (several statements allowed, no
  // parameters): for migrations and transaction control, never for values from outside.
  Result<Rows> execScript(const char* sql);

  // A transaction block whose BEGIN goes to the server with its first statement: exec() and
  // commit() pipeline the two (libpq pipeline mode), so the block costs one round trip fewer;
  // execScript() sends it first. commit() and rollback() end the block; when no statement ran
  // in it, nothing was sent and nothing is.
  void beginWithFirstStatement();
  // Queues a statement whose rows nobody reads inside the open transaction block: it goes to
  // the server in one pipeline with the block's next exec() or its COMMIT, and its failure is
  // reported there (the first failure of the pipeline wins; the block is then aborted). Outside
  // a block it runs at once. Only for statements whose caller would pass any error on as it is.
  Status defer(const Statement& statement, Params params);
  // A read that travels as defer()'s writes do, with the block's next statement or its COMMIT:
  // `onRows` receives its rows when that pipeline has come back, before the statement's own
  // result is returned. Not called when the pipeline fails (the block is then aborted). Outside
  // a block it runs at once. For a read the caller knows it will need, sent ahead of time.
  // `onRows` must not use the connection.
  using RowsHandler = std::function<void(Rows)>;
  Status deferRead(const Statement& statement, Params params, RowsHandler onRows);
  // defer() for one row of `statement`: when the rows deferred after this statement's last
  // deferred row are all rows of other RowsStatements of its rank or higher, the row joins
  // that one, and they go as one `many` statement. So rows statements that travel together
  // may run in another order than their calls: each statement's rows run, in their order,
  // where its first row was deferred, but never after a row it may reference
  // (RowsStatement::rank: a flush between a post and its outbox row leaves the next post's
  // row behind the outbox statement, and that post's outbox row then starts a new one). Any
  // other deferred statement keeps its place: rows deferred after it start a new statement.
  Status deferRow(const RowsStatement& statement, Params row);
  // Sends what waits for the block's next statement (BEGIN, deferred writes and reads) now:
  // for a caller that needs a deferred read's rows before it has a statement of its own.
  Status flush();
  // COMMIT: true when committed, false when the server ended the block with a ROLLBACK (a
  // statement in it failed and its error was ignored). When a deferred statement fails, its
  // error is returned and the block is rolled back.
  Result<bool> commit();
  void rollback();

  bool inTransaction() const;
  PGconn* raw() { return conn_.get(); }

  // Session-level locks this connection's session took (named by their holder): they last as
  // long as the session, which is this object's. For a holder that asks again, the answer
  // without a round trip. The holder notes a lock it was granted and forgets one it released.
  bool holdsSessionLock(const std::string& name) const { return sessionLocks_.contains(name); }
  void noteSessionLock(const std::string& name) { sessionLocks_.insert(name); }
  void forgetSessionLock(const std::string& name) { sessionLocks_.erase(name); }

  // How many records the session's last transaction that appended to the audit chain wrote
  // (PgAuditStore, which lives one job while the session lives on): the next takes as many
  // ids with the chain's lock.
  std::int64_t lastAuditAppends() const { return lastAuditAppends_; }
  void noteAuditAppends(std::int64_t count) { lastAuditAppends_ = count; }

  // The times this connection waited for the server since the last call (a pipeline is one):
  // what a statement costs beyond its execution, and what PoolStats::roundTrips sums.
  std::uint64_t takeRoundTrips() { return std::exchange(roundTrips_, 0); }

 private:
  // A statement waiting in the pipeline: its parameters are kept until it is sent.
  struct Deferred {
    const Statement* statement;
    Params params;
    RowsHandler onRows;                   // a deferred read's; empty for a write
    const RowsStatement* rows = nullptr;  // deferRow()'s: `params` is its first row
    std::vector<Params> laterRows = {};   // the rows that joined it
  };

  Connection(PgConnPtr conn, NotificationHandler notified)
      : conn_(std::move(conn)), notified_(std::move(notified)) {}
  // Hands the notifications of this session that libpq has read to notified_ (if any) and
  // drops the others: after every wait for the server.
  void deliverNotifications();
  // libpq's notice receiver: a notice goes to the debug log; a FATAL or PANIC message the
  // server sent while the connection was idle (it ended the session: a terminated backend, a
  // shutdown) marks the session ended at once, before libpq reads the end of the socket.
  static void receiveNotice(void* connection, const PGresult* notice) noexcept;
  // Sends in one pipeline whatever is waiting (a pending BEGIN, deferred statements), then
  // `wanted` (or, when it is empty, the one statement `text`: COMMIT; or nothing more when
  // `text` is null), preparing statements new to the connection on the way; hands deferred
  // reads their rows and returns the results of `wanted` (of `text`) or the first failure.
  Result<std::vector<Rows>> execPipelined(const std::vector<Query>& wanted,
                                          const char* text = nullptr);

  PgConnPtr conn_;
  const NotificationHandler notified_;
  std::unordered_set<std::string> prepared_;
  std::vector<Deferred> deferred_;  // defer() since the last statement sent
  bool beginPending_ = false;       // beginWithFirstStatement() and no statement since
  bool broken_ = false;             // left in pipeline mode: not to be used again
  bool ended_ = false;              // the server said it ended the session (receiveNotice)
  std::uint64_t roundTrips_ = 0;    // since takeRoundTrips()
  std::unordered_set<std::string> sessionLocks_;
  std::int64_t lastAuditAppends_ = 0;
};

// Turns a failed result (or a failed connection when `result` is null) into an Error:
// connection loss, shutdown and "cannot connect now" → kUnavailable; SQLSTATE 23505 →
// kConflict; anything else → kInternal. The server's message goes into Error.detail.
Error errorFrom(PGconn* conn, const PGresult* result);

inline Error unavailableError(std::string detail = {}) {
  return makeError(ErrorCode::kUnavailable, "store.unavailable", "The database is unavailable.",
                   std::move(detail));
}

}  // namespace parley::core::store::postgres
