-- Accounts: users, bots, sessions, personal access tokens, preferences, system values.
-- Column names follow Mattermost's JSON field names (reference/mattermost-api.md §7).
-- Timestamps are bigint milliseconds since the Unix epoch; 0 means "never" (delete_at = 0: live).
-- Migrations run inside a transaction opened by the runner: no BEGIN/COMMIT here.

CREATE TABLE users (
  id                         varchar(26)  PRIMARY KEY,
  create_at                  bigint       NOT NULL DEFAULT 0,
  update_at                  bigint       NOT NULL DEFAULT 0,
  delete_at                  bigint       NOT NULL DEFAULT 0,
  username                   varchar(64)  NOT NULL,
  -- Argon2id in PHC string format; '' for accounts that cannot log in with a password
  -- (bots, puppets of remote users).
  password                   text         NOT NULL DEFAULT '',
  auth_data                  varchar(128),
  auth_service               varchar(32)  NOT NULL DEFAULT '',
  email                      varchar(128) NOT NULL,
  email_verified             boolean      NOT NULL DEFAULT false,
  nickname                   varchar(64)  NOT NULL DEFAULT '',
  first_name                 varchar(64)  NOT NULL DEFAULT '',
  last_name                  varchar(64)  NOT NULL DEFAULT '',
  position                   varchar(128) NOT NULL DEFAULT '',
  roles                      varchar(256) NOT NULL DEFAULT 'system_user',
  allow_marketing            boolean      NOT NULL DEFAULT false,
  props                      jsonb        NOT NULL DEFAULT '{}',
  notify_props               jsonb        NOT NULL DEFAULT '{}',
  last_password_update       bigint       NOT NULL DEFAULT 0,
  last_picture_update        bigint       NOT NULL DEFAULT 0,
  failed_attempts            integer      NOT NULL DEFAULT 0,
  locale                     varchar(35)  NOT NULL DEFAULT 'en',
  timezone                   jsonb        NOT NULL DEFAULT
    '{"automaticTimezone": "", "manualTimezone": "", "useAutomaticTimezone": "true"}',
  mfa_active                 boolean      NOT NULL DEFAULT false,
  mfa_secret                 varchar(128) NOT NULL DEFAULT '',
  last_activity_at           bigint       NOT NULL DEFAULT 0,
  last_login                 bigint       NOT NULL DEFAULT 0,
  is_bot                     boolean      NOT NULL DEFAULT false,
  disable_welcome_email      boolean      NOT NULL DEFAULT false,
  terms_of_service_id        varchar(26)  NOT NULL DEFAULT '',
  terms_of_service_create_at bigint       NOT NULL DEFAULT 0,
  -- Puppets of users on other networks. remote_id is Mattermost's field: the connected
  -- workspace a shared-channel user came from. remote_bridge/remote_user_id/remote_domain say
  -- which bridge and which remote identity (MXID, JID, remote user id) the puppet stands for;
  -- remote_users below is the lookup table the bridges use.
  remote_id                  varchar(26),
  remote_bridge              varchar(32),
  remote_user_id             varchar(512),
  remote_domain              varchar(255),
  CONSTRAINT users_props_object CHECK (jsonb_typeof(props) = 'object'),
  CONSTRAINT users_notify_props_object CHECK (jsonb_typeof(notify_props) = 'object'),
  CONSTRAINT users_remote_complete CHECK ((remote_bridge IS NULL) = (remote_user_id IS NULL))
);
-- Mattermost compares usernames and emails case-insensitively.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_update_at_idx ON users (update_at);
CREATE INDEX users_create_at_idx ON users (create_at);
CREATE INDEX users_delete_at_idx ON users (delete_at);
CREATE INDEX users_remote_id_idx ON users (remote_id) WHERE remote_id IS NOT NULL;

CREATE TABLE bots (
  user_id          varchar(26)  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  description      varchar(1024) NOT NULL DEFAULT '',
  -- A user id, or a plugin id as in Mattermost; not a foreign key for that reason.
  owner_id         varchar(190) NOT NULL,
  last_icon_update bigint       NOT NULL DEFAULT 0,
  create_at        bigint       NOT NULL DEFAULT 0,
  update_at        bigint       NOT NULL DEFAULT 0,
  delete_at        bigint       NOT NULL DEFAULT 0
);
CREATE INDEX bots_owner_id_idx ON bots (owner_id);

CREATE TABLE sessions (
  id               varchar(26)  PRIMARY KEY,
  -- SHA-256 of the bearer token: a copy of this table does not let anyone log in.
  token_hash       bytea        NOT NULL UNIQUE,
  create_at        bigint       NOT NULL DEFAULT 0,
  expires_at       bigint       NOT NULL DEFAULT 0,
  last_activity_at bigint       NOT NULL DEFAULT 0,
  user_id          varchar(26)  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  device_id        varchar(512) NOT NULL DEFAULT '',
  roles            varchar(256) NOT NULL DEFAULT '',
  is_oauth         boolean      NOT NULL DEFAULT false,
  expired_notify   boolean      NOT NULL DEFAULT false,
  csrf_token       varchar(26)  NOT NULL DEFAULT '',
  props            jsonb        NOT NULL DEFAULT '{}',
  local            boolean      NOT NULL DEFAULT false
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

CREATE TABLE user_access_tokens (
  id          varchar(26)  PRIMARY KEY,
  token_hash  bytea        NOT NULL UNIQUE,
  user_id     varchar(26)  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  description varchar(512) NOT NULL DEFAULT '',
  is_active   boolean      NOT NULL DEFAULT true,
  create_at   bigint       NOT NULL DEFAULT 0
);
CREATE INDEX user_access_tokens_user_id_idx ON user_access_tokens (user_id);

CREATE TABLE preferences (
  user_id  varchar(26)   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  category varchar(32)   NOT NULL,
  name     varchar(32)   NOT NULL,
  value    varchar(2000) NOT NULL DEFAULT '',
  PRIMARY KEY (user_id, category, name)
);
CREATE INDEX preferences_category_name_idx ON preferences (category, name);

-- Server-wide values (Mattermost's Systems table), e.g. signup_locked.
CREATE TABLE system (
  name  varchar(64) PRIMARY KEY,
  value text        NOT NULL
);
