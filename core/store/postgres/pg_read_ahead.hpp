#pragma once
// A read sent ahead of the call that needs it: it travels with the transaction's next statement
// (PgStore::deferRead), and the call takes its rows then instead of a round trip of its own.
// For reads whose arguments are known before the statement they can travel with: the ingress
// knows the sender and the room of an event before it claims the event's inbox id.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/store/postgres/connection.hpp"

namespace parley::core::store::postgres {

class PgStore;

// One read for one key and one transaction: a call for another key, in another transaction or
// a second time reads for itself. The pool rolls back after every job, which drops a read not
// sent yet, so its handler never outlives the store that holds this.
class ReadAhead {
 public:
  // Queues `statement` for `key`. Outside a transaction, or when it is queued for this one
  // already: nothing. A failure shows with the statement it travels with.
  void send(PgStore& store, const Statement& statement, Params params, std::string key);

  // Whether a read for `key` was sent in the open transaction and not taken yet.
  bool pending(const PgStore& store, std::string_view key) const;

  // The rows read ahead for `key` in the open transaction, sent now if they still wait for a
  // statement to travel with (its error, if that fails). Empty: nothing was sent for it, read
  // now.
  std::optional<Result<Rows>> take(PgStore& store, std::string_view key);

  // The key of a read of two arguments.
  static std::string keyOf(std::string_view first, std::string_view second);

 private:
  std::uint64_t transaction_ = 0;  // 0: nothing sent, or taken
  std::string key_;
  std::optional<Rows> rows_;  // once the pipeline it travelled with came back
};

}  // namespace parley::core::store::postgres
