-- Bridges, issue 6: the policy peer of a link, i.e. the policy bundle's `bridges:` key whose
-- attributes every boundary decision on the link uses ('' = the bridge's own name).

ALTER TABLE links ADD COLUMN peer varchar(64) NOT NULL DEFAULT '';
