#include "core/store/postgres/pg_bridge_store.hpp"

#include <algorithm>
#include <set>

#include "core/store/postgres/pg_link_rows.hpp"
#include "core/store/postgres/pg_post_store.hpp"
#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store {

std::string_view outboxStateName(OutboxState state) {
  switch (state) {
    case OutboxState::kSent: return "sent";
    case OutboxState::kDenied: return "denied";
    case OutboxState::kFailed: return "failed";
    case OutboxState::kPending: break;
  }
  return "pending";
}

std::optional<model::MessageChange> messageChangeFromName(std::string_view name) {
  for (auto kind :
       {model::MessageChange::kPost, model::MessageChange::kEdit, model::MessageChange::kDelete,
        model::MessageChange::kReaction, model::MessageChange::kReactionDelete}) {
    if (model::messageChangeName(kind) == name) return kind;
  }
  return std::nullopt;
}

}  // namespace parley::core::store

namespace parley::core::store::postgres {
namespace {

constexpr Statement kCreateLink{"bridge_link_create",
                                "INSERT INTO links (" PARLEY_PG_LINK_COLUMNS
                                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"};
constexpr Statement kGetLink{"bridge_link_get",
                             "SELECT " PARLEY_PG_LINK_COLUMNS " FROM links WHERE id = $1"};
constexpr Statement kListLinks{
    "bridge_link_list", "SELECT " PARLEY_PG_LINK_COLUMNS " FROM links ORDER BY create_at, id"};
constexpr Statement kDeleteLink{"bridge_link_delete", "DELETE FROM links WHERE id = $1"};
constexpr Statement kLinkByRemote{"bridge_link_by_remote",
                                  "SELECT " PARLEY_PG_LINK_COLUMNS
                                  " FROM links WHERE bridge = $1 AND remote_room = $2"};
constexpr Statement kUpdateLink{
    "bridge_link_update",
    "UPDATE links SET peer = $2, direction = $3, read_only = $4, update_at = $5 WHERE id = $1"};

// The user's columns first, so that userFromRow() reads them unchanged, then the lookup row's
// from UserColumn::kCount on (renamed: both tables have create_at and update_at).
constexpr Statement kFindRemoteUser{
    "bridge_remote_user_find",
    "SELECT " PARLEY_PG_USER_COLUMNS
    ", r.* FROM (SELECT bridge AS r_bridge,"
    " remote_id AS r_remote_id, domain AS r_domain, display_name AS r_display_name,"
    " user_id AS r_user_id, create_at AS r_create_at, update_at AS r_update_at"
    " FROM remote_users WHERE bridge = $1 AND remote_id = $2) r"
    " JOIN users ON users.id = r.r_user_id"};
constexpr Statement kUpsertRemoteUser{
    "bridge_remote_user_upsert",
    "INSERT INTO remote_users (bridge, remote_id, domain, display_name, user_id, create_at,"
    "                          update_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT (bridge, remote_id) DO UPDATE SET domain = EXCLUDED.domain,"
    "   display_name = EXCLUDED.display_name, update_at = EXCLUDED.update_at"};

#define PARLEY_PG_OUTBOX_COLUMNS                                                               \
  "id, link_id, kind, post_id, COALESCE(reaction_user_id, ''), COALESCE(reaction_emoji, ''), " \
  "payload, txn_id, state, attempts, next_attempt_at, last_error, COALESCE(audit_id, 0), "     \
  "create_at"

#define PARLEY_PG_OUTBOX_INSERT_COLUMNS                                                          \
  "link_id, kind, post_id, reaction_user_id, reaction_emoji, payload, txn_id, next_attempt_at, " \
  "create_at"
// Several rows take their ids (the drain order) in their order.
constexpr RowsStatement kEnqueue{
    {"bridge_outbox_enqueue", "INSERT INTO outbox (" PARLEY_PG_OUTBOX_INSERT_COLUMNS ")"
                              " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)"},
    {"bridge_outbox_enqueue_many",
     "INSERT INTO outbox (" PARLEY_PG_OUTBOX_INSERT_COLUMNS ")"
     " SELECT " PARLEY_PG_OUTBOX_INSERT_COLUMNS " FROM unnest($1::varchar[], $2::varchar[],"
     "   $3::varchar[], $4::varchar[], $5::varchar[], $6::jsonb[], $7::varchar[], $8::bigint[],"
     "   $9::bigint[]) WITH ORDINALITY AS r(" PARLEY_PG_OUTBOX_INSERT_COLUMNS ", n)"
     " ORDER BY n"},
    /*rank=*/1};  // after its post
// A row written decided (enqueueDecided): its number taken ahead, its state and audit record set.
// A lane's batch writes its posts' rows as one statement.
#define PARLEY_PG_OUTBOX_DECIDED_COLUMNS \
  "id, " PARLEY_PG_OUTBOX_INSERT_COLUMNS ", state, audit_id, last_error"
constexpr RowsStatement kEnqueueDecided{
    {"bridge_outbox_enqueue_decided",
     "INSERT INTO outbox (" PARLEY_PG_OUTBOX_DECIDED_COLUMNS ")"
     " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, NULLIF($12, 0), $13)"},
    {"bridge_outbox_enqueue_decided_many",
     "INSERT INTO outbox (" PARLEY_PG_OUTBOX_DECIDED_COLUMNS ")"
     " SELECT id, link_id, kind, post_id, reaction_user_id, reaction_emoji, payload, txn_id,"
     "   next_attempt_at, create_at, state, NULLIF(audit_id, 0), last_error"
     " FROM unnest($1::bigint[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[],"
     "   $6::varchar[], $7::jsonb[], $8::varchar[], $9::bigint[], $10::bigint[], $11::varchar[],"
     "   $12::bigint[], $13::text[]) AS r(" PARLEY_PG_OUTBOX_DECIDED_COLUMNS ")"},
    /*rank=*/1};  // after its post and its decision's audit record
constexpr Statement kOutboxIds{"bridge_outbox_ids",
                               "SELECT nextval('outbox_id_seq')" PARLEY_PG_FIRST_IDS};
constexpr std::string_view kOutboxIdsKey = "outbox ids";
// The most row numbers one read takes.
constexpr int kMaxOutboxIds = kMaxIdsAhead;
constexpr Statement kOutboxRow{"bridge_outbox_row",
                               "SELECT " PARLEY_PG_OUTBOX_COLUMNS " FROM outbox WHERE id = $1"};
// Link `link`'s pending rows after row `after`, oldest first. Said as "after (link, after) in
// the order of outbox_pending_link_idx, up to link `link`", which are those rows, so that no
// other index can answer it: `link_id = $1 AND id > $3 ORDER BY id` could also be read in the
// primary key's order, and a plan made for any link (which guesses a link holds half the rows)
// walked the primary key through every row of another link's backlog: 7.2-8.5 ms for a live
// link's 64 rows behind 20,000 (bench/store/run).
#define PARLEY_PG_PENDING_OF(link, after)                                      \
  " FROM outbox WHERE state = 'pending' AND (link_id, id) > (" link ", " after \
  ")"                                                                          \
  " AND link_id <= " link " ORDER BY link_id, id"
// The pending rows of link $1 after row $3, at most $2 of them; the two statements after it
// read what those rows address, in the same pipeline (PendingRows).
#define PARLEY_PG_PENDING_OF_LINK PARLEY_PG_PENDING_OF("$1", "$3") " LIMIT $2"
constexpr Statement kPendingOfLink{"bridge_outbox_pending_of_link",
                                   "SELECT " PARLEY_PG_OUTBOX_COLUMNS PARLEY_PG_PENDING_OF_LINK};
// The posts and authors are looked up by key (= ANY of an array, a post's author by a subquery
// per row), never joined with the rows: the plan of a join, made once for any $2 rows, walked
// the posts' primary key from its start to the last post addressed (a merge join) and read
// every user (a hash join). The three reads took 4.6-4.8 ms with 200,000 posts and 20,000
// users that way, 1.4 ms now (bench/store/run --generic).
constexpr Statement kPendingPostsOfLink{
    "bridge_outbox_pending_posts",
    "SELECT " PARLEY_PG_POST_COLUMNS
    " FROM posts p WHERE p.id = ANY(ARRAY(SELECT post_id" PARLEY_PG_PENDING_OF_LINK "))"};
constexpr Statement kPendingAuthorsOfLink{
    "bridge_outbox_pending_authors",
    "SELECT " PARLEY_PG_USER_COLUMNS
    " FROM users WHERE id = ANY(ARRAY("
    "  SELECT COALESCE(o.reaction_user_id, (SELECT p.user_id FROM posts p WHERE p.id = o.post_id))"
    "  FROM (SELECT post_id, reaction_user_id" PARLEY_PG_PENDING_OF_LINK ") o))"};
// Each link's first pending row, looked up link by link: one read of the first entry in
// outbox_pending_link_idx per link, where taking the first of each link from the whole index
// read every row of a backlog at every pass of the drainer (5.3 ms with 20,000 rows waiting).
constexpr Statement kPendingLinks{
    "bridge_outbox_pending_links",
    "SELECT l.id, o.next_attempt_at FROM links l CROSS JOIN LATERAL"
    " (SELECT next_attempt_at" PARLEY_PG_PENDING_OF("l.id", "0") " LIMIT 1) o ORDER BY l.id"};
constexpr Statement kMarkSent{"bridge_outbox_sent", "DELETE FROM outbox WHERE id = $1"};
// The rows $1 (a JSON array of ids) delivered, with their id map entries $2 (as kPutParts): a
// data-modifying WITH runs whether or not it is read, and the statement is atomic.
// The ids are matched as PARLEY_PG_ANY_OF_JSON_1's keys (pg_support.hpp says why), as numbers.
// The outbox is nearly empty most of the time and fills while a peer is away: with the
// statistics of an outbox of 8 rows, the join it replaces read every row of a backlog for each
// run drained (a hash semi-join over a sequential scan: 5 ms with 20,000 rows waiting).
constexpr Statement kMarkSentMany{
    "bridge_outbox_sent_many",
    "WITH parts AS (INSERT INTO id_map (post_id, part, bridge, remote_room, remote_event_id,"
    " create_at) SELECT p.post_id, p.part, p.bridge, p.remote_room, p.remote_event_id, $3"
    " FROM jsonb_to_recordset($2::jsonb)"
    "   AS p(post_id text, part integer, bridge text, remote_room text, remote_event_id text)"
    " ON CONFLICT DO NOTHING)"
    " DELETE FROM outbox"
    " WHERE id = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)::bigint))"};
constexpr Statement kMarkDenied{
    "bridge_outbox_denied",
    "UPDATE outbox SET state = 'denied', audit_id = NULLIF($2, 0), last_error = $3"
    " WHERE id = $1"};
constexpr Statement kMarkFailed{"bridge_outbox_failed",
                                "UPDATE outbox SET state = 'failed', last_error = $2,"
                                " attempts = attempts + 1 WHERE id = $1"};
constexpr Statement kReschedule{
    "bridge_outbox_reschedule",
    "UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4 WHERE id = $1"};
constexpr Statement kOutboxCounts{
    "bridge_outbox_counts",
    "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'denied'),"
    " count(*) FILTER (WHERE state = 'failed'),"
    " COALESCE(min(create_at) FILTER (WHERE state = 'pending'), 0)"
    " FROM outbox WHERE link_id = $1"};

// A row committed after the statement began is not seen by it: only a row whose link was gone
// when it was written can match (links are committed before rows name them).
constexpr Statement kDeleteOrphanedOutbox{
    "bridge_outbox_delete_orphans",
    "DELETE FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM links l WHERE l.id = o.link_id)"};

// Advisory locks of the outbox drainer: (kLockClass, hashtext(link id)). A session lock is
// re-entrant, so a second try while holding it would stack a second hold: the statement takes
// it only when this session does not hold it yet (after a reconnection it does not).
#define PARLEY_PG_LINK_LOCK_HELD                                           \
  "EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted" \
  " AND pid = pg_backend_pid() AND classid = 7342 AND objsubid = 2"        \
  " AND objid = (hashtext($1)::bigint & 4294967295)::oid)"
constexpr Statement kLockLink{
    "bridge_link_lock", "SELECT " PARLEY_PG_LINK_COLUMNS ", CASE WHEN " PARLEY_PG_LINK_LOCK_HELD
                        " THEN true ELSE pg_try_advisory_lock(7342, hashtext($1)) END"
                        " FROM links WHERE id = $1"};
constexpr Statement kLinkLockHolder{
    "bridge_link_lock_holder",
    "SELECT COALESCE((SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND classid = 7342 AND objsubid = 2"
    " AND objid = (hashtext($1)::bigint & 4294967295)::oid LIMIT 1), 0)"};
constexpr Statement kUnlockLink{"bridge_link_unlock",
                                "SELECT CASE WHEN " PARLEY_PG_LINK_LOCK_HELD
                                " THEN pg_advisory_unlock(7342, hashtext($1)) ELSE false END"};

constexpr Statement kClaimInbox{
    "bridge_inbox_claim",
    "INSERT INTO inbox (bridge, remote_id, effect_kind, received_at) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (bridge, remote_id) DO NOTHING RETURNING 1"};
// Several claims at once: $2 a JSON array of {remote_id, effect_kind}; the ids it took.
constexpr Statement kClaimInboxMany{
    "bridge_inbox_claim_many",
    "INSERT INTO inbox (bridge, remote_id, effect_kind, received_at)"
    " SELECT $1, c.remote_id, c.effect_kind, $3"
    " FROM jsonb_to_recordset($2::jsonb) AS c(remote_id text, effect_kind text)"
    " ON CONFLICT (bridge, remote_id) DO NOTHING RETURNING remote_id"};
constexpr Statement kInboxHas{"bridge_inbox_has",
                              "SELECT 1 FROM inbox WHERE bridge = $1 AND remote_id = $2"};
constexpr Statement kSetInboxEffect{
    "bridge_inbox_effect",
    "UPDATE inbox SET effect_kind = $3, effect_id = $4 WHERE bridge = $1 AND remote_id = $2"};

// $2: a JSON object {remote_id: [effect_kind, effect_id], ...} of rows this transaction
// claimed. Written as an upsert so that each row is found through the primary key, as the
// conflict check of an insert always does: an UPDATE joined with the list (FROM
// jsonb_to_recordset), or matching its keys (= ANY), was planned for a smaller inbox when the
// statistics were old, and read every row of the bridge for each batch (14 ms a batch with
// 50,000 rows, 0.13 ms now: bench/store/run).
constexpr Statement kSetInboxEffects{
    "bridge_inbox_effects",
    "INSERT INTO inbox (bridge, remote_id, effect_kind, effect_id)"
    " SELECT $1, e.key, e.value ->> 0, e.value ->> 1 FROM jsonb_each($2::jsonb) AS e"
    " ON CONFLICT (bridge, remote_id)"
    " DO UPDATE SET effect_kind = EXCLUDED.effect_kind, effect_id = EXCLUDED.effect_id"};

// $1: a JSON array of {post_id, part, bridge, remote_room, remote_event_id}.
constexpr Statement kPutParts{
    "bridge_id_map_put_many",
    "INSERT INTO id_map (post_id, part, bridge, remote_room, remote_event_id, create_at)"
    " SELECT p.post_id, p.part, p.bridge, p.remote_room, p.remote_event_id, $2"
    " FROM jsonb_to_recordset($1::jsonb)"
    "   AS p(post_id text, part integer, bridge text, remote_room text, remote_event_id text)"
    " ON CONFLICT DO NOTHING"};
// A room's archive: $4/$5 exclusive (create_at, id) cursors ("" = none), $6/$7 create_at
// bounds (0 = none), $8 the limit, $9 newest first.
constexpr Statement kArchive{
    "bridge_archive",
    "SELECT p.id, p.root_id, p.message, p.create_at, p.edit_at, m.remote_event_id, u.username,"
    " u.nickname, u.remote_bridge IS NOT NULL"
    " FROM id_map m JOIN posts p ON p.id = m.post_id JOIN users u ON u.id = p.user_id"
    " WHERE m.bridge = $2 AND m.remote_room = $3 AND m.part = 0 AND p.channel_id = $1"
    " AND p.delete_at = 0 AND p.type = ''"
    " AND ($4 = '' OR (p.create_at, p.id) >"
    " (SELECT create_at, id FROM posts WHERE id = $4 AND channel_id = $1))"
    " AND ($5 = '' OR (p.create_at, p.id) <"
    " (SELECT create_at, id FROM posts WHERE id = $5 AND channel_id = $1))"
    " AND ($6 = 0 OR p.create_at >= $6) AND ($7 = 0 OR p.create_at <= $7)"
    " ORDER BY CASE WHEN $9 THEN p.create_at END DESC, CASE WHEN $9 THEN p.id END DESC,"
    " p.create_at, p.id LIMIT $8"};
constexpr Statement kPartsOf{
    "bridge_id_map_parts",
    "SELECT part, remote_event_id FROM id_map"
    " WHERE post_id = $1 AND bridge = $2 AND remote_room = $3 ORDER BY part"};
constexpr Statement kPostOfRemote{
    "bridge_id_map_post",
    "SELECT post_id FROM id_map WHERE bridge = $1 AND remote_room = $2 AND remote_event_id = $3"};

constexpr Statement kPutRemoteReaction{
    "bridge_reaction_map_put",
    "INSERT INTO reaction_map (bridge, remote_room, remote_event_id, post_id, user_id, "
    "emoji_name, create_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
    "ON CONFLICT (bridge, remote_room, remote_event_id) DO NOTHING"};

constexpr Statement kRemoteReaction{
    "bridge_reaction_map_get",
    "SELECT post_id, user_id, emoji_name FROM reaction_map "
    "WHERE bridge = $1 AND remote_room = $2 AND remote_event_id = $3"};

constexpr Statement kDeleteRemoteReaction{
    "bridge_reaction_map_delete",
    "DELETE FROM reaction_map WHERE bridge = $1 AND remote_room = $2 AND remote_event_id = $3"};

constexpr Statement kPutDirectRoom{
    "bridge_direct_room_put",
    "INSERT INTO direct_rooms (bridge, room_id, local_user_id, remote_id, create_at) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (bridge, room_id) DO NOTHING"};

constexpr Statement kDeleteDirectRoom{
    "bridge_direct_room_delete", "DELETE FROM direct_rooms WHERE bridge = $1 AND room_id = $2"};

constexpr Statement kDirectRoomOfPair{
    "bridge_direct_room_of_pair",
    "SELECT d.room_id, d.local_user_id, u.username, d.remote_id, d.create_at "
    "FROM direct_rooms d JOIN users u ON u.id = d.local_user_id "
    "WHERE d.bridge = $1 AND d.local_user_id = $2 AND d.remote_id = $3 "
    "ORDER BY d.create_at DESC, d.room_id DESC LIMIT 1"};

constexpr Statement kDirectRoomById{
    "bridge_direct_room_by_id",
    "SELECT d.room_id, d.local_user_id, u.username, d.remote_id, d.create_at "
    "FROM direct_rooms d JOIN users u ON u.id = d.local_user_id "
    "WHERE d.bridge = $1 AND d.room_id = $2"};

model::LinkDirection directionFromName(std::string_view name) {
  if (name == "inbound") return model::LinkDirection::kInbound;
  if (name == "outbound") return model::LinkDirection::kOutbound;
  return model::LinkDirection::kBoth;
}

}  // namespace

model::Link linkFromRow(const Rows& rows, int row) {
  model::Link link;
  link.id = rows.string(row, 0);
  link.channelId = rows.string(row, 1);
  link.bridge = rows.string(row, 2);
  link.remoteRoom = rows.string(row, 3);
  link.peer = rows.string(row, 4);
  link.direction = directionFromName(rows.text(row, 5));
  link.readOnly = rows.boolean(row, 6);
  link.createdBy = rows.string(row, 7);
  link.createAt = rows.int64(row, 8);
  link.updateAt = rows.int64(row, 9);
  return link;
}

std::vector<model::Link> linksFromRows(const Rows& rows) {
  std::vector<model::Link> links;
  links.reserve(static_cast<std::size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) links.push_back(linkFromRow(rows, i));
  return links;
}

namespace {

Result<std::vector<model::Link>> linksFrom(Result<Rows> rows) {
  if (!rows) return std::move(rows).error();
  return linksFromRows(*rows);
}

OutboxRow outboxFromRow(const Rows& rows, int row) {
  OutboxRow out;
  out.id = rows.int64(row, 0);
  out.linkId = rows.string(row, 1);
  out.kind = messageChangeFromName(rows.text(row, 2)).value_or(model::MessageChange::kPost);
  out.postId = rows.string(row, 3);
  out.reactionUserId = rows.string(row, 4);
  out.reactionEmoji = rows.string(row, 5);
  out.payload = parseJson(rows.text(row, 6), nlohmann::json::object());
  out.txnId = rows.string(row, 7);
  const auto state = rows.text(row, 8);
  out.state = state == "sent"     ? OutboxState::kSent
              : state == "denied" ? OutboxState::kDenied
              : state == "failed" ? OutboxState::kFailed
                                  : OutboxState::kPending;
  out.attempts = static_cast<int>(rows.int64(row, 9));
  out.nextAttemptAt = rows.int64(row, 10);
  out.lastError = rows.string(row, 11);
  out.auditId = rows.int64(row, 12);
  out.createAt = rows.int64(row, 13);
  return out;
}

std::vector<OutboxRow> outboxRowsOf(const Rows& rows) {
  std::vector<OutboxRow> out;
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) out.push_back(outboxFromRow(rows, i));
  return out;
}

// kPendingOfLink's rows at results[first], the posts and authors of the two statements after it.
PendingRows pendingRowsOf(const std::vector<Rows>& results, std::size_t first) {
  PendingRows pending;
  pending.rows = outboxRowsOf(results[first]);
  const Rows& posts = results[first + 1];
  const Rows& authors = results[first + 2];
  pending.posts.reserve(static_cast<std::size_t>(posts.size()));
  for (int i = 0; i < posts.size(); ++i) pending.posts.push_back(postFromRow(posts, i));
  pending.authors.reserve(static_cast<std::size_t>(authors.size()));
  for (int i = 0; i < authors.size(); ++i) pending.authors.push_back(userFromRow(authors, i));
  return pending;
}

Error linkNotFound() {
  return makeError(ErrorCode::kNotFound, "app.parley.link.not_found.app_error",
                   "Unable to find the link.");
}

// A list parameter. Text that is not UTF-8 is an error, as PostgreSQL's for a single value:
// replacing it would store another id than the one asked for.
Result<std::string> jsonText(const nlohmann::json& list) {
  try {
    return list.dump();
  } catch (const nlohmann::json::type_error&) {
    return makeError(ErrorCode::kInvalidArgument, "app.parley.bridge.encoding.app_error",
                     "A remote id is not valid UTF-8.");
  }
}

// The id map entries of `posts` as the JSON list kPutParts and kMarkSentMany read.
nlohmann::json partsJson(const std::vector<PostParts>& posts) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& post : posts) {
    for (const auto& part : post.parts) {
      list.push_back({{"post_id", post.postId},
                      {"part", part.part},
                      {"bridge", post.bridge},
                      {"remote_room", post.remoteRoom},
                      {"remote_event_id", part.remoteEventId}});
    }
  }
  return list;
}

