#pragma once
// Which posts were written in which transaction: a test installs kNotePostTransactions and
// reads kPostsByTransaction, "one,two | three" for posts "one" and "two" written in one
// transaction and "three" in the next (posts by insert order, transactions by their first).
// Rolled-back inserts leave nothing, as their notes go with them.

namespace parley::testing {

inline constexpr const char* kNotePostTransactions = R"sql(
  CREATE TABLE written (n serial, message text NOT NULL, xid bigint NOT NULL);
  CREATE FUNCTION note_written() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN INSERT INTO written (message, xid) VALUES (NEW.message, txid_current());
       RETURN NULL; END $$;
  CREATE TRIGGER note_written AFTER INSERT ON posts
    FOR EACH ROW EXECUTE FUNCTION note_written();)sql";

inline constexpr const char* kPostsByTransaction =
    "SELECT string_agg(messages, ' | ' ORDER BY first) FROM (SELECT min(n) AS first,"
    " string_agg(message, ',' ORDER BY n) AS messages FROM written GROUP BY xid) t";

}  // namespace parley::testing
