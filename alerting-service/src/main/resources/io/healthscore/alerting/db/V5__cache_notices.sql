-- What a replica changed that the others hold in memory (accounts edited at signals-service), one
-- row per transaction, numbered under the counter row's lock; every replica reads the rows of the
-- others and drops what they name (see ReplicaNotices).
CREATE TABLE IF NOT EXISTS alerting_notice_counter (
  counter_id INTEGER NOT NULL PRIMARY KEY,
  last_notice BIGINT NOT NULL
);
INSERT INTO alerting_notice_counter (counter_id, last_notice)
  SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM alerting_notice_counter WHERE counter_id = 1);

CREATE TABLE IF NOT EXISTS alerting_cache_notices (
  notice_id BIGINT NOT NULL PRIMARY KEY,
  origin VARCHAR(64) NOT NULL,
  notice_time BIGINT NOT NULL,
  body BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS alerting_cache_notices_by_time ON alerting_cache_notices (notice_time);
