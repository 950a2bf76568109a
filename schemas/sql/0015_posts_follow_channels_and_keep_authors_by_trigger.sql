-- A post still goes with its channel (as ON DELETE CASCADE did) and still keeps its author from
-- being deleted (as the key's NO ACTION did), now by statement triggers on channels and users
-- instead of foreign keys. Each key's check ran a query per post written, locking the channel's
-- and the author's rows (FOR KEY SHARE): about 0.04 ms of every post's insert, more than half
-- of it for a post in a batch. Parleyd deletes neither channels nor users (both are archived,
-- with delete_at set); only an administrator's own SQL does. A post is written by a statement
-- that also updates its channel's counters, so a channel's deletion still waits for the posts
-- being written to it and then takes them along. An author's deletion racing a post of theirs
-- is no longer held off: the post would keep a user id no row has.
ALTER TABLE posts DROP CONSTRAINT posts_channel_id_fkey;
ALTER TABLE posts DROP CONSTRAINT posts_user_id_fkey;

CREATE FUNCTION posts_follow_deleted_channels() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM posts WHERE channel_id IN (SELECT id FROM deleted_channels);
  RETURN NULL;
END
$$;

CREATE TRIGGER channels_posts_follow
  AFTER DELETE ON channels
  REFERENCING OLD TABLE AS deleted_channels
  FOR EACH STATEMENT EXECUTE FUNCTION posts_follow_deleted_channels();

CREATE FUNCTION posts_keep_their_authors() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM posts p JOIN deleted_users d ON d.id = p.user_id) THEN
    RAISE EXCEPTION 'a user who wrote posts cannot be deleted'
      USING ERRCODE = 'foreign_key_violation',
            HINT = 'Deactivate the user instead (delete_at), as Mattermost does.';
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER users_keep_post_authors
  AFTER DELETE ON users
  REFERENCING OLD TABLE AS deleted_users
  FOR EACH STATEMENT EXECUTE FUNCTION posts_keep_their_authors();
