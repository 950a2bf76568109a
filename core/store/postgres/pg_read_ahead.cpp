#include "core/store/postgres/pg_read_ahead.hpp"

#include "core/store/postgres/pg_store.hpp"

namespace parley::core::store::postgres {

void ReadAhead::send(PgStore& store, const Statement& statement, Params params, std::string key) {
  const std::uint64_t transaction = store.transactionSerial();
  if (transaction == 0 || pending(store, key)) return;
  transaction_ = transaction;
  key_ = std::move(key);
  rows_.reset();
  (void)store.deferRead(statement, std::move(params), [this, transaction](Rows rows) {
    if (transaction == transaction_) rows_.emplace(std::move(rows));
  });
}

bool ReadAhead::pending(const PgStore& store, std::string_view key) const {
  return transaction_ != 0 && transaction_ == store.transactionSerial() && key == key_;
}

std::optional<Result<Rows>> ReadAhead::take(PgStore& store, std::string_view key) {
  if (!pending(store, key)) return std::nullopt;
  if (!rows_) {
    if (auto sent = store.flush(); !sent) {
      transaction_ = 0;
      return Result<Rows>(std::move(sent).error());
    }
  }
  transaction_ = 0;
  if (!rows_) return std::nullopt;  // cannot happen: a flushed pipeline ran its handlers
  Result<Rows> rows(std::move(*rows_));
  rows_.reset();
  return rows;
}

std::string ReadAhead::keyOf(std::string_view first, std::string_view second) {
  std::string key(first);
  key += '\n';
  key += second;
  return key;
}

}  // namespace parley::core::store::postgres
