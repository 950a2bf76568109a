-- The thread counters' trigger (0002_messaging.sql) fires only where it has something to
-- count: an inserted reply, or an update of a post that is or was a reply. A root post (most
-- posts) no longer runs the PL/pgSQL function at all, which with several posts written by one
-- statement is a visible part of the insert's cost. The function is unchanged: for the rows
-- it no longer sees it did nothing (no root before or after).
DROP TRIGGER posts_thread_counters ON posts;
CREATE TRIGGER posts_thread_counters_insert
  AFTER INSERT ON posts
  FOR EACH ROW WHEN (NEW.root_id IS NOT NULL)
  EXECUTE FUNCTION posts_thread_counters();
CREATE TRIGGER posts_thread_counters_update
  AFTER UPDATE OF root_id, delete_at ON posts
  FOR EACH ROW WHEN (OLD.root_id IS NOT NULL OR NEW.root_id IS NOT NULL)
  EXECUTE FUNCTION posts_thread_counters();
