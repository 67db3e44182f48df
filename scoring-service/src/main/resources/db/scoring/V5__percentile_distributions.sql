-- The percentile distributions the last rescore built per scorecard, so every replica (and a
-- restarted one) compares accounts with the same values the rescore saw.
CREATE TABLE IF NOT EXISTS percentile_distributions (
  scorecard_id VARCHAR(64) NOT NULL PRIMARY KEY,
  body BYTEA NOT NULL,
  built_at BIGINT NOT NULL
);