bool isReaction(model::MessageChange kind) {
  return kind == model::MessageChange::kReaction || kind == model::MessageChange::kReactionDelete;
}

}  // namespace

Status PgBridgeStore::createLink(const model::Link& link) {
  auto rows = store_.exec(kCreateLink, Params()
                                           .add(link.id)
                                           .add(link.channelId)
                                           .add(link.bridge)
                                           .add(link.remoteRoom)
                                           .add(link.peer)
                                           .add(model::linkDirectionName(link.direction))
                                           .add(link.readOnly)
                                           .add(link.createdBy)
                                           .add(link.createAt)
                                           .add(link.updateAt));
  if (!rows && rows.error().code == ErrorCode::kConflict) {
    return makeError(ErrorCode::kConflict, "app.parley.link.exists.app_error",
                     "That remote room is already linked on this bridge.");
  }
  return done(std::move(rows));
}

Result<model::Link> PgBridgeStore::getLink(std::string_view id) {
  auto rows = store_.exec(kGetLink, Params().add(id));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return linkNotFound();
  return linkFromRow(*rows, 0);
}

Result<std::vector<model::Link>> PgBridgeStore::listLinks() {
  return linksFrom(store_.exec(kListLinks));
}

Result<bool> PgBridgeStore::deleteLink(std::string_view id) {
  auto rows = store_.exec(kDeleteLink, Params().add(id));
  if (!rows) return std::move(rows).error();
  return rows->affected() > 0;
}

