-- Bridges: channel links, puppets of remote users, the outbox/inbox that make crossings
-- exactly-once, the id map, and the append-only audit log of boundary decisions
-- (design.md §2 and §5; reference/matrix-appservice.md §2, xmpp.md §2, abac-and-security.md §4.3).

-- Every boundary decision, permit or deny. Append-only: see the trigger below.
CREATE TABLE audit_log (
  id          bigserial    PRIMARY KEY,
  time        bigint       NOT NULL,  -- ms since the epoch, UTC
  subject     varchar(512) NOT NULL,  -- user id, puppet id or bridge/peer name
  resource    varchar(512) NOT NULL,  -- e.g. "post:<id>", "channel:<id>", "file:<id>"
  action      varchar(64)  NOT NULL,  -- e.g. "message.egress"
  decision    varchar(8)   NOT NULL CHECK (decision IN ('permit', 'deny')),
  rules       jsonb        NOT NULL DEFAULT '[]',  -- determining rule ids, failed clause
  obligations jsonb        NOT NULL DEFAULT '[]',  -- obligations applied
  bundle_hash varchar(128) NOT NULL DEFAULT '',    -- sha256 of the policy bundle in force
  detail      jsonb        NOT NULL DEFAULT '{}',  -- bridge, remote, direction, errors, latency
  -- Hash chain (AU-9/AU-10): sha256 over the previous record's hash and this record, filled
  -- in by the audit writer.
  chain_hash  bytea
);
CREATE INDEX audit_log_time_idx ON audit_log (time);
CREATE INDEX audit_log_subject_time_idx ON audit_log (subject, time);

-- The table's owner could REVOKE UPDATE/DELETE from others but not from itself, and parleyd
-- connects as the owner; a trigger refuses changes whoever asks. Retention is an operator's
-- deliberate act (ALTER TABLE audit_log DISABLE TRIGGER ...), never something parleyd does.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- A local channel linked to a room on another network.
CREATE TABLE links (
  id          varchar(26)  PRIMARY KEY,
  channel_id  varchar(26)  NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  bridge      varchar(32)  NOT NULL,  -- "matrix", "xmpp", "workspaces"
  remote_room varchar(512) NOT NULL,  -- room id, MUC JID or remote channel id
  direction   varchar(8)   NOT NULL DEFAULT 'both'
              CHECK (direction IN ('both', 'inbound', 'outbound')),
  read_only   boolean      NOT NULL DEFAULT false,
  created_by  varchar(26)  NOT NULL DEFAULT '',  -- user id; '' when it comes from gateway.yaml
  create_at   bigint       NOT NULL DEFAULT 0,
  update_at   bigint       NOT NULL DEFAULT 0
);
-- A remote room feeds one channel per bridge; a channel may reach several rooms.
CREATE UNIQUE INDEX links_bridge_remote_room_key ON links (bridge, remote_room);
CREATE INDEX links_channel_id_idx ON links (channel_id);

-- The local puppet user that stands for a user on another network.
CREATE TABLE remote_users (
  bridge       varchar(32)  NOT NULL,
  remote_id    varchar(512) NOT NULL,  -- MXID, JID or remote Mattermost user id
  domain       varchar(255) NOT NULL DEFAULT '',
  display_name varchar(255) NOT NULL DEFAULT '',
  user_id      varchar(26)  NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  create_at    bigint       NOT NULL DEFAULT 0,
  update_at    bigint       NOT NULL DEFAULT 0,
  PRIMARY KEY (bridge, remote_id)
);

-- Work for a bridge, written in the same transaction as the change it carries, drained in
-- order per link.
CREATE TABLE outbox (
  id               bigserial    PRIMARY KEY,
  link_id          varchar(26)  NOT NULL REFERENCES links (id) ON DELETE CASCADE,
  kind             varchar(16)  NOT NULL
                   CHECK (kind IN ('post', 'edit', 'delete', 'reaction', 'reaction_delete')),
  post_id          varchar(26)  NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  -- For reactions: the reaction is (post_id, reaction_user_id, reaction_emoji).
  reaction_user_id varchar(26),
  reaction_emoji   varchar(64),
  payload          jsonb        NOT NULL DEFAULT '{}',
  -- Sent with every attempt so the peer de-duplicates retries (matrix-appservice.md §2.5).
  txn_id           varchar(128) NOT NULL UNIQUE,
  state            varchar(8)   NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'sent', 'denied', 'failed')),
  attempts         integer      NOT NULL DEFAULT 0,
  next_attempt_at  bigint       NOT NULL DEFAULT 0,
  last_error       text         NOT NULL DEFAULT '',
  audit_id         bigint       REFERENCES audit_log (id),
  create_at        bigint       NOT NULL DEFAULT 0,
  CONSTRAINT outbox_reaction_ref CHECK (
    (kind IN ('reaction', 'reaction_delete')) =
    (reaction_user_id IS NOT NULL AND reaction_emoji IS NOT NULL))
);
-- Draining: the oldest pending rows of one link, in id order.
CREATE INDEX outbox_pending_link_idx ON outbox (link_id, id) WHERE state = 'pending';
CREATE INDEX outbox_pending_next_attempt_idx ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_post_id_idx ON outbox (post_id);

-- Remote transaction/event/stanza ids already processed, written in the same transaction as
-- their effect, so a redelivery changes nothing.
CREATE TABLE inbox (
  bridge      varchar(32)  NOT NULL,
  remote_id   varchar(512) NOT NULL,
  effect_kind varchar(16)  NOT NULL DEFAULT '',  -- "post", "edit", "reaction", ... or "" (ignored)
  effect_id   varchar(64)  NOT NULL DEFAULT '',  -- e.g. the post id it created
  received_at bigint       NOT NULL DEFAULT 0,
  PRIMARY KEY (bridge, remote_id)
);
CREATE INDEX inbox_received_at_idx ON inbox (received_at);

-- One local post may become several remote events (text, then one per file): part numbers
-- them. Looked up both ways: edits/deletes/reactions going out address every part; replies,
-- edits and reactions coming in name a remote event.
CREATE TABLE id_map (
  post_id         varchar(26)  NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  part            integer      NOT NULL DEFAULT 0,
  bridge          varchar(32)  NOT NULL,
  remote_room     varchar(512) NOT NULL,
  remote_event_id varchar(512) NOT NULL,
  create_at       bigint       NOT NULL DEFAULT 0,
  PRIMARY KEY (post_id, part, bridge, remote_room)
);
CREATE UNIQUE INDEX id_map_remote_key ON id_map (bridge, remote_room, remote_event_id);
