-- Messaging: teams, channels, memberships, posts, reactions, files, incoming webhooks.
-- Field names follow Mattermost's JSON shapes (reference/mattermost-api.md §7).

CREATE TABLE teams (
  id                    varchar(26)  PRIMARY KEY,
  create_at             bigint       NOT NULL DEFAULT 0,
  update_at             bigint       NOT NULL DEFAULT 0,
  delete_at             bigint       NOT NULL DEFAULT 0,
  display_name          varchar(64)  NOT NULL,
  name                  varchar(64)  NOT NULL,
  description           varchar(255) NOT NULL DEFAULT '',
  email                 varchar(128) NOT NULL DEFAULT '',
  type                  char(1)      NOT NULL DEFAULT 'O' CHECK (type IN ('O', 'I')),
  company_name          varchar(64)  NOT NULL DEFAULT '',
  allowed_domains       varchar(1000) NOT NULL DEFAULT '',
  invite_id             varchar(32)  NOT NULL DEFAULT '',
  allow_open_invite     boolean      NOT NULL DEFAULT false,
  last_team_icon_update bigint       NOT NULL DEFAULT 0,
  scheme_id             varchar(26),
  group_constrained     boolean,
  cloud_limits_archived boolean      NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX teams_name_key ON teams (name);
CREATE INDEX teams_invite_id_idx ON teams (invite_id);
CREATE INDEX teams_update_at_idx ON teams (update_at);

CREATE TABLE team_members (
  team_id      varchar(26)  NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  user_id      varchar(26)  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- Explicit roles only; team_user/team_admin/team_guest come from the scheme_* flags.
  roles        varchar(256) NOT NULL DEFAULT '',
  delete_at    bigint       NOT NULL DEFAULT 0,
  scheme_guest boolean      NOT NULL DEFAULT false,
  scheme_user  boolean      NOT NULL DEFAULT true,
  scheme_admin boolean      NOT NULL DEFAULT false,
  create_at    bigint       NOT NULL DEFAULT 0,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_id_idx ON team_members (user_id);

CREATE TABLE channels (
  id                   varchar(26)   PRIMARY KEY,
  create_at            bigint        NOT NULL DEFAULT 0,
  update_at            bigint        NOT NULL DEFAULT 0,
  delete_at            bigint        NOT NULL DEFAULT 0,
  -- NULL for direct and group channels, which belong to no team (Mattermost sends "").
  team_id              varchar(26)   REFERENCES teams (id) ON DELETE CASCADE,
  type                 char(1)       NOT NULL CHECK (type IN ('O', 'P', 'D', 'G')),
  display_name         varchar(64)   NOT NULL DEFAULT '',
  name                 varchar(64)   NOT NULL,
  header               varchar(1024) NOT NULL DEFAULT '',
  purpose              varchar(250)  NOT NULL DEFAULT '',
  last_post_at         bigint        NOT NULL DEFAULT 0,
  last_root_post_at    bigint        NOT NULL DEFAULT 0,
  total_msg_count      bigint        NOT NULL DEFAULT 0,
  total_msg_count_root bigint        NOT NULL DEFAULT 0,
  extra_update_at      bigint        NOT NULL DEFAULT 0,
  creator_id           varchar(26)   NOT NULL DEFAULT '',
  scheme_id            varchar(26),
  props                jsonb,
  group_constrained    boolean,
  shared               boolean,
  policy_id            varchar(26),
  -- Security label of the channel (abac-and-security.md §4.1): the classification alone for
  -- indexing and display, the full label (policy, classification, categories) as JSON.
  classification       varchar(64)   NOT NULL DEFAULT '',
  security_label       jsonb         NOT NULL DEFAULT '{}',
  CONSTRAINT channels_team_matches_type CHECK ((team_id IS NULL) = (type IN ('D', 'G')))
);
-- One name per team; direct and group channels (no team) share one namespace, as their names
-- are derived from the member ids.
CREATE UNIQUE INDEX channels_team_id_name_key ON channels (team_id, name) NULLS NOT DISTINCT;
CREATE INDEX channels_update_at_idx ON channels (update_at);
CREATE INDEX channels_team_id_type_idx ON channels (team_id, type);

CREATE TABLE channel_members (
  channel_id           varchar(26)  NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  user_id              varchar(26)  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  roles                varchar(256) NOT NULL DEFAULT '',
  last_viewed_at       bigint       NOT NULL DEFAULT 0,
  msg_count            bigint       NOT NULL DEFAULT 0,
  msg_count_root       bigint       NOT NULL DEFAULT 0,
  mention_count        bigint       NOT NULL DEFAULT 0,
  mention_count_root   bigint       NOT NULL DEFAULT 0,
  urgent_mention_count bigint       NOT NULL DEFAULT 0,
  notify_props         jsonb        NOT NULL DEFAULT
    '{"desktop": "default", "email": "default", "push": "default", "mark_unread": "all",
      "ignore_channel_mentions": "default", "channel_auto_follow_threads": "off"}',
  last_update_at       bigint       NOT NULL DEFAULT 0,
  scheme_guest         boolean      NOT NULL DEFAULT false,
  scheme_user          boolean      NOT NULL DEFAULT true,
  scheme_admin         boolean      NOT NULL DEFAULT false,
  PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX channel_members_user_id_idx ON channel_members (user_id);

CREATE TABLE posts (
  id              varchar(26)    PRIMARY KEY,
  create_at       bigint         NOT NULL DEFAULT 0,
  update_at       bigint         NOT NULL DEFAULT 0,
  edit_at         bigint         NOT NULL DEFAULT 0,
  delete_at       bigint         NOT NULL DEFAULT 0,
  is_pinned       boolean        NOT NULL DEFAULT false,
  user_id         varchar(26)    NOT NULL REFERENCES users (id),
  channel_id      varchar(26)    NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  -- NULL for thread roots (Mattermost sends ""); replies point at their root.
  root_id         varchar(26)    REFERENCES posts (id),
  -- On the saved copy of an edited post: the post it is an old version of.
  original_id     varchar(26)    REFERENCES posts (id),
  message         varchar(65535) NOT NULL DEFAULT '',
  type            varchar(26)    NOT NULL DEFAULT '',
  props           jsonb          NOT NULL DEFAULT '{}',
  hashtags        varchar(1000)  NOT NULL DEFAULT '',
  file_ids        jsonb          NOT NULL DEFAULT '[]',
  pending_post_id varchar(64)    NOT NULL DEFAULT '',
  -- Origin connection for posts that came from another network (no echo back to it).
  remote_id       varchar(26),
  -- Maintained by the posts_thread_counters trigger below.
  reply_count     bigint         NOT NULL DEFAULT 0,
  last_reply_at   bigint         NOT NULL DEFAULT 0,
  message_tsv     tsvector       GENERATED ALWAYS AS
    (to_tsvector('english', message || ' ' || hashtags)) STORED,
  CONSTRAINT posts_props_object CHECK (jsonb_typeof(props) = 'object'),
  CONSTRAINT posts_file_ids_array CHECK (jsonb_typeof(file_ids) = 'array')
);
CREATE INDEX posts_channel_id_create_at_idx ON posts (channel_id, create_at);
CREATE INDEX posts_channel_id_update_at_idx ON posts (channel_id, update_at);
CREATE INDEX posts_root_id_create_at_idx ON posts (root_id, create_at) WHERE root_id IS NOT NULL;
CREATE INDEX posts_user_id_idx ON posts (user_id);
CREATE INDEX posts_original_id_idx ON posts (original_id) WHERE original_id IS NOT NULL;
CREATE INDEX posts_message_tsv_idx ON posts USING gin (message_tsv);

-- reply_count and last_reply_at of a root count its live replies, whatever path wrote them
-- (API, bridge, webhook), so they cannot drift from the posts themselves. Incremental, so a
-- reply costs the same in a long thread as in a short one.
CREATE FUNCTION posts_thread_counters() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  counted_before boolean := TG_OP = 'UPDATE' AND OLD.root_id IS NOT NULL AND OLD.delete_at = 0;
  counted_after  boolean := NEW.root_id IS NOT NULL AND NEW.delete_at = 0;
  same_root      boolean := TG_OP = 'UPDATE' AND OLD.root_id IS NOT DISTINCT FROM NEW.root_id;
BEGIN
  IF counted_before AND NOT (counted_after AND same_root) THEN
    UPDATE posts SET
      reply_count = reply_count - 1,
      last_reply_at = COALESCE((SELECT max(r.create_at) FROM posts r
                                WHERE r.root_id = OLD.root_id AND r.delete_at = 0), 0)
      WHERE id = OLD.root_id;
  END IF;
  IF counted_after AND NOT (counted_before AND same_root) THEN
    UPDATE posts SET
      reply_count = reply_count + 1,
      last_reply_at = greatest(last_reply_at, NEW.create_at)
      WHERE id = NEW.root_id;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER posts_thread_counters
  AFTER INSERT OR UPDATE OF root_id, delete_at ON posts
  FOR EACH ROW EXECUTE FUNCTION posts_thread_counters();

CREATE TABLE reactions (
  user_id    varchar(26) NOT NULL REFERENCES users (id),
  post_id    varchar(26) NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  emoji_name varchar(64) NOT NULL,
  channel_id varchar(26) NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  create_at  bigint      NOT NULL DEFAULT 0,
  update_at  bigint      NOT NULL DEFAULT 0,
  delete_at  bigint      NOT NULL DEFAULT 0,
  remote_id  varchar(26),
  PRIMARY KEY (post_id, user_id, emoji_name)
);
CREATE INDEX reactions_channel_id_update_at_idx ON reactions (channel_id, update_at);
CREATE INDEX reactions_user_id_idx ON reactions (user_id);

CREATE TABLE file_infos (
  id                varchar(26)  PRIMARY KEY,
  creator_id        varchar(26)  NOT NULL REFERENCES users (id),
  post_id           varchar(26)  REFERENCES posts (id) ON DELETE SET NULL,
  channel_id        varchar(26)  NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  create_at         bigint       NOT NULL DEFAULT 0,
  update_at         bigint       NOT NULL DEFAULT 0,
  delete_at         bigint       NOT NULL DEFAULT 0,
  -- Relative to the file store's root directory.
  path              varchar(512) NOT NULL,
  thumbnail_path    varchar(512) NOT NULL DEFAULT '',
  preview_path      varchar(512) NOT NULL DEFAULT '',
  name              varchar(256) NOT NULL,
  extension         varchar(64)  NOT NULL DEFAULT '',
  size              bigint       NOT NULL DEFAULT 0,
  mime_type         varchar(256) NOT NULL DEFAULT '',
  width             integer      NOT NULL DEFAULT 0,
  height            integer      NOT NULL DEFAULT 0,
  has_preview_image boolean      NOT NULL DEFAULT false,
  mini_preview      bytea,
  -- Lower-case hex SHA-256 of the content, carried by the canonical message across bridges.
  sha256            char(64)     NOT NULL,
  remote_id         varchar(26),
  archived          boolean      NOT NULL DEFAULT false
);
CREATE INDEX file_infos_post_id_idx ON file_infos (post_id);
CREATE INDEX file_infos_channel_id_create_at_idx ON file_infos (channel_id, create_at);
CREATE INDEX file_infos_creator_id_idx ON file_infos (creator_id);
CREATE INDEX file_infos_sha256_idx ON file_infos (sha256);

CREATE TABLE incoming_webhooks (
  id             varchar(26)   PRIMARY KEY,
  create_at      bigint        NOT NULL DEFAULT 0,
  update_at      bigint        NOT NULL DEFAULT 0,
  delete_at      bigint        NOT NULL DEFAULT 0,
  user_id        varchar(26)   NOT NULL REFERENCES users (id),
  channel_id     varchar(26)   NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  team_id        varchar(26)   NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  display_name   varchar(64)   NOT NULL DEFAULT '',
  description    varchar(500)  NOT NULL DEFAULT '',
  username       varchar(255)  NOT NULL DEFAULT '',
  icon_url       varchar(1024) NOT NULL DEFAULT '',
  channel_locked boolean       NOT NULL DEFAULT false
);
CREATE INDEX incoming_webhooks_team_id_idx ON incoming_webhooks (team_id);
CREATE INDEX incoming_webhooks_user_id_idx ON incoming_webhooks (user_id);
CREATE INDEX incoming_webhooks_channel_id_idx ON incoming_webhooks (channel_id);
