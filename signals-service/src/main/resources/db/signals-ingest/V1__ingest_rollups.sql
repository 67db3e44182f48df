-- Daily rollups per account, metric and UTC day, written by ingest checkpoints.
-- checkpoint_id: the last checkpoint that changed the row, so readers know which
-- in-memory changes it already contains. user_hashes: the distinct users behind
-- distinct_users, as sorted 64-bit hashes (8 bytes each), so counts merge exactly
-- across checkpoints; NULL when the rollup has no user-bearing signals.
CREATE TABLE IF NOT EXISTS ingest_rollups (
  account_id VARCHAR NOT NULL,
  metric VARCHAR NOT NULL,
  epoch_day BIGINT NOT NULL,
  signal_count BIGINT NOT NULL,
  numeric_count BIGINT NOT NULL,
  value_sum DOUBLE PRECISION NOT NULL,
  value_min DOUBLE PRECISION NOT NULL,
  value_max DOUBLE PRECISION NOT NULL,
  last_value DOUBLE PRECISION NOT NULL,
  last_label VARCHAR,
  first_at_millis BIGINT NOT NULL,
  last_at_millis BIGINT NOT NULL,
  distinct_users BIGINT NOT NULL,
  user_hashes BYTEA,
  checkpoint_id BIGINT NOT NULL,
  PRIMARY KEY (account_id, metric, epoch_day)
);

-- One row: the last checkpoint and the first write-ahead log segment not covered by it.
CREATE TABLE IF NOT EXISTS ingest_checkpoint (
  id INTEGER NOT NULL PRIMARY KEY,
  checkpoint_id BIGINT NOT NULL,
  replay_from_segment BIGINT NOT NULL
);

INSERT INTO ingest_checkpoint (id, checkpoint_id, replay_from_segment)
  SELECT 1, 0, 0 WHERE NOT EXISTS (SELECT 1 FROM ingest_checkpoint WHERE id = 1);
