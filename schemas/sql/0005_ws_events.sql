-- Events relayed between gateway nodes (core/events/pg_relay) that are too large for a NOTIFY
-- payload: the sending node stores the event here and notifies its id; the other nodes read it.
-- Rows are only needed while the notification is in flight, so every node deletes rows older
-- than a few minutes.

CREATE TABLE ws_events (
  id         bigserial   PRIMARY KEY,
  origin     varchar(64) NOT NULL,
  payload    text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ws_events_created_at_idx ON ws_events (created_at);