Result<std::vector<model::Link>> PgBridgeStore::linksOfChannel(std::string_view channelId) {
  return linksFrom(store_.exec(kLinksOfChannel, Params().add(channelId)));
}

void PgBridgeStore::linkByRemoteAhead(std::string_view bridge, std::string_view remoteRoom) {
  linkByRemoteAhead_.send(store_, kLinkByRemote, Params().add(bridge).add(remoteRoom),
                          ReadAhead::keyOf(bridge, remoteRoom));
}

Result<std::optional<model::Link>> PgBridgeStore::linkByRemote(std::string_view bridge,
                                                               std::string_view remoteRoom) {
  auto ahead = linkByRemoteAhead_.take(store_, ReadAhead::keyOf(bridge, remoteRoom));
  auto rows =
      ahead ? std::move(*ahead) : store_.exec(kLinkByRemote, Params().add(bridge).add(remoteRoom));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<model::Link>{};
  return std::optional<model::Link>{linkFromRow(*rows, 0)};
}

Status PgBridgeStore::updateLink(const model::Link& link) {
  auto rows = store_.exec(kUpdateLink, Params()
                                           .add(link.id)
                                           .add(link.peer)
                                           .add(model::linkDirectionName(link.direction))
                                           .add(link.readOnly)
                                           .add(link.updateAt));
  if (!rows) return std::move(rows).error();
  if (rows->affected() == 0) return linkNotFound();
  return {};
}

