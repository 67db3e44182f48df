-- Daily rollups packed in blocks of 32 days per account and metric (RollupBlockCodec): one row
-- holds up to 32 rollups, so a year of one metric is 12 rows instead of 365. block_start: the
-- block's first epoch day, a multiple of 32. checkpoint_id: the last checkpoint that wrote the
-- block, so readers know which in-memory changes it already contains. At start the engine folds
-- the one-row-per-day table ingest_rollups (kept, then empty) into these blocks.
CREATE TABLE IF NOT EXISTS ingest_rollup_blocks (
  account_id VARCHAR NOT NULL,
  metric VARCHAR NOT NULL,
  block_start BIGINT NOT NULL,
  rollups BYTEA NOT NULL,
  checkpoint_id BIGINT NOT NULL,
  PRIMARY KEY (account_id, metric, block_start)
);

-- The distinct users of a rollup (account, metric, day) that has any, as sorted 64-bit hashes
-- (8 bytes each), so counts merge exactly across checkpoints. The count itself is in the block.
CREATE TABLE IF NOT EXISTS ingest_rollup_users (
  account_id VARCHAR NOT NULL,
  metric VARCHAR NOT NULL,
  epoch_day BIGINT NOT NULL,
  user_hashes BYTEA NOT NULL,
  PRIMARY KEY (account_id, metric, epoch_day)
);
