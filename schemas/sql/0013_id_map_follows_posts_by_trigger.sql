-- A post's id map rows still go with the post (as ON DELETE CASCADE did), now by a statement
-- trigger on posts instead of a foreign key. The key's check locked the post's row (FOR KEY
-- SHARE) for every id map row the drainer wrote as it recorded a delivery, which writes the
-- post's tuple again: about 13 % of an outbox row's cycle from insert to delivery in pgbench.
-- Every writer of id_map names a post it read or wrote in the same transaction, and Parley
-- never deletes a post's row (a deleted post keeps it, with delete_at set): only an
-- administrator's own SQL, or a channel's deletion cascading to its posts, does.
ALTER TABLE id_map DROP CONSTRAINT id_map_post_id_fkey;

CREATE FUNCTION id_map_follow_deleted_posts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM id_map WHERE post_id IN (SELECT id FROM deleted_posts);
  RETURN NULL;
END
$$;

CREATE TRIGGER posts_id_map_follow
  AFTER DELETE ON posts
  REFERENCING OLD TABLE AS deleted_posts
  FOR EACH STATEMENT EXECUTE FUNCTION id_map_follow_deleted_posts();
