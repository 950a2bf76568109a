-- Announces every change that can make a cached session wrong (core/services/session_cache):
-- `NOTIFY parley_auth_changed, '<user id> <transaction id>'` when a user, one of their sessions
-- or one of their personal access tokens is updated or deleted. The transaction id tells two
-- hearings of one change (the writer's own connection, then the listener) from two changes. A NOTIFY is transactional: it is sent when the
-- change commits, to every node, and to whatever wrote it (another node, the command line, psql).
--
-- Not announced: inserts (a new row was in nobody's cache) and a session's last_activity_at
-- alone (written every few minutes per active session; the cache re-reads before it is due).

CREATE FUNCTION parley_notify_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed varchar(26);
BEGIN
  IF TG_TABLE_NAME = 'users' THEN
    changed := OLD.id;
  ELSE
    changed := OLD.user_id;
  END IF;
  PERFORM pg_notify('parley_auth_changed', changed || ' ' || txid_current());
  RETURN NULL;
END
$$;

CREATE TRIGGER users_auth_changed AFTER UPDATE ON users
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION parley_notify_auth_changed();
CREATE TRIGGER users_auth_deleted AFTER DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION parley_notify_auth_changed();

CREATE TRIGGER sessions_auth_changed AFTER UPDATE ON sessions
  FOR EACH ROW WHEN ((OLD.id, OLD.token_hash, OLD.create_at, OLD.expires_at, OLD.user_id,
                      OLD.device_id, OLD.roles, OLD.is_oauth, OLD.csrf_token, OLD.props,
                      OLD.local)
                     IS DISTINCT FROM
                     (NEW.id, NEW.token_hash, NEW.create_at, NEW.expires_at, NEW.user_id,
                      NEW.device_id, NEW.roles, NEW.is_oauth, NEW.csrf_token, NEW.props,
                      NEW.local))
  EXECUTE FUNCTION parley_notify_auth_changed();
CREATE TRIGGER sessions_auth_deleted AFTER DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION parley_notify_auth_changed();

CREATE TRIGGER user_access_tokens_auth_changed AFTER UPDATE OR DELETE ON user_access_tokens
  FOR EACH ROW EXECUTE FUNCTION parley_notify_auth_changed();
