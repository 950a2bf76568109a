-- Bridges: the rooms of direct messages on networks where a DM is a room of its own (Matrix: a
-- room made with is_direct, by the remote user inviting a local user's puppet or by that
-- puppet inviting the remote user). The implicit link of the pair ("dm:<local id>:<remote id>",
-- core/model/link.hpp) stays the link; this says which remote room carries it, so that a DM
-- keeps its room across restarts and a second one is never made. A pair may have had several
-- rooms (the remote user invited again): all are read, the newest is written to.

CREATE TABLE direct_rooms (
  bridge        varchar(32)  NOT NULL,
  room_id       varchar(512) NOT NULL,
  local_user_id varchar(26)  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  remote_id     varchar(512) NOT NULL,
  create_at     bigint       NOT NULL DEFAULT 0,
  PRIMARY KEY (bridge, room_id)
);
CREATE INDEX direct_rooms_pair_idx ON direct_rooms (bridge, local_user_id, remote_id, create_at);
