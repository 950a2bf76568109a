#include "core/store/postgres/pg_store.hpp"

#include <algorithm>
#include <exception>
#include <iterator>
#include <utility>
#include <variant>
#include <vector>

#include "core/common/log.hpp"

namespace parley::core::store::postgres {
namespace {

constexpr Statement kPing{"ping", "SELECT 1"};

// The OutboundQueued events of one transaction as one, in the first one's place: the drainer is
// woken once per commit and takes the rows a batch decided as it was written as one run (sent
// together, recorded as sent together), not one wake-up and one run per post.
void mergeOutboundQueued(std::vector<events::DomainEvent>& recorded) {
  const auto queued = [](const events::DomainEvent& event) {
    return std::holds_alternative<events::OutboundQueued>(event);
  };
  if (std::count_if(recorded.begin(), recorded.end(), queued) < 2) return;
  std::vector<events::DomainEvent> merged;
  merged.reserve(recorded.size());  // `first` stays valid
  events::OutboundQueued* first = nullptr;
  for (auto& event : recorded) {
    auto* next = std::get_if<events::OutboundQueued>(&event);
    if (next == nullptr || first == nullptr) {
      merged.push_back(std::move(event));
      if (next != nullptr) first = &std::get<events::OutboundQueued>(merged.back());
      continue;
    }
    for (auto& linkId : next->linkIds) {
      if (std::find(first->linkIds.begin(), first->linkIds.end(), linkId) == first->linkIds.end()) {
        first->linkIds.push_back(std::move(linkId));
      }
    }
    first->live.insert(first->live.end(), std::make_move_iterator(next->live.begin()),
                       std::make_move_iterator(next->live.end()));
  }
  recorded = std::move(merged);
}

}  // namespace

Result<Rows> PgStore::exec(const Statement& statement, const Params& params) {
  if (connection_ == nullptr) return unavailableError("not connected");
  return connection_->exec(statement, params);
}

Result<std::vector<Rows>> PgStore::execAll(const std::vector<Connection::Query>& queries) {
  if (connection_ == nullptr) return unavailableError("not connected");
  return connection_->execAll(queries);
}

Status PgStore::defer(const Statement& statement, Params params) {
  if (connection_ == nullptr) return unavailableError("not connected");
  return connection_->defer(statement, std::move(params));
}

Status PgStore::deferRow(const RowsStatement& statement, Params row) {
  if (connection_ == nullptr) return unavailableError("not connected");
  return connection_->deferRow(statement, std::move(row));
}

Status PgStore::deferRead(const Statement& statement, Params params,
                          Connection::RowsHandler onRows) {
  if (connection_ == nullptr) return unavailableError("not connected");
  return connection_->deferRead(statement, std::move(params), std::move(onRows));
}

Status PgStore::flush() {
  if (connection_ == nullptr) return unavailableError("not connected");
  return connection_->flush();
}

Status PgStore::ping() {
  auto rows = exec(kPing);
  if (!rows) return std::move(rows).error();
  return {};
}

Status PgStore::transaction(const std::function<Status(Store&)>& body) {
  if (connection_ == nullptr) return unavailableError("not connected");
  if (transactionDepth_ > 0) {
    // Nested: part of the outer transaction, which commits or rolls back everything.
    ++transactionDepth_;
    Status status = body(*this);
    --transactionDepth_;
    return status;
  }
  // BEGIN goes with the transaction's first statement: one round trip fewer per transaction.
  connection_->beginWithFirstStatement();
  transactionDepth_ = 1;
  ++transactionSerial_;
  pending_.clear();
  Status status = [&]() -> Status {
    try {
      return body(*this);
    } catch (...) {
      transactionDepth_ = 0;
      pending_.clear();
      connection_->rollback();
      throw;
    }
  }();
  transactionDepth_ = 0;
  // Whatever happens next, the events belong to this transaction only.
  std::vector<events::DomainEvent> recorded = std::exchange(pending_, {});
  if (!status) {
    connection_->rollback();
    return status;
  }
  auto committed = connection_->commit();
  if (!committed) return std::move(committed).error();
  // COMMIT of a transaction in which a statement failed (an error the body ignored) is a
  // ROLLBACK: nothing was written, and the caller must know.
  if (!*committed) {
    return makeError(ErrorCode::kInternal, "store.transaction.rolled_back",
                     "A database transaction was rolled back.",
                     "a statement inside the transaction failed and its error was ignored");
  }
  mergeOutboundQueued(recorded);
  for (const auto& event : recorded) deliver(event);
  return {};
}

void PgStore::afterCommit(events::DomainEvent event) {
  if (transactionDepth_ > 0) {
    pending_.push_back(std::move(event));
    return;
  }
  deliver(event);
}

void PgStore::deliver(const events::DomainEvent& event) const {
  if (sink_ == nullptr || !*sink_) return;
  // The data is committed whatever the sink does: a failure there must not fail the request.
  try {
    (*sink_)(event);
  } catch (const std::exception& e) {
    log::error("store", "the event sink threw", {{"error", e.what()}});
  } catch (...) {
    log::error("store", "the event sink threw a non-exception");
  }
}

}  // namespace parley::core::store::postgres