void PgBridgeStore::findRemoteUserAhead(std::string_view bridge, std::string_view remoteId) {
  remoteUserAhead_.send(store_, kFindRemoteUser, Params().add(bridge).add(remoteId),
                        ReadAhead::keyOf(bridge, remoteId));
}

Result<std::optional<BridgeStore::KnownPuppet>> PgBridgeStore::findRemoteUser(
    std::string_view bridge, std::string_view remoteId) {
  auto ahead = remoteUserAhead_.take(store_, ReadAhead::keyOf(bridge, remoteId));
  auto rows =
      ahead ? std::move(*ahead) : store_.exec(kFindRemoteUser, Params().add(bridge).add(remoteId));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<KnownPuppet>{};
  KnownPuppet found{model::RemoteUser{}, userFromRow(*rows, 0)};
  model::RemoteUser& remote = found.remote;
  const int first = UserColumn::kCount;
  remote.bridge = rows->string(0, first);
  remote.remoteId = rows->string(0, first + 1);
  remote.domain = rows->string(0, first + 2);
  remote.displayName = rows->string(0, first + 3);
  remote.userId = rows->string(0, first + 4);
  remote.createAt = rows->int64(0, first + 5);
  remote.updateAt = rows->int64(0, first + 6);
  return std::optional<KnownPuppet>{std::move(found)};
}

