-- A user's presence as Mattermost stores it (Status). A row exists once the user set a status
-- or connected a WebSocket; without one the status is derived from the last activity. A manual
-- status (set by the user) wins over the derived one.

CREATE TABLE user_statuses (
  user_id          varchar(26) PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  status           varchar(32) NOT NULL CHECK (status IN ('online', 'away', 'dnd', 'offline')),
  manual           boolean     NOT NULL DEFAULT false,
  last_activity_at bigint      NOT NULL DEFAULT 0,
  -- Unix seconds at which a timed do-not-disturb ends (0: none), as Mattermost's dnd_end_time.
  dnd_end_time     bigint      NOT NULL DEFAULT 0,
  -- The status before do-not-disturb, restored when it ends.
  prev_status      varchar(32) NOT NULL DEFAULT ''
);
