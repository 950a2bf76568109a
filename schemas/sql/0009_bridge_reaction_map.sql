-- Bridges: reactions that came in over a bridge, by the remote event that made them. A Matrix
-- user removes a reaction by redacting its m.reaction event, and the redaction names only that
-- event: this says which post, puppet and emoji it was (matrix-appservice.md §4.5, §4.6).
-- Written in the same transaction as the reaction itself (the ingress pipeline).

CREATE TABLE reaction_map (
  bridge          varchar(32)  NOT NULL,
  remote_room     varchar(512) NOT NULL,
  remote_event_id varchar(512) NOT NULL,
  post_id         varchar(26)  NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  user_id         varchar(26)  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  emoji_name      varchar(64)  NOT NULL,
  create_at       bigint       NOT NULL DEFAULT 0,
  PRIMARY KEY (bridge, remote_room, remote_event_id)
);
CREATE INDEX reaction_map_post_id_idx ON reaction_map (post_id);