Status PgBridgeStore::upsertRemoteUser(const model::RemoteUser& user) {
  return done(store_.exec(kUpsertRemoteUser, Params()
                                                 .add(user.bridge)
                                                 .add(user.remoteId)
                                                 .add(user.domain)
                                                 .add(user.displayName)
                                                 .add(user.userId)
                                                 .add(user.createAt)
                                                 .add(user.updateAt)));
}

Status PgBridgeStore::enqueue(const OutboxRow& row) {
  Params params;
  params.add(row.linkId).add(model::messageChangeName(row.kind)).add(row.postId);
  if (isReaction(row.kind)) {
    params.add(row.reactionUserId).add(row.reactionEmoji);
  } else {
    params.addNull().addNull();
  }
  params.add(row.payload.dump()).add(row.txnId).add(row.nextAttemptAt).add(row.createAt);
  // Goes with the change's next statement or its COMMIT: the row is written or nothing is.
  return store_.deferRow(kEnqueue, std::move(params));
}

Status PgBridgeStore::enqueueDecided(const OutboxRow& row) {
  Params params;
  params.add(row.id).add(row.linkId).add(model::messageChangeName(row.kind)).add(row.postId);
  if (isReaction(row.kind)) {
    params.add(row.reactionUserId).add(row.reactionEmoji);
  } else {
    params.addNull().addNull();
  }
  params.add(row.payload.dump()).add(row.txnId).add(row.nextAttemptAt).add(row.createAt);
  params.add(outboxStateName(row.state)).add(row.auditId).add(row.lastError);
  return store_.deferRow(kEnqueueDecided, std::move(params));
}

