-- Policy attributes (abac-and-security.md §6.1, issue 5): Mattermost's custom profile
-- attributes (property groups, fields and values, as server/public/model/property_*.go), which
-- only system admins set, and the policy attributes of channels. The audit log they feed is
-- audit_log (0003_bridges.sql), already append-only by trigger.

-- Mattermost keeps fields in named groups; the custom profile attributes are one group whose
-- id is part of the field JSON (group_id). One row per installation, made here.
CREATE TABLE property_groups (
  id   varchar(26) PRIMARY KEY,
  name varchar(64) NOT NULL UNIQUE
);
INSERT INTO property_groups (id, name)
  VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 26), 'custom_profile_attributes');

CREATE TABLE property_fields (
  id          varchar(26)  PRIMARY KEY,
  group_id    varchar(26)  NOT NULL REFERENCES property_groups (id),
  name        varchar(255) NOT NULL,
  type        varchar(16)  NOT NULL
              CHECK (type IN ('text', 'select', 'multiselect', 'date', 'user', 'multiuser')),
  attrs       jsonb        NOT NULL DEFAULT '{}',  -- visibility, sort_order, options, value_type
  create_at   bigint       NOT NULL DEFAULT 0,
  update_at   bigint       NOT NULL DEFAULT 0,
  delete_at   bigint       NOT NULL DEFAULT 0,
  created_by  varchar(26)  NOT NULL DEFAULT '',
  updated_by  varchar(26)  NOT NULL DEFAULT ''
);
-- A policy names an attribute by its field name: two live fields of a group never share one.
CREATE UNIQUE INDEX property_fields_group_name_key ON property_fields (group_id, name)
  WHERE delete_at = 0;

-- One value per (field, user); value is the JSON Mattermost sends (a string, or an array of
-- strings for multiselect/multiuser; option ids for select fields).
CREATE TABLE property_values (
  field_id    varchar(26)  NOT NULL REFERENCES property_fields (id) ON DELETE CASCADE,
  target_id   varchar(26)  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  value       jsonb        NOT NULL,
  create_at   bigint       NOT NULL DEFAULT 0,
  update_at   bigint       NOT NULL DEFAULT 0,
  updated_by  varchar(26)  NOT NULL DEFAULT '',
  PRIMARY KEY (field_id, target_id)
);
CREATE INDEX property_values_target_id_idx ON property_values (target_id);

-- What the policy knows about a channel (the `channel` attributes of §6.5), set by system
-- admins. The label is kept as text: the policy engine parses it against the bundle's label
-- policy. No row: nothing is known, and policies that need an attribute deny.
CREATE TABLE channel_policy_attributes (
  channel_id  varchar(26)  PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
  label       varchar(256) NOT NULL,
  mission     varchar(64)  NOT NULL DEFAULT '',
  bridging    varchar(8)   NOT NULL DEFAULT 'never' CHECK (bridging IN ('never', 'allowed')),
  bridges     jsonb        NOT NULL DEFAULT '[]',  -- bridge ids (array of strings)
  guests      boolean      NOT NULL DEFAULT false,
  update_at   bigint       NOT NULL DEFAULT 0,
  updated_by  varchar(26)  NOT NULL DEFAULT ''
);

-- The audit writer serialises appends with a transaction-level advisory lock and reads the
-- newest row's chain_hash; the id index serves that. Reads filter on action and decision too.
CREATE INDEX audit_log_action_time_idx ON audit_log (action, time);
