-- Sidebar categories a user arranged (Mattermost's SidebarCategories and SidebarChannels). Until a
-- user changes the sidebar of a team, its three default categories are computed from their
-- memberships and nothing is stored here; the first change stores the whole arrangement.

CREATE TABLE sidebar_categories (
  id           varchar(128) PRIMARY KEY,
  user_id      varchar(26)  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  team_id      varchar(26)  NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  type         varchar(32)  NOT NULL
    CHECK (type IN ('favorites', 'channels', 'direct_messages', 'custom')),
  display_name varchar(64)  NOT NULL,
  sort_order   bigint       NOT NULL DEFAULT 0,
  sorting      varchar(32)  NOT NULL DEFAULT '',
  muted        boolean      NOT NULL DEFAULT false,
  collapsed    boolean      NOT NULL DEFAULT false
);
CREATE INDEX sidebar_categories_user_team_idx ON sidebar_categories (user_id, team_id);

-- A channel sits in at most one category of a user's sidebar in a team.
CREATE TABLE sidebar_channels (
  category_id varchar(128) NOT NULL REFERENCES sidebar_categories (id) ON DELETE CASCADE,
  channel_id  varchar(26)  NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  user_id     varchar(26)  NOT NULL,
  team_id     varchar(26)  NOT NULL,
  sort_order  bigint       NOT NULL DEFAULT 0,
  PRIMARY KEY (category_id, channel_id),
  UNIQUE (user_id, team_id, channel_id)
);