void PgBridgeStore::outboxIdsAhead(int count) {
  outboxIdsAhead_.send(store_, kOutboxIds, Params().add(std::clamp(count, 1, kMaxOutboxIds)),
                       std::string(kOutboxIdsKey));
}

Result<std::int64_t> PgBridgeStore::nextOutboxId() {
  // Numbers left from another transaction are dropped: a row numbered before rows that other
  // transactions wrote since would go out before them.
  const std::uint64_t transaction = store_.transactionSerial();
  if (transaction == 0 || transaction != outboxIdsTransaction_) outboxIds_.clear();
  if (outboxIds_.empty()) {
    auto ahead = outboxIdsAhead_.take(store_, kOutboxIdsKey);
    auto rows = ahead ? std::move(*ahead) : store_.exec(kOutboxIds, Params().add(1));
    if (!rows) return std::move(rows).error();
    for (int row = rows->size() - 1; row >= 0; --row) outboxIds_.push_back(rows->int64(row, 0));
    outboxIdsTransaction_ = transaction;
    if (outboxIds_.empty()) {
      return makeError(ErrorCode::kInternal, "app.outbox.next_id.app_error",
                       "The outbox's sequence gave no number.");
    }
  }
  const std::int64_t id = outboxIds_.back();
  outboxIds_.pop_back();
  return id;
}

Result<std::optional<OutboxRow>> PgBridgeStore::outboxRow(std::int64_t id) {
  auto rows = store_.exec(kOutboxRow, Params().add(id));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<OutboxRow>{};
  return std::optional<OutboxRow>{outboxFromRow(*rows, 0)};
}

Result<PendingRows> PgBridgeStore::pendingOfLink(std::string_view linkId, int limit,
                                                 std::int64_t afterId) {
  const Params params = Params().add(linkId).add(limit).add(afterId);
  auto results = store_.execAll({{&kPendingOfLink, &params},
                                 {&kPendingPostsOfLink, &params},
                                 {&kPendingAuthorsOfLink, &params}});
  if (!results) return std::move(results).error();
  return pendingRowsOf(*results, 0);
}

Result<std::vector<PendingLink>> PgBridgeStore::pendingLinks() {
  auto rows = store_.exec(kPendingLinks);
  if (!rows) return std::move(rows).error();
  std::vector<PendingLink> links;
  for (int i = 0; i < rows->size(); ++i) {
    links.push_back(PendingLink{rows->string(i, 0), rows->int64(i, 1)});
  }
  return links;
}

Status PgBridgeStore::markSent(std::int64_t id) {
  return done(store_.exec(kMarkSent, Params().add(id)));
}

Status PgBridgeStore::markSentMany(const std::vector<std::int64_t>& ids,
                                   const std::vector<PostParts>& parts, std::int64_t at) {
  if (ids.empty() && parts.empty()) return {};
  auto text = jsonText(partsJson(parts));
  if (!text) return std::move(text).error();
  return done(
      store_.exec(kMarkSentMany, Params().add(nlohmann::json(ids).dump()).add(*text).add(at)));
}

Status PgBridgeStore::markDenied(std::int64_t id, std::int64_t auditId, std::string_view reason) {
  return done(store_.exec(kMarkDenied, Params().add(id).add(auditId).add(reason)));
}

Status PgBridgeStore::markFailed(std::int64_t id, std::string_view lastError) {
  return done(store_.exec(kMarkFailed, Params().add(id).add(lastError)));
}

Status PgBridgeStore::reschedule(std::int64_t id, int attempts, std::int64_t nextAttemptAt,
                                 std::string_view lastError) {
  return done(
      store_.exec(kReschedule, Params().add(id).add(attempts).add(nextAttemptAt).add(lastError)));
}

Result<std::int64_t> PgBridgeStore::deleteOrphanedOutboxRows() {
  auto rows = store_.exec(kDeleteOrphanedOutbox);
  if (!rows) return std::move(rows).error();
  return rows->affected();
}

Result<OutboxCounts> PgBridgeStore::outboxCounts(std::string_view linkId) {
  auto rows = store_.exec(kOutboxCounts, Params().add(linkId));
  if (!rows) return std::move(rows).error();
  return OutboxCounts{rows->int64(0, 0), rows->int64(0, 1), rows->int64(0, 2), rows->int64(0, 3)};
}

namespace {

std::string drainLockName(std::string_view linkId) { return "drain:" + std::string(linkId); }

}  // namespace

