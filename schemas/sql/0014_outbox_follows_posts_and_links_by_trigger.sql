-- An outbox row still goes with its post and with its link (as ON DELETE CASCADE did), now by
-- statement triggers on posts and links instead of foreign keys. Each key's check locked the
-- post's and the link's row (FOR KEY SHARE) for every outbox row written, in the transaction
-- that had just written the post and read the link: about 40 % of the outbox insert's time in
-- a burst (bench/xmpp/run --pgstats). Every writer of the outbox names the post it writes or
-- reads and a link it read in the same transaction; Parley never deletes a post's row, and a
-- link deleted while a post is written leaves at most that post's row for it, which no
-- drainer reads (they read the rows of the links there are).
ALTER TABLE outbox DROP CONSTRAINT outbox_post_id_fkey;
ALTER TABLE outbox DROP CONSTRAINT outbox_link_id_fkey;

CREATE FUNCTION outbox_follow_deleted_posts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM outbox WHERE post_id IN (SELECT id FROM deleted_posts);
  RETURN NULL;
END
$$;

CREATE TRIGGER posts_outbox_follow
  AFTER DELETE ON posts
  REFERENCING OLD TABLE AS deleted_posts
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_follow_deleted_posts();

CREATE FUNCTION outbox_follow_deleted_links() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM outbox WHERE link_id IN (SELECT id FROM deleted_links);
  RETURN NULL;
END
$$;

CREATE TRIGGER links_outbox_follow
  AFTER DELETE ON links
  REFERENCING OLD TABLE AS deleted_links
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_follow_deleted_links();
