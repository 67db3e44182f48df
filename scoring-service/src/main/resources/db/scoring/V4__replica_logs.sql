-- One row whose lock serialises the appends of every replica to score_changes, so cursors are
-- handed out in commit order (see ScoreChangeLog); seeded with the greatest cursor already used.
CREATE TABLE IF NOT EXISTS score_change_counter (
  counter_id INTEGER NOT NULL PRIMARY KEY,
  last_cursor BIGINT NOT NULL,
  last_notice BIGINT NOT NULL
);
INSERT INTO score_change_counter (counter_id, last_cursor, last_notice)
  SELECT 1, COALESCE(MAX(cursor_value), 0), 0 FROM score_changes
  WHERE NOT EXISTS (SELECT 1 FROM score_change_counter WHERE counter_id = 1);

-- What a replica changed that the others hold in memory (scores, scorecards, models, overrides,
-- accounts), one row per transaction, numbered under the counter's lock; every replica reads the
-- rows of the others and refreshes what they name (see CacheNotices).
CREATE TABLE IF NOT EXISTS cache_notices (
  notice_id BIGINT NOT NULL PRIMARY KEY,
  origin VARCHAR(64) NOT NULL,
  notice_time BIGINT NOT NULL,
  body BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS cache_notices_by_time ON cache_notices (notice_time);