Result<LockedLink> PgBridgeStore::lockLink(std::string_view linkId, int pendingLimit) {
  Connection* connection = store_.connection();
  if (connection == nullptr) return unavailableError("not connected");
  const std::string lockName = drainLockName(linkId);
  // Granted to this session before: it still holds it, the link is only read (the lock
  // statement's look at pg_locks is the costliest part of a batch's reads).
  const bool held = connection->holdsSessionLock(lockName);
  // The lock in a statement of its own: the snapshots of the reads after it are taken once it
  // is granted.
  const Params lockParams = Params().add(linkId);
  const Params pendingParams = Params().add(linkId).add(pendingLimit).add(std::int64_t{0});
  auto results = store_.execAll({{held ? &kGetLink : &kLockLink, &lockParams},
                                 {&kPendingOfLink, &pendingParams},
                                 {&kPendingPostsOfLink, &pendingParams},
                                 {&kPendingAuthorsOfLink, &pendingParams}});
  if (!results) return std::move(results).error();
  const Rows& link = (*results)[0];
  if (link.empty()) return linkNotFound();
  LockedLink locked{linkFromRow(link, 0), held || link.boolean(0, kLinkColumnCount), {}};
  if (!locked.locked) return locked;  // another session's rows are not this one's to drain
  connection->noteSessionLock(lockName);
  locked.pending = pendingRowsOf(*results, 1);
  return locked;
}

Status PgBridgeStore::unlockLink(std::string_view linkId) {
  if (Connection* connection = store_.connection()) {
    connection->forgetSessionLock(drainLockName(linkId));
  }
  return done(store_.exec(kUnlockLink, Params().add(linkId)));
}

Result<std::int64_t> PgBridgeStore::linkLockHolder(std::string_view linkId) {
  auto rows = store_.exec(kLinkLockHolder, Params().add(linkId));
  if (!rows) return std::move(rows).error();
  return rows->int64(0, 0);
}

Result<bool> PgBridgeStore::claimInbox(std::string_view bridge, std::string_view remoteId,
                                       std::string_view effectKind, std::int64_t receivedAt) {
  auto rows =
      store_.exec(kClaimInbox, Params().add(bridge).add(remoteId).add(effectKind).add(receivedAt));
  if (!rows) return std::move(rows).error();
  return !rows->empty();
}

Result<bool> PgBridgeStore::inboxHas(std::string_view bridge, std::string_view remoteId) {
  auto rows = store_.exec(kInboxHas, Params().add(bridge).add(remoteId));
  if (!rows) return std::move(rows).error();
  return !rows->empty();
}

Status PgBridgeStore::setInboxEffect(std::string_view bridge, std::string_view remoteId,
                                     std::string_view effectKind, std::string_view effectId) {
  return done(store_.exec(kSetInboxEffect,
                          Params().add(bridge).add(remoteId).add(effectKind).add(effectId)));
}

namespace {

// claimInboxMany's claims as its statement takes them ($2).
Result<std::string> claimsText(const std::vector<InboxClaim>& claims) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& claim : claims) {
    list.push_back({{"remote_id", claim.remoteId}, {"effect_kind", claim.effectKind}});
  }
  return jsonText(list);
}

std::string claimsKey(std::string_view bridge, std::string_view claims, std::int64_t receivedAt) {
  return ReadAhead::keyOf(bridge, claims) + '\n' + std::to_string(receivedAt);
}

}  // namespace

void PgBridgeStore::claimInboxManyAhead(std::string_view bridge,
                                        const std::vector<InboxClaim>& claims,
                                        std::int64_t receivedAt) {
  if (claims.empty()) return;
  auto text = claimsText(claims);
  if (!text) return;  // claimInboxMany meets the same error
  claimsAhead_.send(store_, kClaimInboxMany, Params().add(bridge).add(*text).add(receivedAt),
                    claimsKey(bridge, *text, receivedAt));
}

Result<std::vector<bool>> PgBridgeStore::claimInboxMany(std::string_view bridge,
                                                        const std::vector<InboxClaim>& claims,
                                                        std::int64_t receivedAt) {
  if (claims.empty()) return std::vector<bool>{};
  auto text = claimsText(claims);
  if (!text) return std::move(text).error();
  auto ahead = claimsAhead_.take(store_, claimsKey(bridge, *text, receivedAt));
  auto rows = ahead ? std::move(*ahead)
                    : store_.exec(kClaimInboxMany, Params().add(bridge).add(*text).add(receivedAt));
  if (!rows) return std::move(rows).error();
  std::set<std::string> taken;
  for (int i = 0; i < rows->size(); ++i) taken.insert(rows->string(i, 0));
  std::vector<bool> claimed;
  claimed.reserve(claims.size());
  // An id the statement took once goes to its first claim in the list.
  for (const auto& claim : claims) claimed.push_back(taken.erase(claim.remoteId) > 0);
  return claimed;
}

Status PgBridgeStore::setInboxEffects(std::string_view bridge,
                                      const std::vector<InboxEffect>& effects) {
  if (effects.empty()) return {};
  nlohmann::json byRemoteId = nlohmann::json::object();
  for (const auto& effect : effects) {
    // An id named twice keeps its first effect, as its first claim took it (claimInbox); the
    // upsert could not write one row twice anyway.
    byRemoteId.emplace(effect.remoteId,
                       nlohmann::json::array({effect.effectKind, effect.effectId}));
  }
  auto text = jsonText(byRemoteId);
  if (!text) return std::move(text).error();
  // With the transaction's next statement or its COMMIT: nothing reads its rows.
  return store_.defer(kSetInboxEffects, Params().add(bridge).add(*text));
}

Status PgBridgeStore::putParts(std::string_view postId, std::string_view bridge,
                               std::string_view remoteRoom, const std::vector<IdMapPart>& parts,
                               std::int64_t at) {
  return putPartsMany(
      {PostParts{std::string(postId), std::string(bridge), std::string(remoteRoom), parts}}, at);
}

Status PgBridgeStore::putPartsMany(const std::vector<PostParts>& posts, std::int64_t at) {
  const nlohmann::json list = partsJson(posts);
  if (list.empty()) return {};
  auto text = jsonText(list);
  if (!text) return std::move(text).error();
  // With the transaction's next statement or its COMMIT: nothing reads its rows.
  return store_.defer(kPutParts, Params().add(*text).add(at));
}

Result<std::vector<IdMapPart>> PgBridgeStore::partsOf(std::string_view postId,
                                                      std::string_view bridge,
                                                      std::string_view remoteRoom) {
  auto rows = store_.exec(kPartsOf, Params().add(postId).add(bridge).add(remoteRoom));
  if (!rows) return std::move(rows).error();
  std::vector<IdMapPart> parts;
  for (int i = 0; i < rows->size(); ++i) {
    parts.push_back(IdMapPart{static_cast<int>(rows->int64(i, 0)), rows->string(i, 1)});
  }
  return parts;
}

Result<std::vector<ArchivedPost>> PgBridgeStore::archive(const ArchiveQuery& query) {
  auto rows = store_.exec(kArchive, Params()
                                        .add(query.channelId)
                                        .add(query.bridge)
                                        .add(query.remoteRoom)
                                        .add(query.afterPostId)
                                        .add(query.beforePostId)
                                        .add(query.sinceMs)
                                        .add(query.untilMs)
                                        .add(std::max(0, query.limit))
                                        .add(query.newestFirst));
  if (!rows) return std::move(rows).error();
  std::vector<ArchivedPost> posts;
  posts.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    posts.push_back(ArchivedPost{rows->string(i, 0), rows->string(i, 1), rows->string(i, 2),
                                 rows->int64(i, 3), rows->int64(i, 4), rows->string(i, 5),
                                 rows->string(i, 6), rows->string(i, 7), rows->boolean(i, 8)});
  }
  return posts;
}

Result<std::optional<std::string>> PgBridgeStore::postOfRemote(std::string_view bridge,
                                                               std::string_view remoteRoom,
                                                               std::string_view remoteEventId) {
  auto rows = store_.exec(kPostOfRemote, Params().add(bridge).add(remoteRoom).add(remoteEventId));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<std::string>{};
  return std::optional<std::string>{rows->string(0, 0)};
}

Status PgBridgeStore::putRemoteReaction(std::string_view bridge, std::string_view remoteRoom,
                                        std::string_view remoteEventId,
                                        const RemoteReaction& reaction, std::int64_t at) {
  auto rows = store_.exec(kPutRemoteReaction, Params()
                                                  .add(bridge)
                                                  .add(remoteRoom)
                                                  .add(remoteEventId)
                                                  .add(reaction.postId)
                                                  .add(reaction.userId)
                                                  .add(reaction.emojiName)
                                                  .add(at));
  if (!rows) return std::move(rows).error();
  return {};
}

Result<std::optional<RemoteReaction>> PgBridgeStore::remoteReaction(
    std::string_view bridge, std::string_view remoteRoom, std::string_view remoteEventId) {
  auto rows = store_.exec(kRemoteReaction, Params().add(bridge).add(remoteRoom).add(remoteEventId));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<RemoteReaction>{};
  return std::optional<RemoteReaction>{
      RemoteReaction{rows->string(0, 0), rows->string(0, 1), rows->string(0, 2)}};
}

Status PgBridgeStore::deleteRemoteReaction(std::string_view bridge, std::string_view remoteRoom,
                                           std::string_view remoteEventId) {
  auto rows =
      store_.exec(kDeleteRemoteReaction, Params().add(bridge).add(remoteRoom).add(remoteEventId));
  if (!rows) return std::move(rows).error();
  return {};
}

namespace {

std::optional<DirectRoom> directRoomRow(const Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return DirectRoom{rows.string(0, 0), rows.string(0, 1), rows.string(0, 2), rows.string(0, 3),
                    rows.int64(0, 4)};
}

}  // namespace

Status PgBridgeStore::putDirectRoom(std::string_view bridge, const DirectRoom& room) {
  auto rows = store_.exec(kPutDirectRoom, Params()
                                              .add(bridge)
                                              .add(room.roomId)
                                              .add(room.localUserId)
                                              .add(room.remoteId)
                                              .add(room.createAt));
  if (!rows) return std::move(rows).error();
  return {};
}

Status PgBridgeStore::deleteDirectRoom(std::string_view bridge, std::string_view roomId) {
  auto rows = store_.exec(kDeleteDirectRoom, Params().add(bridge).add(roomId));
  if (!rows) return std::move(rows).error();
  return {};
}

Result<std::optional<DirectRoom>> PgBridgeStore::directRoomOfPair(std::string_view bridge,
                                                                  std::string_view localUserId,
                                                                  std::string_view remoteId) {
  auto rows = store_.exec(kDirectRoomOfPair, Params().add(bridge).add(localUserId).add(remoteId));
  if (!rows) return std::move(rows).error();
  return directRoomRow(*rows);
}

Result<std::optional<DirectRoom>> PgBridgeStore::directRoomById(std::string_view bridge,
                                                                std::string_view roomId) {
  auto rows = store_.exec(kDirectRoomById, Params().add(bridge).add(roomId));
  if (!rows) return std::move(rows).error();
  return directRoomRow(*rows);
}

}  // namespace parley::core::store::postgres
